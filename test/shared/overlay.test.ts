import { describe, expect, it } from 'vitest';
import { Rng } from '../../shared/sim/rng';
import { BYE_TYPE, MAX_OVERLAY_HOPS, MAX_RELAY_BYTES, RELAY_TYPE, isLinkControl, parseLinkControl, relayBody } from '../../shared/wire/overlay';
import { MAX_SDP_LENGTH } from '../../shared/wire/signal';
import { webcrypto } from 'node:crypto';
import { generateIdentity } from '../../shared/trust/identity';
import { toBase64url } from '../../shared/trust/bytes';

/** The origin's proof a relay carries (client/net/relay-auth checks the signature; here only its shape matters). */
const proof = { key: (await generateIdentity(webcrypto.subtle as SubtleCrypto)).publicKey, nonce: 7, seq: 1, sig: toBase64url(new Uint8Array(64)) };
const good = { type: RELAY_TYPE, from: 'tab-a', to: 'tab-b', hops: 0, signal: { type: 'offer', sdp: 'v=0\r\n' }, ...proof };

describe('parseLinkControl', () => {
  it('accepts a relayed signal and a bye, and round-trips through relayBody', () => {
    const parsed = parseLinkControl(good);
    expect(parsed).toEqual({ ok: true, value: good });
    if (parsed.ok && parsed.value.type === RELAY_TYPE) expect(relayBody(parsed.value)).toEqual(good);
    expect(parseLinkControl({ type: BYE_TYPE, extra: 1 })).toEqual({ ok: true, value: { type: BYE_TYPE } });
    const candidate = { ...good, hops: MAX_OVERLAY_HOPS - 1, signal: { type: 'candidate', candidate: { candidate: 'a', sdpMid: '0', sdpMLineIndex: 0 } } };
    expect(parseLinkControl(candidate).ok).toBe(true);
  });

  it.each([
    ['hops below 0', { ...good, hops: -1 }, /hops/],
    ['hops at the limit', { ...good, hops: MAX_OVERLAY_HOPS }, /hops/],
    ['hops not an integer', { ...good, hops: 1.5 }, /hops/],
    ['no signal', { ...good, signal: undefined }, /signal/],
    ['a signal of an unknown type', { ...good, signal: { type: 'hello' } }, /data.type/],
    ['an offer without sdp', { ...good, signal: { type: 'offer' } }, /sdp/],
    ['from not a peer id', { ...good, from: 'a b' }, /from/],
    ['no from', { ...good, from: undefined }, /from/],
    ['to not a peer id', { ...good, to: 'x'.repeat(65) }, /to/],
    ['from equal to to', { ...good, to: 'tab-a' }, /same peer/],
    ['too large', { ...good, signal: { type: 'offer', sdp: 'x'.repeat(MAX_RELAY_BYTES) } }, /over/],
    ['no key', { ...good, key: undefined }, /key/],
    ['a nonce not an integer', { ...good, nonce: 1.5 }, /nonce/],
    ['a negative seq', { ...good, seq: -1 }, /seq/],
    ['a short signature', { ...good, sig: 'abc' }, /sig/],
  ])('refuses %s with a reason', (_name, body, reason) => {
    const parsed = parseLinkControl(body as typeof good);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });

  it('keeps relays well under what the signaling server allows for one SDP', () => {
    expect(MAX_RELAY_BYTES).toBeLessThan(MAX_SDP_LENGTH);
  });

  it('never throws on 10,000 generated relay bodies, and accepts exactly the well-formed ones', () => {
    const rng = new Rng(8);
    const ids = ['tab-x', 'tab-y'];
    const signals = [{ type: 'offer', sdp: 'v=0' }, { type: 'renegotiate', renegotiate: true }];
    const values = (): unknown =>
      rng.pick<unknown>([undefined, null, 0, -1, 3, 2 ** 53, ...ids, '', 'a b', [], {}, ...signals, { type: 'answer' }, { toString: 1 }]);
    let accepted = 0;
    for (let i = 0; i < 10_000; i++) {
      const body = { type: RELAY_TYPE, from: values(), to: values(), hops: values(), signal: values(), ...proof };
      const wellFormed =
        ids.includes(body.from as string) && ids.includes(body.to as string) && body.from !== body.to && (body.hops === 0 || body.hops === 3) && signals.includes(body.signal as (typeof signals)[number]);
      const parsed = parseLinkControl(body);
      expect(parsed.ok, JSON.stringify(body)).toBe(wellFormed);
      if (parsed.ok) {
        accepted++;
        expect(parsed.value).toEqual(body);
      }
    }
    expect(accepted).toBeGreaterThan(0);
  });

  it('recognises only the two reserved types', () => {
    expect(isLinkControl({ type: RELAY_TYPE })).toBe(true);
    expect(isLinkControl({ type: BYE_TYPE })).toBe(true);
    expect(isLinkControl({ type: 'ping' })).toBe(false);
  });
});
