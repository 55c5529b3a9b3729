export { localUpdate, originatedRoutes, publishLocal, routeKey } from './src/local-routes.ts';
