export { parseUntil, readRibLog, replay, type LoggedEvent, type Until } from './src/replay.ts';
export { intervalRow, patternHistory, ribDiff, routeRow, shownNeighbor, timelineRows, type HistoryLine, type IntervalRow, type RibDifference } from './src/audit-rows.ts';
export { answerRoutes, RoutesQuery, type RouteRow, type RoutesAnswer, type RouteView } from './src/routes-query.ts';
