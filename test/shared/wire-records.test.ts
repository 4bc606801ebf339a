/** Signed records on the peer wire: metadata carries its record, digest entries its claim, a digest reply what beats the entries. */
import { describe, expect, it } from 'vitest';
import { tombstoneMeta } from '../../shared/ring/records';
import { SimSigners } from '../../shared/sim/sim-signer';
import { fileRecord, signRecord } from '../../shared/trust/record';
import { parseReply, parseRequest } from '../../shared/wire/peer';

const H = 'a'.repeat(64);
const wireMeta = { name: 'a.txt', size: 100, chunkSize: 60, chunks: 2, root: H };
const writer = new SimSigners().identity('writer');

describe('records on the peer wire', () => {
  it('takes metadata with the record that describes it, and refuses one that does not', async () => {
    const signed = await signRecord(writer, fileRecord(wireMeta, 4, writer.publicKey, false));
    const offer = { type: 'offer', meta: { ...wireMeta, signed }, role: 'file', sources: ['p1'], replicate: true };
    expect(parseRequest(offer)).toEqual({ ok: true, value: offer });
    expect(parseReply({ type: 'meta', meta: { ...wireMeta, signed } }, ['meta'])).toEqual({ ok: true, value: { type: 'meta', meta: { ...wireMeta, signed } } });
    expect(parseRequest({ ...offer, meta: { ...wireMeta, size: 90, signed } })).toEqual({ ok: false, reason: 'meta.signed does not describe this metadata' });
    expect(parseRequest({ ...offer, meta: { ...wireMeta, signed: { ...signed, sig: 'x' } } })).toMatchObject({ ok: false, reason: expect.stringMatching(/^meta.signed: sig must be/) });
    const tombstone = tombstoneMeta(await signRecord(writer, { kind: 'delete', name: 'a.txt', version: 4, writer: writer.publicKey, deletedAt: 5 }));
    const { chunkHashes: _, ...wireTombstone } = tombstone;
    expect(parseRequest({ ...offer, meta: wireTombstone })).toEqual({ ok: true, value: { ...offer, meta: wireTombstone } });
    expect(parseRequest({ ...offer, meta: { ...wireTombstone, root: H } })).toEqual({ ok: false, reason: 'meta.signed does not describe this metadata' });
  });

  it('takes digest entries with a whole claim or none, and digest replies naming what is ahead', () => {
    const claim = { name: 'x', root: H, writer: writer.publicKey, version: 2, deleted: false };
    expect(parseRequest({ type: 'digest', entries: [claim] })).toEqual({ ok: true, value: { type: 'digest', entries: [claim] } });
    expect(parseRequest({ type: 'digest', entries: [{ name: 'x', root: H, writer: writer.publicKey }] })).toMatchObject({ ok: false, reason: /deleted must be true or false/ });
    expect(parseRequest({ type: 'digest', entries: [{ ...claim, version: 0 }] })).toMatchObject({ ok: false, reason: /version must be an integer/ });
    expect(parseRequest({ type: 'digest', entries: [{ ...claim, writer: 'me' }] })).toMatchObject({ ok: false, reason: /writer must be a public key/ });
    expect(parseReply({ type: 'missing', names: ['a'], ahead: ['b'] }, ['missing'])).toEqual({ ok: true, value: { type: 'missing', names: ['a'], ahead: ['b'] } });
    expect(parseReply({ type: 'missing', names: [], ahead: 'b' }, ['missing'])).toMatchObject({ ok: false, reason: 'ahead must be a short list' });
  });
});
