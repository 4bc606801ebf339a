// @ts-nocheck: a copy of an untyped script of ../shared/repro, changed only where marked below.
// ../shared/repro/fake-next-hops.mts, adapted: unchanged but for this header.
// Run from the project's root: npx tsx test/repro/fake-next-hops.mts [seed]
import { pathToFileURL } from 'node:url';
const root = pathToFileURL(process.cwd() + '/');
// E9: one 'find' reply names 16 made-up peers; the asker tries each (in a tab, each is a new RTCPeerConnection).
const { Simulation } = await import(new URL('shared/sim/simulation.ts', root).href);
const sim = new Simulation({ seed: 10 });
const peers = await sim.createRing(6);
const [victim, mallory] = [peers[1]!, peers[4]!];
let n = 0;
const h = mallory.transport.handler!;
mallory.transport.handler = async (f, m) => m.body.type === 'find' ? { body: { type: 'next', next: `ghost${n++}`, also: Array.from({ length: 15 }, () => `ghost${n++}`) } } : h(f, m);
const contacted = new Set<string>();
const req = victim.transport.request.bind(victim.transport);
victim.transport.request = (to, msg, opts) => { if (to.startsWith('ghost')) contacted.add(to); return req(to, msg, opts); };
const t0 = sim.clock.now();
await sim.clock.drive(victim.node.lookup(123456789n, mallory.address).catch((e) => console.log('lookup failed:', e.code)), 600000);
console.log(`one lookup that reached Mallory made the victim contact ${contacted.size} non-existent peers (${n} were named), ${sim.clock.now() - t0} ms`);
process.exit(0);
