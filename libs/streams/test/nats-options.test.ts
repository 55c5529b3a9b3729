import { describe, expect, it } from 'vitest';
import { natsOptions } from '#libs/streams';

describe('nats.url as connection options', () => {
  it('takes the servers, the user and password a URL carries (decoded), and tls:// as TLS', () => {
    expect(natsOptions('nats://127.0.0.1:4222')).toEqual({ servers: ['nats://127.0.0.1:4222'] });
    expect(natsOptions('127.0.0.1:4222, nats://b:4222')).toEqual({ servers: ['nats://127.0.0.1:4222', 'nats://b:4222'] });
    expect(natsOptions('tls://dpp-rib:s%40cret@h1:4222,tls://h2:4222')).toEqual({ servers: ['nats://h1:4222', 'nats://h2:4222'], user: 'dpp-rib', pass: 's@cret', tls: {} });
    expect(natsOptions('nats://token-only@h:4222')).toEqual({ servers: ['nats://h:4222'], user: 'token-only' });
  });
});
