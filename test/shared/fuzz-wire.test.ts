/**
 * Every wire decoder against 10,000 generated hostile inputs: it never throws, what it accepts is canonical
 * (decoding its own output gives the same value, so no unchecked field rides along), and what it refuses is
 * refused with a short reason that never echoes a large input back.
 */
import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { CHUNK_SIZE } from '../../shared/constants';
import { toHex } from '../../shared/ring/id';
import { Rng } from '../../shared/sim/rng';
import { describe as describeFile } from '../../shared/transfer/meta';
import { encodeFrame, isPart } from '../../shared/wire/frame';
import { parseReply, parseRequest, type PeerReply } from '../../shared/wire/peer';
import { ERROR_CODES, parseClientMessage, parseServerMessage } from '../../shared/wire/signal';
import { hostileFrame, hostileRequest, hostileSignal, linkDecode, randomJson, type FuzzContext } from './fuzz-inputs';

const CASES = 10_000;
/** Longest refusal reason: enough to name the field, too short to carry an attacker's payload back. */
const MAX_REASON = 200;
const REPLY_TYPES: PeerReply['type'][] = ['ok', 'state', 'found', 'next', 'missing', 'stored', 'chunk', 'meta'];

async function context(): Promise<FuzzContext> {
  const bytes = new Rng(1).bytes(CHUNK_SIZE * 2 + 100);
  const source = await describeFile('fuzz.bin', bytes.length, CHUNK_SIZE, async (i) => bytes.subarray(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE), async (b) => sha256(b));
  return { addresses: ['peer-a', 'peer-b', toHex(new Rng(2).bytes(16))], meta: source.meta };
}

describe('peer messages', () => {
  it('parseRequest never throws on hostile bodies, accepts only canonical requests and refuses with short reasons', async () => {
    const rng = new Rng(101);
    const ctx = await context();
    const outcome = { accepted: 0, refused: 0 };
    for (let i = 0; i < CASES; i++) {
      const body = hostileRequest(rng, ctx);
      const parsed = parseRequest(body);
      if (parsed.ok) {
        outcome.accepted++;
        expect(parseRequest(JSON.parse(JSON.stringify(parsed.value)))).toEqual(parsed);
      } else {
        outcome.refused++;
        expect(parsed.reason.length, parsed.reason).toBeLessThanOrEqual(MAX_REASON);
      }
    }
    // Both paths ran many times: the generator is neither all noise nor all valid.
    expect(outcome.accepted).toBeGreaterThan(CASES / 10);
    expect(outcome.refused).toBeGreaterThan(CASES / 2);
  });

  it('parseReply never throws and only accepts the kinds the request expects', async () => {
    const rng = new Rng(102);
    const ctx = await context();
    for (let i = 0; i < CASES; i++) {
      const body = rng.chance(0.5) ? randomJson(rng) : { ...(hostileRequest(rng, ctx) as object), type: rng.pick(REPLY_TYPES) };
      const expected = [rng.pick(REPLY_TYPES), rng.pick(REPLY_TYPES)];
      const parsed = parseReply(body, expected);
      if (parsed.ok) {
        expect(expected).toContain(parsed.value.type);
        expect(parseReply(JSON.parse(JSON.stringify(parsed.value)), expected)).toEqual(parsed);
      } else {
        expect(parsed.reason.length, parsed.reason).toBeLessThanOrEqual(MAX_REASON);
      }
    }
  });
});

describe('data channel frames', () => {
  it('decoding never throws on hostile messages, and every frame accepted whole re-encodes to the same bytes', async () => {
    const rng = new Rng(103);
    const ctx = await context();
    const reasons = new Set<string>();
    let parts = 0;
    for (let i = 0; i < CASES; i++) {
      const bytes = hostileFrame(rng, ctx);
      const decoded = linkDecode(bytes);
      if (!decoded.ok) reasons.add(decoded.reason);
      else if (isPart(bytes)) parts++;
      // Compared as buffers: toEqual walks a 256 KiB frame element by element.
      else expect(Buffer.from(encodeFrame(decoded.frame)).equals(bytes), `frame ${i}`).toBe(true);
    }
    expect(parts).toBeGreaterThan(0);
    // Every refusal a link can meet in one message was reached (a frame over the limit cannot be one message).
    expect([...reasons].sort()).toEqual(
      ['bad-header', 'bad-json', 'bad-kind', 'bad-part', 'bad-utf8', 'bad-version', 'header-beyond-frame', 'header-too-large', 'too-short'].sort(),
    );
  });
});

describe('signaling messages', () => {
  it('parseClientMessage and parseServerMessage never throw, accept canonical messages and refuse with a documented code', () => {
    const rng = new Rng(104);
    const self = 'fuzzer';
    const others = ['peer-a', 'peer-b'];
    let accepted = 0;
    for (let i = 0; i < CASES; i++) {
      const frame = hostileSignal(rng, self, others);
      for (const parse of [parseClientMessage, parseServerMessage]) {
        const parsed = parse(frame);
        if (parsed.ok) {
          accepted++;
          expect(parse(JSON.stringify(parsed.msg))).toEqual(parsed);
        } else {
          expect(ERROR_CODES).toContain(parsed.code);
          expect(parsed.message.length, parsed.message).toBeLessThanOrEqual(MAX_REASON);
        }
      }
    }
    expect(accepted).toBeGreaterThan(CASES / 10);
  });
});
