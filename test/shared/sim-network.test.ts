import { describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES, MAX_HEADER_BYTES } from '../../shared/constants';
import type { Envelope } from '../../shared/ring/types';
import { SimClock } from '../../shared/sim/clock';
import { SimNetwork, type SimTransport } from '../../shared/sim/network';
import { Rng } from '../../shared/sim/rng';
import { FRAME_PREFIX_BYTES } from '../../shared/wire/frame';

const TIMEOUT = 1000;

function setup(opts: { latencyMs?: [number, number]; loss?: number; seed?: number } = {}) {
  const clock = new SimClock();
  const net = new SimNetwork({ clock, rng: new Rng(opts.seed ?? 1), latencyMs: opts.latencyMs ?? [5, 20], loss: opts.loss ?? 0 });
  const handled: string[] = [];
  const echo = (t: SimTransport): SimTransport => {
    t.listen(async (from, msg) => {
      handled.push(`${t.address}<-${from}`);
      return { body: { type: 'echo', from: t.address, text: msg.body.text, at: clock.now() }, data: msg.data };
    });
    return t;
  };
  const a = echo(net.transport('a'));
  const b = echo(net.transport('b'));
  const c = echo(net.transport('c'));
  return { clock, net, a, b, c, handled };
}

interface Outcome {
  ok: boolean;
  code?: string;
  reply?: Envelope;
  at: number;
}

/** How a request ended and at what virtual time; never rejects. */
function settled(clock: SimClock, p: Promise<Envelope>): Promise<Outcome> {
  return p.then(
    (reply) => ({ ok: true, reply, at: clock.now() }),
    (err: { code?: string }) => ({ ok: false, code: err.code, at: clock.now() }),
  );
}

/** Drives virtual time until the request settles. */
function outcome(clock: SimClock, p: Promise<Envelope>): Promise<Outcome> {
  return clock.drive(settled(clock, p), 10_000);
}

/** Drives virtual time until every request settles. */
function outcomes(clock: SimClock, ps: Array<Promise<Envelope>>): Promise<Outcome[]> {
  return clock.drive(Promise.all(ps.map((p) => settled(clock, p))), 10_000);
}

