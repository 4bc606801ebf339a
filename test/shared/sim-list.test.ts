/** Listing the ring's files by walking owners in key order, on a simulated ring of a few hundred peers. */
import { beforeAll, describe, expect, it } from 'vitest';
import { LIST_PAGE } from '../../shared/constants';
import type { ListOptions, ListPage } from '../../shared/ring/node';
import { Simulation } from '../../shared/sim/simulation';
import type { Address, Envelope, RequestOptions } from '../../shared/ring/types';

const PEERS = 300;
const FILES = 600;
const LIMIT_MS = 120_000;

/** Requests `lister` sends during `body`, by type (its upkeep goes on meanwhile: its fix-fingers sends finds too). */
async function counting<T>(sim: Simulation, lister: Address, body: () => Promise<T>): Promise<{ result: T; sent: Map<string, number>; listedFiles: number; biggestReply: number }> {
  const network = sim.network as unknown as { send(from: unknown, to: Address, msg: Envelope, opts: RequestOptions): Promise<Envelope> };
  const send = network.send.bind(network);
  const sent = new Map<string, number>();
  let listedFiles = 0;
  let biggestReply = 0;
  network.send = async (from, to, msg, opts) => {
    if ((from as { address: Address }).address !== lister) return send(from, to, msg, opts);
    const type = msg.body.type as string;
    sent.set(type, (sent.get(type) ?? 0) + 1);
    const reply = await send(from, to, msg, opts);
    if (type === 'list') {
      const files = (reply.body.files as unknown[]).length;
      listedFiles += files;
      biggestReply = Math.max(biggestReply, files);
    }
    return reply;
  };
  try {
    return { result: await body(), sent, listedFiles, biggestReply };
  } finally {
    network.send = send;
  }
}

describe(`listing the files of a ring of ${PEERS} peers`, () => {
  let sim: Simulation;
  const names: string[] = [];

  beforeAll(async () => {
    sim = new Simulation({ seed: 91 });
    await sim.createRing(PEERS);
    for (let i = 0; i < FILES; i++) names.push(`${i % 3 === 0 ? 'photos/' : 'docs/'}file-${i}.bin`);
    expect(await sim.putFiles(names.map((name, i): [string, Uint8Array] => [name, sim.rng.bytes(16 + (i % 50))]))).toEqual([]);
    expect(await sim.converge(LIMIT_MS, { placement: true })).toBe(true);
    names.sort();
  }, 300_000);

  const list = (opts: ListOptions, from = sim.live()[7]!) =>
    counting(sim, from.address, () => sim.clock.drive(from.node.list(opts), LIMIT_MS));

  /** Names in ring order: by key, then name. */
  const ringOrder = (list: string[]) =>
    [...list].sort((a, b) => {
      const ka = sim.live()[0]!.node.keyOf(a);
      const kb = sim.live()[0]!.node.keyOf(b);
      return ka < kb ? -1 : ka > kb ? 1 : a < b ? -1 : 1;
    });

  it('lists every file once, sorted by name, each with its size and its owner, in about one request per peer', async () => {
    const { result, sent } = await list({ limit: FILES * 2 });
    expect(result.next).toBeNull();
    expect(result.entries.map((e) => e.name)).toEqual(names);
    for (const entry of result.entries) {
      expect(entry.owner).toBe(sim.replicasOf(entry.name)[0]);
      expect(entry.size).toBe(sim.files.get(entry.name)!.bytes.length);
    }
    // One reply per owner, the first owner twice (the start and the wrapped end of its range), no more pages.
    expect(sent.get('list') ?? 0).toBeLessThanOrEqual(PEERS + 1);
    expect(sent.get('list') ?? 0).toBeGreaterThanOrEqual(PEERS - 1);
  });

  it('stops at the limit: the first files in ring order, for a lookup and a handful of requests', async () => {
    const { result, sent } = await list({ limit: 10 });
    const first = ringOrder(names).slice(0, 10);
    expect(result.entries.map((e) => e.name)).toEqual([...first].sort());
    expect(result.next).toBe(first.at(-1));
    // 600 files on 300 peers: about 2 per owner, so ten files is a few owners (an empty owner costs a request too).
    expect(sent.get('list') ?? 0).toBeLessThanOrEqual(20);
    // The lookup of the first owner (about log2 300 / 2 hops) and the peer's own fix-fingers meanwhile.
    expect(sent.get('find') ?? 0).toBeLessThanOrEqual(16);
  });

  it('pages through the whole ring with next, every file exactly once', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < FILES; pages++) {
      const { result }: { result: ListPage } = await list({ limit: 97, ...(after !== undefined && { after }) }, sim.live()[pages % PEERS]!);
      seen.push(...result.entries.map((e) => e.name));
      if (result.next === null) break;
      after = result.next;
    }
    expect(seen.sort()).toEqual(names);
  });

  it('filters by prefix at each owner: only matching files cross the wire', async () => {
    const photos = names.filter((n) => n.startsWith('photos/'));
    const { result, listedFiles } = await list({ prefix: 'photos/' });
    expect(result.entries.map((e) => e.name)).toEqual(photos);
    expect(listedFiles).toBe(photos.length);
    expect((await list({ prefix: 'nothing-here/' })).result.entries).toEqual([]);
  });

  it("leaves deleted files out, and names each file's writer by its fingerprint", async () => {
    const gone = names.find((n) => n.startsWith('docs/'))!;
    const signer = sim.peer(sim.replicasOf(gone)[0]!).node.stored(gone)!.signed!.record.writer;
    const writer = sim.live().find((p) => p.node.writer === signer)!;
    await sim.clock.drive(writer.node.delete(gone), LIMIT_MS);
    const { result } = await list({ prefix: 'docs/', limit: FILES });
    expect(result.entries.map((e) => e.name)).toEqual(names.filter((n) => n.startsWith('docs/') && n !== gone));
    for (const entry of result.entries) expect(entry.writer).toMatch(/^[0-9a-f]{4}(-[0-9a-f]{4}){3}$/);
  });
});

describe('listing owners that hold more than a page', () => {
  it(`reads an owner's range in pages of at most ${LIST_PAGE} files, every file once`, async () => {
    const sim = new Simulation({ seed: 92 });
    await sim.createRing(3);
    const names = Array.from({ length: 400 }, (_, i) => `many-${i}`);
    expect(await sim.putFiles(names.map((name): [string, Uint8Array] => [name, sim.rng.bytes(8)]))).toEqual([]);
    expect(await sim.converge(LIMIT_MS, { placement: true })).toBe(true);
    const from = sim.live()[0]!;
    const { result, sent, biggestReply } = await counting(sim, from.address, () => sim.clock.drive(from.node.list(), LIMIT_MS));
    expect(result.entries.map((e) => e.name)).toEqual([...names].sort());
    expect(biggestReply).toBeLessThanOrEqual(LIST_PAGE);
    // 400 files in pages of 64 from two remote owners (the local one answers without a request), and no more.
    expect(sent.get('list') ?? 0).toBeGreaterThanOrEqual(Math.ceil((400 * 2) / 3 / LIST_PAGE) - 1);
    expect(sent.get('list') ?? 0).toBeLessThanOrEqual(Math.ceil(400 / LIST_PAGE) + 6);
  });
});
