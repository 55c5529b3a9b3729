import type { TestProject } from 'vitest/node';
import { startNatsServer } from '#libs/lab';

declare module 'vitest' {
  export interface ProvidedContext {
    natsUrl: string;
  }
}

/** One real nats-server -js for the whole run; each test makes its own stream names. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startNatsServer();
  project.provide('natsUrl', server.url);
  return () => server.stop();
}
