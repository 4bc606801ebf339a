import { describe, expect, it } from 'vitest';
import { iceServersFromEnv, parseIceServers } from '../../shared/wire/ice';
import { startSignalServer } from '../../signaling-server/server';

describe('ICE server configuration', () => {
  it('accepts STUN and TURN servers with credentials, and nothing for host-only', () => {
    expect(iceServersFromEnv(undefined)).toEqual([]);
    expect(iceServersFromEnv('  ')).toEqual([]);
    const turn = { urls: ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:5349'], username: 'u', credential: 'p' };
    expect(iceServersFromEnv(JSON.stringify([{ urls: 'stun:stun.example.org:3478' }, turn]))).toEqual([{ urls: 'stun:stun.example.org:3478' }, turn]);
  });

  it.each([
    ['not JSON', '{', /must be JSON/],
    ['not a list', '{"urls":"stun:x"}', /must be a list/],
    ['an http URL', '[{"urls":"http://example.org"}]', /urls must be stun/],
    ['no urls', '[{}]', /urls must be stun/],
    ['a numeric credential', '[{"urls":"turn:x","credential":5}]', /credential must be a string/],
  ])('refuses %s', (_what, text, message) => {
    expect(() => iceServersFromEnv(text)).toThrow(message);
  });

  it('refuses more servers than a page should try', () => {
    expect(() => parseIceServers(Array.from({ length: 9 }, () => ({ urls: 'stun:x' })))).toThrow(/at most 8/);
  });

  it('is served to pages at /config.json', async () => {
    const server = await startSignalServer({ port: 0, iceServers: [{ urls: 'stun:stun.example.org:3478' }], log: { debug() {}, info() {}, warn() {} } });
    try {
      const response = await fetch(`${server.url}/config.json`);
      expect(await response.json()).toEqual({ iceServers: [{ urls: 'stun:stun.example.org:3478' }] });
    } finally {
      await server.close();
    }
  });
});