describe('SimNetwork', () => {
  it('delivers a request and its reply, each after one latency, as independent copies', async () => {
    const { clock, a } = setup({ latencyMs: [5, 20] });
    const data = new Uint8Array([1, 2, 3]);
    const body = { type: 'ping', text: 'hi', nested: { list: [1, 'x', null, true] } };
    const sent = a.request('b', { body, data }, { timeoutMs: TIMEOUT });
    body.text = 'mutated after send';
    data[0] = 99;
    const result = await outcome(clock, sent);
    expect(result.ok).toBe(true);
    expect(result.reply!.body).toMatchObject({ type: 'echo', from: 'b', text: 'hi' });
    expect(result.reply!.data).toEqual(new Uint8Array([1, 2, 3]));
    const handledAt = result.reply!.body.at as number;
    expect(handledAt).toBeGreaterThanOrEqual(5);
    expect(handledAt).toBeLessThanOrEqual(20);
    expect(result.at - handledAt).toBeGreaterThanOrEqual(5);
    expect(result.at - handledAt).toBeLessThanOrEqual(20);
  });

  it('loses requests and replies independently at the set rate', async () => {
    const { clock, net, a, handled } = setup({ loss: 0.3, seed: 5 });
    const results = await outcomes(
      clock,
      Array.from({ length: 2000 }, (_, i) => a.request('b', { body: { type: 'ping', text: String(i) } }, { timeoutMs: TIMEOUT })),
    );
    const ok = results.filter((r) => r.ok).length;
    // Handled when the request survives (0.7); answered when both survive (0.49).
    expect(handled.length / 2000).toBeGreaterThan(0.66);
    expect(handled.length / 2000).toBeLessThan(0.74);
    expect(ok / 2000).toBeGreaterThan(0.45);
    expect(ok / 2000).toBeLessThan(0.53);
    expect(results.filter((r) => !r.ok).every((r) => r.code === 'timeout')).toBe(true);
    expect(net.stats.lost).toBe(2000 - handled.length + (handled.length - ok));
    expect(net.stats.timeouts).toBe(2000 - ok);
  });

  it('swallows everything to and from a crashed peer, so callers time out', async () => {
    const { clock, net, a, b, handled } = setup();
    net.crash('b');
    const start = clock.now();
    const toCrashed = await outcome(clock, a.request('b', { body: { type: 'ping' } }, { timeoutMs: TIMEOUT }));
    expect(toCrashed).toMatchObject({ ok: false, code: 'timeout', at: start + TIMEOUT });
    const fromCrashed = await outcome(clock, b.request('c', { body: { type: 'ping' } }, { timeoutMs: TIMEOUT }));
    expect(fromCrashed).toMatchObject({ ok: false, code: 'timeout' });
    expect(handled).toEqual([]);
    expect(net.stats.dropped).toBe(2);
    expect(net.isCrashed('b')).toBe(true);
    expect(net.liveAddresses().sort()).toEqual(['a', 'c']);
  });

  it('drops a reply whose sender crashed while handling the request', async () => {
    const { clock, net, a } = setup();
    const slow = net.transport('slow');
    slow.listen(() => new Promise((resolve) => clock.setTimeout(() => resolve({ body: { type: 'late' } }), 100)));
    const pending = a.request('slow', { body: { type: 'ping' } }, { timeoutMs: TIMEOUT });
    await clock.runFor(50);
    net.crash('slow');
    expect(await outcome(clock, pending)).toMatchObject({ ok: false, code: 'timeout' });
  });

  it('partitions two groups both ways and heals', async () => {
    const { clock, net, a, b, c } = setup();
    net.partition(['a'], ['b', 'c']);
    expect((await outcome(clock, a.request('b', { body: { type: 'ping' } }, { timeoutMs: TIMEOUT }))).code).toBe('timeout');
    expect((await outcome(clock, c.request('a', { body: { type: 'ping' } }, { timeoutMs: TIMEOUT }))).code).toBe('timeout');
    expect((await outcome(clock, b.request('c', { body: { type: 'ping' } }, { timeoutMs: TIMEOUT }))).ok).toBe(true);
    net.heal();
    expect((await outcome(clock, a.request('b', { body: { type: 'ping' } }, { timeoutMs: TIMEOUT }))).ok).toBe(true);
    expect((await outcome(clock, c.request('a', { body: { type: 'ping' } }, { timeoutMs: TIMEOUT }))).ok).toBe(true);
  });

  it('fails requests to a closed or unknown peer as unreachable, and a closed transport refuses to send', async () => {
    const { clock, net, a, b } = setup({ latencyMs: [10, 10] });
    const hang = net.transport('hang');
    hang.listen(() => new Promise<Envelope>(() => {}));
    const pending = a.request('hang', { body: { type: 'ping' } }, { timeoutMs: TIMEOUT });
    await clock.runFor(15);
    hang.close();
    // The closed link is noticed one latency later.
    expect(await outcome(clock, pending)).toMatchObject({ ok: false, code: 'unreachable', at: 25 });
    expect(await outcome(clock, a.request('hang', { body: { type: 'ping' } }, { timeoutMs: TIMEOUT }))).toMatchObject({ code: 'unreachable', at: 45 });
    expect(await outcome(clock, a.request('nobody', { body: { type: 'ping' } }, { timeoutMs: TIMEOUT }))).toMatchObject({ code: 'unreachable', at: 65 });
    const mine = b.request('a', { body: { type: 'ping' } }, { timeoutMs: TIMEOUT });
    b.close();
    expect(await outcome(clock, mine)).toMatchObject({ code: 'closed', at: 65 });
    await expect(b.request('a', { body: { type: 'ping' } }, { timeoutMs: TIMEOUT })).rejects.toMatchObject({ code: 'closed' });
    expect(net.stats.unreachable).toBe(3);
  });

  it('times out at exactly timeoutMs of virtual time and still delivers the request; the late reply is counted', async () => {
    const { clock, net, a } = setup({ latencyMs: [10, 10] });
    let handledAt = -1;
    const slow = net.transport('slow');
    slow.listen((_from, msg) => {
      handledAt = clock.now();
      return new Promise((resolve) => clock.setTimeout(() => resolve({ body: { type: 'pong', n: msg.body.n } }), 200));
    });
    expect(await outcome(clock, a.request('slow', { body: { type: 'ping', n: 1 } }, { timeoutMs: 100 }))).toMatchObject({ code: 'timeout', at: 100 });
    expect(handledAt).toBe(10);
    await clock.runFor(500);
    expect(net.stats.late).toBe(1);
  });

  it('honours an AbortSignal before and during a request', async () => {
    const { clock, net, a } = setup({ latencyMs: [50, 50] });
    const pre = new AbortController();
    pre.abort();
    await expect(a.request('b', { body: { type: 'ping' } }, { timeoutMs: TIMEOUT, signal: pre.signal })).rejects.toMatchObject({ code: 'aborted' });
    const mid = new AbortController();
    clock.setTimeout(() => mid.abort(), 30);
    expect(await outcome(clock, a.request('b', { body: { type: 'ping' } }, { timeoutMs: TIMEOUT, signal: mid.signal }))).toMatchObject({ code: 'aborted', at: 30 });
    expect(net.stats.aborted).toBe(1);
    await clock.runFor(200);
    expect(net.stats.late).toBe(1);
  });

  it('sends a handler error back with its message and code', async () => {
    const { clock, net, a } = setup();
    const picky = net.transport('picky');
    picky.listen(async (_from, msg) => {
      if (msg.body.type === 'coded') throw Object.assign(new Error('key taken'), { code: 'key-collision' });
      throw new Error('plain failure');
    });
    const coded = a.request('picky', { body: { type: 'coded' } }, { timeoutMs: TIMEOUT });
    await expect(clock.drive(coded, 5000)).rejects.toMatchObject({ code: 'key-collision', message: expect.stringContaining('key taken') });
    const plain = a.request('picky', { body: { type: 'plain' } }, { timeoutMs: TIMEOUT });
    await expect(clock.drive(plain, 5000)).rejects.toMatchObject({ code: 'remote-error', message: expect.stringContaining('plain failure') });
  });

  it('refuses bodies that could not cross a real wire, in requests and in replies', async () => {
    const { clock, net, a, handled } = setup();
    const bad: Array<[string, Envelope]> = [
      ['bigint', { body: { type: 'x', key: 5n } }],
      ['NaN', { body: { type: 'x', n: NaN } }],
      ['Map', { body: { type: 'x', m: new Map() } }],
      ['bytes in body', { body: { type: 'x', b: new Uint8Array(2) } }],
      ['no type', { body: { kind: 'x' } as unknown as Envelope['body'] }],
      ['long type', { body: { type: 'x'.repeat(65) } }],
      ['undefined in array', { body: { type: 'x', list: [1, undefined] } }],
      ['function', { body: { type: 'x', f: () => 1 } }],
      ['huge header', { body: { type: 'x', text: 'y'.repeat(MAX_HEADER_BYTES) } }],
      ['huge multibyte header', { body: { type: 'x', text: '€'.repeat(MAX_HEADER_BYTES / 3 + 10) } }],
      ['header huge only once escaped', { body: { type: 'x', text: '"'.repeat(MAX_HEADER_BYTES / 2) } }],
      ['huge frame', { body: { type: 'x' }, data: new Uint8Array(MAX_FRAME_BYTES) }],
      ['data not bytes', { body: { type: 'x' }, data: [1, 2] as unknown as Uint8Array }],
    ];
    for (const [what, envelope] of bad) {
      await expect(a.request('b', envelope, { timeoutMs: TIMEOUT }), what).rejects.toMatchObject({ code: 'bad-message' });
    }
    expect(net.stats.invalid).toBe(bad.length);
    expect(handled).toEqual([]);
    // What JSON would carry is accepted, dropping undefined properties as JSON does.
    const fine = await outcome(clock, a.request('b', { body: { type: 'x', text: 'ok', gone: undefined } }, { timeoutMs: TIMEOUT }));
    expect(fine.ok).toBe(true);
    expect(fine.reply!.body.text).toBe('ok');
    // A frame of exactly the largest size crosses; one byte more does not.
    const sink = net.transport('sink');
    sink.listen(async () => ({ body: { type: 'ok' } }));
    const header = { type: 'x', text: 'ok' };
    const fullData = new Uint8Array(MAX_FRAME_BYTES - FRAME_PREFIX_BYTES - JSON.stringify(header).length);
    expect((await outcome(clock, a.request('sink', { body: header, data: fullData }, { timeoutMs: TIMEOUT }))).ok).toBe(true);
    await expect(a.request('sink', { body: header, data: new Uint8Array(fullData.length + 1) }, { timeoutMs: TIMEOUT })).rejects.toMatchObject({ code: 'bad-message' });

    const sloppy = net.transport('sloppy');
    sloppy.listen(async () => ({ body: { type: 'reply', key: 1n } }));
    expect(await outcome(clock, a.request('sloppy', { body: { type: 'x' } }, { timeoutMs: TIMEOUT }))).toMatchObject({ ok: false, code: 'bad-message' });
    expect(net.stats.invalid).toBe(bad.length + 2);
  });

  it('refuses a second live transport on one address, but lets a crashed peer restart', async () => {
    const { clock, net, a } = setup();
    expect(() => net.transport('b')).toThrow(/in use/);
    net.crash('b');
    const again = net.transport('b');
    again.listen(async () => ({ body: { type: 'reborn' } }));
    expect((await outcome(clock, a.request('b', { body: { type: 'ping' } }, { timeoutMs: TIMEOUT }))).reply?.body.type).toBe('reborn');
  });

  it('is deterministic for a seed', async () => {
    const run = async (seed: number) => {
      const { clock, net, a } = setup({ loss: 0.2, seed });
      const results = await outcomes(clock, Array.from({ length: 200 }, () => a.request('c', { body: { type: 'ping' } }, { timeoutMs: 100 })));
      return { at: results.map((r) => r.at), stats: { ...net.stats } };
    };
    const first = await run(42);
    expect(await run(42)).toEqual(first);
    expect(await run(43)).not.toEqual(first);
  });
});
