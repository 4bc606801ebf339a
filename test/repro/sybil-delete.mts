// @ts-nocheck: a copy of an untyped script of ../shared/repro, changed only where marked below.
// ../shared/repro/sybil-delete.mts, adapted: unchanged but for this header (it runs on the new tree as is).
// Run from the project's root: npx tsx test/repro/sybil-delete.mts [seed]
import { pathToFileURL } from 'node:url';
const root = pathToFileURL(process.cwd() + '/');
//  one peer with a self-chosen (ground) id, lying in 'state' (predecessors) and 'digest', makes all three
// honest copies of every file in its victim's range be dropped.
const { Simulation } = await import(new URL('shared/sim/simulation.ts', root).href);
const { hashKey, between } = await import(new URL('shared/ring/id.ts', root).href);
const M = 64;
const sim = new Simulation({ seed: 2 });
const peers = await sim.createRing(8);
const names = Array.from({ length: 80 }, (_, i) => `doc-${i}.txt`);
for (const n of names) await sim.putFile(n, new TextEncoder().encode(`contents of ${n}`));
await sim.converge(20000, { placement: true });
// Victim H and its range (pred, H]
const view = sim.view();
const sorted = [...sim.live()].sort((a, b) => (a.key < b.key ? -1 : 1));
const H = sorted[3]!, pred = sorted[2]!;
const inRange = names.filter((n) => { const k = hashKey(n, M); return between(k, pred.key, H.key) || k === H.key; });
const maxKey = inRange.map((n) => hashKey(n, M)).reduce((a, b) => (b > a ? b : a));
const grind = (prefix: string, lo: bigint, hi: bigint) => { for (let i = 0; ; i++) { const a = `${prefix}${i}`; if (between(hashKey(a, M), lo, hi)) return { a, tries: i + 1 }; } };
const sy = grind('mallory-', maxKey, H.key);           // the Sybil: right before H, after every file of H's range
const f1 = grind('ghost-a-', maxKey, hashKey(sy.a, M)); // fake predecessors it claims (no such peers)
const f2 = grind('ghost-b-', maxKey, hashKey(f1.a, M));
console.log({ victim: H.address, filesInRange: inRange.length, sybil: sy, f1, f2 });
const before = (n: string) => sim.live().filter((p) => p.node.stored(n)).length;
console.log('copies before', inRange.map(before).join(','));
const m = await sim.addNode(sy.a);
const orig = m.transport.handler!;
m.transport.handler = async (from, msg) => {
  switch (msg.body.type) {
    case 'state': { const r = await orig(from, msg); return { body: { ...r.body, predecessors: [f1.a, f2.a] } }; }
    case 'digest': return { body: { type: 'missing', names: [] } };      // "I hold all of that"
    case 'offer': return { body: { type: 'stored', replicas: 1 } };      // "stored" (nothing pulled)
    case 'meta': return { body: { type: 'meta', meta: null } };
    default: return orig(from, msg);
  }
};
await sim.join(m, peers[0]!.address);
const honest = () => sim.live().filter((p) => p !== m);
for (const t of [1000, 2000, 5000, 10000]) {
  await sim.stabilize(t - (sim.clock.now() - (globalThis as any).t0 || 0));
}
await sim.stabilize(10000);
const after = inRange.map((n) => honest().filter((p) => p.node.stored(n)).length);
console.log('honest copies after 10 s', after.join(','));
console.log('lost (0 honest copies):', after.filter((c) => c === 0).length, 'of', inRange.length);
const others = names.filter((n) => !inRange.includes(n)).map((n) => honest().filter((p) => p.node.stored(n)).length);
console.log('other files, honest copies histogram', others.reduce((h: any, c) => ((h[c] = (h[c] ?? 0) + 1), h), {}));
m.state = 'live';
sim.crash(m.address); // Mallory goes away
await sim.stabilize(10000);
const g = await sim.checkGets(inRange);
console.log('gets of the victim range after Mallory left:', { checked: g.checked, missing: g.missing.length, corrupt: g.corrupt.length, failed: g.failed.length });
process.exit(0);
