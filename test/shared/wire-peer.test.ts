import { describe, expect, it } from 'vitest';
import { parseMeta, parseReply, parseRequest } from '../../shared/wire/peer';
import { SchemaError } from '../../shared/wire/validate';

const H = 'a'.repeat(64);
const meta = { name: 'a.txt', size: 100, chunkSize: 60, chunks: 2, chunkHashes: [H, H], root: H };
const wireMeta = { name: 'a.txt', size: 100, chunkSize: 60, chunks: 2, root: H };

describe('peer requests', () => {
  it.each([
    [{ type: 'ping' }],
    [{ type: 'state' }],
    [{ type: 'state', predecessors: ['a', 'b'] }],
    [{ type: 'find', key: 'ff00' }],
    [{ type: 'lookup', key: '0' }],
    [{ type: 'leaving', successors: ['a', 'b'], predecessors: [] }],
    [{ type: 'digest', entries: [{ name: 'x', root: H }] }],
    [{ type: 'offer', meta: wireMeta, role: 'backup', sources: ['p1'], replicate: false }],
    [{ type: 'hashes', root: H, start: 1024, count: 1024 }],
    [{ type: 'chunk', root: H, index: 0 }],
    [{ type: 'meta', name: 'a.txt' }],
    [{ type: 'replicas', name: 'a.txt', root: H }],
  ])('accepts %j', (body) => {
    expect(parseRequest(body)).toEqual({ ok: true, value: body });
  });

  it.each([
    [null, /request must be an object/],
    [[1], /request must be an object/],
    [{ type: 'launch' }, /unknown request type "launch"/],
    [{ type: 'find', key: 'FF' }, /key must be lowercase hex/],
    [{ type: 'find', key: 'f'.repeat(65) }, /key must be lowercase hex/],
    [{ type: 'lookup', key: 12 }, /key must be lowercase hex/],
    [{ type: 'state', predecessors: 'a' }, /predecessors must be a list/],
    [{ type: 'chunk', root: H, index: -1 }, /index must be an integer/],
    [{ type: 'chunk', root: H, index: 1.5 }, /index must be an integer/],
    [{ type: 'chunk', root: 'zz', index: 0 }, /root must be a hex SHA-256/],
    [{ type: 'leaving', successors: ['bad id!'], predecessors: [] }, /successors\[0\] must be a peer address/],
    [{ type: 'leaving', successors: Array(17).fill('a'), predecessors: [] }, /at most 16/],
    [{ type: 'offer', meta: { ...meta, chunks: 3 }, role: 'file', sources: [], replicate: true }, /chunks does not match/],
    [{ type: 'hashes', root: H, start: 0, count: 0 }, /count must be an integer in 1\.\.1024/],
    [{ type: 'hashes', root: H, start: 0, count: 1025 }, /count must be an integer in 1\.\.1024/],
    [{ type: 'offer', meta: { ...meta, size: -1 }, role: 'file', sources: [], replicate: true }, /size must be an integer/],
    [{ type: 'offer', meta, role: 'king', sources: [], replicate: true }, /role must be/],
    [{ type: 'meta', name: '' }, /name must be a name/],
    [{ type: 'replicas', name: 'a.txt', root: 'abc' }, /root must be a hex SHA-256/],
    [{ type: 'meta', name: 'x'.repeat(256) }, /name must be a name/],
    [{ type: 'digest', entries: Array(65).fill({ name: 'x', root: H }) }, /at most 64/],
  ])('refuses %j', (body, reason) => {
    const parsed = parseRequest(body);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });
});

describe('peer replies', () => {
  it('accepts only the kinds the request expects', () => {
    expect(parseReply({ type: 'ok' }, ['ok'])).toEqual({ ok: true, value: { type: 'ok' } });
    expect(parseReply({ type: 'found', successors: ['a'] }, ['found', 'next']).ok).toBe(true);
    const wrong = parseReply({ type: 'ok' }, ['state']);
    expect(wrong.ok === false && wrong.reason).toMatch(/expected a state reply, got "ok"/);
    expect(parseReply({ type: 'found', successors: [] }, ['found']).ok).toBe(false);
    expect(parseReply({ type: 'replicas' }, ['stored']).ok).toBe(false);
    expect(parseReply({ type: 'state', predecessor: 5, successors: [], predecessors: [] }, ['state']).ok).toBe(false);
  });

  it('checks metadata shape and throws a SchemaError for parseMeta', () => {
    expect(parseMeta(meta)).toEqual(meta);
    expect(() => parseMeta({ ...meta, chunkSize: 0 })).toThrow(SchemaError);
    expect(() => parseMeta({ ...meta, chunkHashes: [H] })).toThrow(/one hash per chunk/);
  });

  it('keeps the metadata of a 4 GiB file small enough for a frame header: hashes travel in pages', () => {
    const chunks = Math.ceil(2 ** 32 / 61440);
    const request = { type: 'offer', meta: { name: 'huge.bin', size: 2 ** 32, chunkSize: 61440, chunks, root: H }, role: 'file', sources: ['p1'], replicate: true };
    expect(parseRequest(request).ok).toBe(true);
    expect(JSON.stringify(request).length).toBeLessThan(1024);
  });
});
