import type { FibEntry } from '../fib-entry.ts';
import { checkHardyTvr, toHardyTvr } from './hardy-tvr.ts';
import { checkHdtnPlan, toHdtnPlan } from './hdtn-contact-plan.ts';
import { checkIonContacts, fibContacts, toIonContacts } from './ion-contacts.ts';
import { checkIpnrc, toIpnrc } from './ion-ipnrc.ts';

/** `ion` is ionadmin's contacts, `ion-ipn` ipnadmin's plans and exits. */
export type PlanFormat = 'hardy' | 'ion' | 'ion-ipn' | 'hdtn';
export const PLAN_FORMATS: readonly PlanFormat[] = ['hardy', 'ion', 'ion-ipn', 'hdtn'];

export interface PlanOptions {
  /** Our node number, the source of ION and HDTN contacts. */
  readonly localNode: number;
  /** Where contacts of routes without a window start (ms). */
  readonly from: number;
  /** Where contacts of routes without an end stop (ms). */
  readonly horizon: number;
  /** HDTN's times count from here (ms; 0, the Unix epoch, for `--use-unix-timestamp`). */
  readonly hdtnEpoch: number;
  /** ION's rate for routes without bandwidth (ION refuses 0). */
  readonly defaultRateBps: number;
  /** ION: node pairs a previous file of ours had, whose contacts a reload must delete. */
  readonly replaces?: Iterable<readonly [number, number]>;
  /** ION plans: a neighbour's outduct, `{node}` its number (`ltp/{node}`). */
  readonly ionDuctTemplate?: string;
}

/**
 * A gateway's FIB as a router's contact plan, and a note for every route left out or value
 * bounded (never a silently different meaning); `pairs` are ION's node pairs, for the next
 * reload's deletions.
 */
export function exportPlan(format: PlanFormat, entries: readonly FibEntry[], options: PlanOptions): { text: string; notes: string[]; pairs: [number, number][] } {
  if (format === 'hardy') return { ...toHardyTvr(entries), pairs: [] };
  if (format === 'ion-ipn') return { ...toIpnrc(entries, options.ionDuctTemplate), pairs: [] };
  const ion = format === 'ion';
  const { contacts, carried, unmapped, unrated } = fibContacts(entries, options.localNode, { from: options.from, horizon: options.horizon, defaultRateBps: ion ? options.defaultRateBps : undefined, merge: ion });
  const notes = [
    ...unmapped.map((e) => `not expressible in ${format.toUpperCase()} (next hop is no ipn node of allocator 0): ${e.pattern} via ${e.nextHop}`),
    ...unrated.map((e) => `${e.pattern} via ${e.nextHop} has no bandwidth: its contact is written at ${options.defaultRateBps} bit/s (ION refuses 0)`),
  ];
  const written = ion ? toIonContacts(contacts, { comments: carried, ...(options.replaces ? { replaces: options.replaces } : {}) }) : { ...toHdtnPlan(contacts, options.hdtnEpoch), pairs: [] };
  return { text: written.text, notes: [...notes, ...written.notes], pairs: written.pairs };
}

/** What the router's own grammar says of a plan: every line (or field) it would refuse. */
export function checkPlan(format: PlanFormat, text: string): string[] {
  switch (format) {
    case 'hardy':
      return checkHardyTvr(text);
    case 'ion':
      return checkIonContacts(text);
    case 'ion-ipn':
      return checkIpnrc(text);
    case 'hdtn':
      return checkHdtnPlan(text);
    default:
      return format satisfies never;
  }
}
