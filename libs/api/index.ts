export { apiSubject, ask, askAll, decodeRequest, serveEndpoint } from './src/api-endpoint.ts';
export { PeerAction, PeersQuery, type PeerActionAnswer, type PeerDisabled, type PeersAnswer, type PeerView, type SessionEnd, type SessionStats } from './src/peers-answer.ts';
export { serveStatus, STATUS_ENDPOINT, type ServiceStatus } from './src/service-status.ts';
