import { describe, expect, it } from 'vitest';
import { MAX_SEEN_PER_ORIGIN, RelayAuth, REPLAY_WINDOW } from '../../client/net/relay-auth';
import { parseLinkControl, relayBody, type RelayMessage } from '../../shared/wire/overlay';
import { testPeerKey } from './fake-link';

const OFFER = { type: 'offer' as const, sdp: 'v=0' };
const CANDIDATE = { type: 'candidate' as const, candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 } };

/** A relay as a hop past the first sees it: through the wire format and its parser. */
function onTheWire(msg: RelayMessage, hops = 1): RelayMessage {
  const parsed = parseLinkControl(relayBody({ ...msg, hops }));
  if (!parsed.ok || parsed.value.type !== 'relay') throw new Error(`not a relay: ${parsed.ok ? parsed.value.type : parsed.reason}`);
  return parsed.value;
}

describe('RelayAuth', () => {
  it("takes a signal its origin signed, once, and refuses another key's, a changed one and a replay", async () => {
    const origin = await testPeerKey();
    const other = await testPeerKey();
    let now = 1_000_000;
    const signer = new RelayAuth(origin, () => now);
    const hop = new RelayAuth(other, () => now);
    const first = onTheWire(await signer.sign(origin.id, 'target', OFFER));
    const second = onTheWire(await signer.sign(origin.id, 'target', CANDIDATE));
    expect(second.seq).toBeGreaterThan(first.seq);
    expect(await hop.check(second)).toBeUndefined();
    // Overtaken by a later signal of the same origin, the first is still new.
    expect(await hop.check(first)).toBeUndefined();
    expect(await hop.check(first)).toBe('relay-replay');
    // Changed on the way (a number not yet taken, so only the signature can tell), or under another key.
    const third = onTheWire(await signer.sign(origin.id, 'target', OFFER));
    expect(await hop.check({ ...third, to: 'elsewhere' })).toBe('relay-forged');
    expect(await hop.check({ ...third, signal: { type: 'offer', sdp: 'v=1' } })).toBe('relay-forged');
    expect(await hop.check({ ...third, seq: third.seq + 1 })).toBe('relay-forged');
    expect(await hop.check({ ...third, key: other.publicKey, nonce: other.nonce })).toBe('relay-wrong-key');
    // A refused copy does not use up the number: the genuine signal still passes.
    expect(await hop.check(third)).toBeUndefined();
    // A genuine signal numbered a window below the origin's highest is a replay, whatever the set remembers.
    now += 2 * REPLAY_WINDOW;
    const late = onTheWire(await signer.sign(origin.id, 'target', OFFER));
    expect(await hop.check(late)).toBeUndefined();
    expect(await hop.check(onTheWire({ ...first }))).toBe('relay-replay');
  });

  it('remembers a bounded number of signals per origin, and signs and checks fast enough for every signal', async () => {
    const origin = await testPeerKey();
    const signer = new RelayAuth(origin, () => 0);
    const hop = new RelayAuth(await testPeerKey(), () => 0);
    const count = MAX_SEEN_PER_ORIGIN + 10;
    const started = performance.now();
    const signed: RelayMessage[] = [];
    for (let i = 0; i < count; i++) signed.push(await signer.sign(origin.id, 'target', CANDIDATE));
    const signedAt = performance.now();
    for (const msg of signed) expect(await hop.check(onTheWire(msg))).toBeUndefined();
    const checkedAt = performance.now();
    // The newest are remembered; the oldest were forgotten but are within the window, so only the set guards them.
    expect(await hop.check(onTheWire(signed.at(-1)!))).toBe('relay-replay');
    const perSign = (signedAt - started) / count;
    const perCheck = (checkedAt - signedAt) / count;
    console.log(JSON.stringify({ event: 'relay-auth-cost', algorithm: origin.identity.algorithm, signs: count, perSignMs: perSign.toFixed(3), perCheckMs: perCheck.toFixed(3), relayBytes: JSON.stringify(relayBody(signed[0]!)).length }));
    // A connection signs a few dozen signals: even a loaded 2-core machine does each in far less than this.
    expect(perSign + perCheck).toBeLessThan(20);
  });
});
