export { apiSubject, ask, askAll, decodeRequest, serveEndpoint } from './src/api-endpoint.ts';
export { serveStatus, STATUS_ENDPOINT, type ServiceStatus } from './src/service-status.ts';
