export type LogLine = (line: Record<string, unknown>) => void;

/** One JSON object a line, with the time and the service; a session's lines also carry its id and peer AD. */
export const jsonLog =
  (write: (text: string) => unknown, service: string): LogLine =>
  (line) =>
    write(`${JSON.stringify({ time: new Date().toISOString(), service, ...line })}\n`);
