// @ts-nocheck: a copy of an untyped script of ../shared/repro, changed only where marked below.
// ../shared/repro/crash-rollback.mts, adapted: unchanged but for this header (it runs on the new tree as is).
// Run from the project's root: npx tsx test/repro/crash-rollback.mts [seed]
import { pathToFileURL } from 'node:url';
const root = pathToFileURL(process.cwd() + '/');
//  a backup that reloads (keeps its id and its store, as a tab with IndexedDB does) holding an older version
// pushes it to the owner ("backup's part" of replication): a newer, fully replicated put can be rolled back.
const { Simulation } = await import(new URL('shared/sim/simulation.ts', root).href);
const { ChordNode } = await import(new URL('shared/ring/node.ts', root).href);
const { sourceFromBytes } = await import(new URL('shared/transfer/source.ts', root).href);
const { syncDigest } = await import(new URL('shared/sim/digest.ts', root).href);
const seed = Number(process.argv[2] ?? 5);
const sim = new Simulation({ seed, latencyMs: [5, 40], config: { chunkSize: 1024 } });
const peers = await sim.createRing(6);
const name = 'notes.txt';
const size = Number(process.argv[3] ?? 20000);
const s1 = await sourceFromBytes(name, sim.rng.bytes(size), 1024, syncDigest), s2 = await sourceFromBytes(name, sim.rng.bytes(size), 1024, syncDigest);
const tag = (root?: string) => (root === s1.meta.root ? 'v1' : root === s2.meta.root ? 'v2' : '--');
const [O, B1] = sim.replicasOf(name).map((a) => sim.peer(a));
const writer = sim.live().find((p) => !sim.replicasOf(name).includes(p.address))!;
await sim.clock.drive(writer.node.put(s1, { replicated: true }), 60000);
const oldStore = B1!.store;
sim.crash(B1!.address);                    // B1's tab is killed (or reloads slowly)
await sim.stabilize(5000);
await sim.clock.drive(writer.node.put(s2, { replicated: true }), 60000); // the user saves a new version: put resolves replicated
await sim.stabilize(3000);
const holders = () => sim.live().filter((p) => p.node.stored(name)).map((p) => `${p.address}:${tag(p.node.stored(name)?.root)}`).join(' ');
console.log('after v2 put, holders:', holders());
await sim.stabilize(15000);
console.log('15 s later, holders:', holders());
const got = await sim.getFile(name, writer.address);
console.log('get returns', got && tag((await sourceFromBytes(name, got, 1024, syncDigest)).meta.root));
process.exit(0);
