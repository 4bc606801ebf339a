/**
 * Hostile input against a live ring: 10,000 generated data-channel messages to one tab (random bytes,
 * broken frames, oversized frames, malformed and lying requests, replies nobody asked for), a flood of
 * connection offers through the signaling server, and hostile signaling frames to the server itself.
 * Every bad message is dropped and counted, nothing crashes, and the ring goes on storing and serving files.
 */
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { FrameKind } from '../../shared/wire/frame';
import { Rng } from '../../shared/sim/rng';
import { PUZZLE_BITS } from '../../shared/trust/peer-id';
import { TestClient } from '../signaling-server/harness';
import { freshPeerKey } from '../signaling-server/peer-keys';
import { expectedSignalOutcome, hostileFrame, hostileSignal, linkDecode, refusedAtBoundary } from '../shared/fuzz-inputs';
import { nodeStats, sendRaw, transportStats } from './faults';
import { logEvent, waitFor, withSession } from './harness';
import { SETTLE_MS, formRing, getHash, join, openPeer, openPeers, putRandom, state, waitForPlacement } from './ring';

const FRAMES = 10_000;
/**
 * Requests per round of frames. A round's requests are all answered before the next round is sent, so the
 * target never has more in flight from one peer than it answers at once (MAX_INCOMING_REQUESTS) and none is refused as busy.
 */
const ROUND_REQUESTS = 200;
const OFFER_FLOODERS = 4;
const OFFERS_EACH = 150;
const RENEGOTIATE_FLOODERS = 2;
const SIGNAL_FUZZERS = 12;
/** Under the server's 200 messages a second per connection, so every frame is answered rather than rate-limited. */
const SIGNALS_EACH = 160;

