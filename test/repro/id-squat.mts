// @ts-nocheck: a copy of an untyped script of ../shared/repro, changed only where marked below.
// ../shared/repro/id-squat.mts, adapted: a hello now proves a key (shared/trust/peer-id), so the original's
// bare `{ type: 'hello', id }` waits forever for a welcome; this copy prints what the server answers instead.
// test/signaling-server/id-squat.test.ts and departures.test.ts assert the same on several seeds.
// Run from the project's root: npx tsx test/repro/id-squat.mts [seed]
import { pathToFileURL } from 'node:url';
const root = pathToFileURL(process.cwd() + '/');
const seed = process.argv[2] ?? '1';
// adapted: the signaling tests' harness (bounded waits, challenge, proven hello) and seeded keys.
const { withServer, eventually } = await import(new URL('test/signaling-server/harness.ts', root).href);
const { seededPeerKey, freshPeerKey } = await import(new URL('test/signaling-server/peer-keys.ts', root).href);
const answer = async (c) => { const m = await c.next(); return m.type === 'welcome' ? `welcome ${m.id}` : `${m.type} ${m.code ?? ''}`; };
// adapted: the default connection-rate limits would refuse the 200 cycles; this counts messages, not refusals.
const UNLIMITED = { connectionsPerSecondPerAddress: 100_000, connectionBurstPerAddress: 100_000 };
// adapted: a 'peers' round trip flushes what the server sent before it.
const peerLefts = async (c) => { c.send({ type: 'peers' }); let n = 0; for (;;) { const m = await c.next(); if (m.type === 'peers') return n; if (m.type === 'peer-left') n++; } };
await withServer(UNLIMITED, async ({ server, open, join }) => {
  // 1. any id the client likes (e.g. one ground so its key lands just before a target)
  const a = await open(); await a.challenge();
  a.send({ type: 'hello', id: 'mallory-39' });
  console.log('asked for mallory-39, answered', await answer(a));
  // 2. squatting: the victim's socket drops (server restart, network blip); whoever says hello first owns the id
  const alice = await seededPeerKey(`alice-${seed}`);
  const victim = await join(alice);
  victim.client.close();
  await eventually(() => !server.peers().includes(alice.id), 'alice to drop');
  const squatter = await open(); await squatter.challenge();
  squatter.send({ type: 'hello', id: alice.id });
  const squat = await answer(squatter);
  const back = await join(alice);
  console.log('squatter answered', squat, '; the real alice reconnecting gets', back.welcome.id === alice.id ? 'her own id' : back.welcome.id);
  // 3. each connect + hello + close: how many 'peer-left' each registered peer receives
  const listeners = await Promise.all(Array.from({ length: 100 }, () => join()));
  const t0 = performance.now();
  for (let i = 0; i < 200; i++) { const c = await join(await freshPeerKey()); c.client.close(); }
  const left = await Promise.all(listeners.map((l) => peerLefts(l.client)));
  console.log(`200 cycles in ${Math.round(performance.now() - t0)} ms; peer-left messages per honest peer:`, Math.min(...left), '..', Math.max(...left));
});
process.exit(0);