function tally(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

async function healthErrors(url: string): Promise<Record<string, number>> {
  return ((await (await fetch(`${url}/healthz`)).json()) as { errors: Record<string, number> }).errors;
}

/** Rounds of consecutive frames, each holding at most ROUND_REQUESTS request frames that decode. */
function rounds(frames: Uint8Array[]): Array<{ frames: Uint8Array[]; requests: number }> {
  const out: Array<{ frames: Uint8Array[]; requests: number }> = [{ frames: [], requests: 0 }];
  for (const frame of frames) {
    const decoded = linkDecode(frame);
    const isRequest = decoded.ok && decoded.frame.kind === FrameKind.request;
    if (isRequest && out.at(-1)!.requests === ROUND_REQUESTS) out.push({ frames: [], requests: 0 });
    out.at(-1)!.frames.push(frame);
    if (isRequest) out.at(-1)!.requests++;
  }
  return out;
}

/** Keys tried for one whose id lies on the wanted side of the target's: each side is half of all ids. */
const MAX_KEY_TRIES = 64;

/** A signaling client registered with a fresh peer key (one whose id `wanted` accepts), closed at the end of the test. */
async function registered(url: string, defer: (cleanup: () => unknown) => void, wanted: (id: string) => boolean = () => true): Promise<{ client: TestClient; id: string }> {
  let key = await freshPeerKey(PUZZLE_BITS);
  for (let tries = 1; !wanted(key.id) && tries < MAX_KEY_TRIES; tries++) key = await freshPeerKey(PUZZLE_BITS);
  expect(wanted(key.id), `a key whose id suits, in ${MAX_KEY_TRIES} tries`).toBe(true);
  const client = await TestClient.open(url);
  defer(() => client.close());
  await client.hello(key);
  return { client, id: (await client.next('welcome')).id };
}

test('a tab and the signaling server refuse and count 10,000 hostile messages each, and the ring keeps working', async () => {
  await withSession(async ({ server, browser, defer }) => {
    const context = await browser.newContext();
    const [a, b, c, fuzzer] = (await openPeers(context, server.url, 4)) as [Page, Page, Page, Page];
    const ring = [a, b, c];
    await formRing(ring);
    const names = Array.from({ length: 6 }, (_, i) => `before-${i}.bin`);
    const hashes = new Map<string, string>();
    for (const [i, name] of names.entries()) hashes.set(name, await putRandom(ring[i % 3]!, name, 20_000 + i * 7_000));
    await waitForPlacement(ring, names, SETTLE_MS.put);
    const addresses = (await Promise.all(ring.map(state))).map((s) => s.host);
    const target = a;
    const targetId = addresses[0]!;
    // With three peers and three replicas every peer holds every file: the lies can be near misses of a real one.
    const meta = (await target.evaluate((name) => window.dht!.stored(name) ?? null, names[0]!))!;
    expect(meta).not.toBeNull();

    // ---- 10,000 data-channel messages from a tab that is not in the ring -------------------------------
    const rng = new Rng(2026);
    const frames: Uint8Array[] = [];
    while (frames.length < FRAMES) {
      const frame = hostileFrame(rng, { addresses, meta });
      // A data channel does not deliver an empty message at all: there would be nothing to count.
      if (frame.length > 0) frames.push(frame);
    }
    const expectedDrops: Record<string, number> = {};
    let strayReplies = 0;
    let badBodies = 0;
    for (const frame of frames) {
      const decoded = linkDecode(frame);
      if (!decoded.ok) tally(expectedDrops, decoded.reason);
      else if (decoded.frame.kind !== FrameKind.request) strayReplies++;
      else if (refusedAtBoundary(decoded.frame.body)) badBodies++;
    }
    const started = Date.now();
    let answered = 0;
    for (const round of rounds(frames)) {
      await sendRaw(fuzzer, targetId, round.frames);
      answered += round.requests;
      // The fuzzer has no requests of its own in flight: every reply it gets is an answer to one of its frames.
      await waitFor(() => transportStats(fuzzer), (s) => (s.dropped['late-reply'] ?? 0) >= answered, {
        timeoutMs: 30_000,
        what: `the target to answer ${answered} requests`,
      });
    }
    logEvent('fuzz-frames-sent', { frames: FRAMES, requests: answered, badBodies, ms: Date.now() - started });

    // ---- connection offers and requests through the signaling server, from several ids ------------------
    // Ids below the target's send offers (the lower id starts a connection); ids above it ask for one.
    const offerers = await Promise.all(Array.from({ length: OFFER_FLOODERS }, () => registered(server.url, defer, (id) => id < targetId)));
    const askers = await Promise.all(Array.from({ length: RENEGOTIATE_FLOODERS }, () => registered(server.url, defer, (id) => id > targetId)));
    const createdBefore = (await transportStats(target)).linksCreated;
    for (const { client } of offerers) {
      for (let n = 0; n < OFFERS_EACH; n++) client.send({ type: 'signal', to: targetId, data: { type: 'offer', sdp: `v=0 garbage ${n}` } });
    }
    for (const { client } of askers) {
      for (let n = 0; n < OFFERS_EACH; n++) client.send({ type: 'signal', to: targetId, data: { type: 'renegotiate', renegotiate: true } });
    }
    const offered = OFFER_FLOODERS * OFFERS_EACH;
    const afterFlood = await waitFor(
      () => transportStats(target),
      (s) => (s.dropped['link-budget'] ?? 0) + s.linksCreated - createdBefore >= offered,
      { timeoutMs: 15_000, what: `the target to take or refuse all ${offered} connection offers` },
    );

    // ---- hostile frames to the signaling server ----------------------------------------------------------
    const before = await healthErrors(server.url);
    const live = new Set(server.peers());
    const fuzzers = await Promise.all(Array.from({ length: SIGNAL_FUZZERS }, () => registered(server.url, defer)));
    for (const f of fuzzers) live.add(f.id);
    const expectedErrors: Record<string, number> = {};
    await Promise.all(
      fuzzers.map(async ({ client, id }) => {
        let replies = 0;
        for (let n = 0; n < SIGNALS_EACH; n++) {
          // Only tabs and strangers are named: a relay to another fuzzer would land among its replies.
          const text = hostileSignal(rng, id, addresses);
          const want = expectedSignalOutcome(text, id, live);
          if (!('relayTo' in want)) replies++;
          if ('type' in want && want.type === 'error') tally(expectedErrors, want.code);
          client.sendRaw(text);
        }
        for (let n = 0; n < replies; n++) await client.next(undefined, 10_000);
        expect(client.isOpen).toBe(true);
      }),
    );
    const after = await healthErrors(server.url);
    for (const [code, count] of Object.entries(expectedErrors)) {
      const counted = (after[code] ?? 0) - (before[code] ?? 0);
      // Tabs may add unknown-target errors of their own (a candidate for a connection that just ended).
      if (code === 'unknown-target') expect(counted, code).toBeGreaterThanOrEqual(count);
      else expect(counted, code).toBe(count);
    }

    // ---- every bad message was dropped and counted where it arrived ---------------------------------------
    const stats = await transportStats(target);
    for (const [reason, count] of Object.entries(expectedDrops)) expect(stats.dropped[reason], reason).toBe(count);
    expect(stats.dropped['late-reply'] ?? 0).toBeGreaterThanOrEqual(strayReplies);
    expect((await nodeStats(target)).droppedMessages).toBe(badBodies);
    // Chromium allows a page about 500 connections in its lifetime: the offers were mostly refused, and a peer
    // asking again and again for a connection that is being set up costs nothing more.
    expect(afterFlood.dropped['link-budget']).toBeGreaterThan(offered * 0.9);
    expect(afterFlood.linksCreated - createdBefore).toBeLessThanOrEqual(offered * 0.1 + RENEGOTIATE_FLOODERS);
    expect(stats.linksCreated).toBeLessThan(250);
    logEvent('fuzz-target-stats', { ...stats, node: await nodeStats(target) });

    // ---- and the ring goes on: old files intact, new files stored, a newcomer gets in ---------------------
    await waitForPlacement(ring, names, SETTLE_MS.join);
    hashes.set('after.bin', await putRandom(target, 'after.bin', 150_000));
    const newcomer = await openPeer(context, server.url, 'newcomer');
    await join(newcomer, targetId);
    const everyone = [...ring, newcomer];
    await waitForPlacement(everyone, [...hashes.keys()], SETTLE_MS.join);
    for (const [name, hash] of hashes) expect(await getHash(newcomer, name), name).toBe(hash);
    for (const page of ring) expect(await getHash(page, 'after.bin')).toBe(hashes.get('after.bin'));
  });
});
