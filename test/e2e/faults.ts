/**
 * Fault injection for end-to-end tests: raw bytes on a tab's data channel, links cut from either side, a tab
 * whose chunk replies lie, and the counters that show a tab noticed (transport drops, ring node stats).
 */
import type { BrowserContext, Page } from 'playwright-core';
import type { TransportStats } from '../../client/net/transport-stats';
import type { NodeStats } from '../../shared/ring/node';
import type { Envelope } from '../../shared/ring/types';

/** Base64 keeps page.evaluate's payload small: a number[] would be several times the bytes. */
const SEND_BATCH_BYTES = 4 * 1024 * 1024;

export function transportStats(page: Page): Promise<TransportStats> {
  return page.evaluate(() => window.ringshare!.transport!.stats());
}

/** The ring node's counters of refused messages and corrupt chunks. */
export function nodeStats(page: Page): Promise<NodeStats> {
  // window.dht does not expose them (yet): they are read from the node it wraps.
  return page.evaluate(() => ({ ...(window.dht as unknown as { node: { stats: NodeStats } }).node.stats }));
}

/** Sends each message as it is, unframed, from `page` to peer `to` over their data channel, in order. */
export async function sendRaw(page: Page, to: string, messages: Uint8Array[]): Promise<void> {
  for (let start = 0; start < messages.length; ) {
    let end = start;
    for (let bytes = 0; end < messages.length && (end === start || bytes + messages[end]!.length <= SEND_BATCH_BYTES); end++) bytes += messages[end]!.length;
    const batch = messages.slice(start, end).map((m) => Buffer.from(m).toString('base64'));
    await page.evaluate(
      async ({ to, batch }) => {
        const transport = window.ringshare!.transport!;
        for (const text of batch) await transport.sendRaw(to, Uint8Array.from(atob(text), (c) => c.charCodeAt(0)), { timeoutMs: 10_000 });
      },
      { to, batch },
    );
    start = end;
  }
}

/** Closes `page`'s links to `peers` (all of its links when none are named), as a failure would. */
export function cutLinks(page: Page, peers?: string[]): Promise<string[]> {
  return page.evaluate((peers) => {
    const transport = window.ringshare!.transport!;
    const targets = peers ?? transport.connections();
    for (const peer of targets) transport.disconnect(peer);
    return targets;
  }, peers);
}

/** Starts recording, in the page, every peer its transport reports down; `peersDown` reads the record. */
export function recordPeersDown(page: Page): Promise<void> {
  return page.evaluate(() => {
    const down: string[] = [];
    (window as { peersDown?: string[] }).peersDown = down;
    window.ringshare!.transport!.onPeerDown((peer) => down.push(peer));
  });
}

export function peersDown(page: Page): Promise<string[]> {
  return page.evaluate(() => [...((window as { peersDown?: string[] }).peersDown ?? [])]);
}

/** Starts recording the dht notices a page gets; `notices` reads them. */
export function recordNotices(page: Page): Promise<void> {
  return page.evaluate(() => {
    const seen: Array<{ level: string; message: string }> = [];
    (window as { notices?: typeof seen }).notices = seen;
    window.dht!.on('notice', (notice) => seen.push(notice));
  });
}

export function notices(page: Page): Promise<Array<{ level: string; message: string }>> {
  return page.evaluate(() => [...((window as { notices?: Array<{ level: string; message: string }> }).notices ?? [])]);
}

/**
 * What a lying tab answers: `honest` runs its real handler. It runs in the page, sent there as its source, so
 * it may use only its arguments and the page's globals; `lies` is the page's `window.lies`, which the test
 * reads and changes with page.evaluate.
 */
export type Lie<S> = (lies: S, from: string, msg: Envelope, honest: () => Promise<Envelope>) => Promise<Envelope>;

/**
 * Makes every tab the context opens a liar: its transport's request handler is wrapped with `lie` before the
 * ring node installs it, and `window.lies` starts as `initial`.
 */
export async function lieInReplies<S>(context: BrowserContext, lie: Lie<S>, initial: S): Promise<void> {
  await context.addInitScript({ content: `(${wrapTransportHandler.toString()})(${lie.toString()}, ${JSON.stringify(initial)});` });
}

/** Runs in the page: the page assigns window.ringshare, then plumbing.transport when its node is made, then the node calls listen. */
function wrapTransportHandler<S>(lie: Lie<S>, lies: S): void {
  type Plumbing = NonNullable<Window['ringshare']>;
  type Transport = NonNullable<Plumbing['transport']>;
  (window as { lies?: S }).lies = lies;
  let plumbing: Plumbing | undefined;
  Object.defineProperty(window, 'ringshare', {
    configurable: true,
    get: () => plumbing,
    set(value: Plumbing) {
      plumbing = value;
      let transport = value.transport;
      Object.defineProperty(value, 'transport', {
        configurable: true,
        enumerable: true,
        get: () => transport,
        set(next: Transport | null) {
          transport = next;
          if (!next) return;
          const listen = next.listen.bind(next);
          next.listen = (handler) => listen((from, msg) => lie((window as { lies?: S }).lies!, from, msg, () => handler(from, msg)));
        },
      });
    },
  });
}

/** Makes every tab the context opens a liar whose every chunk reply has bytes flipped; corruptedReplies counts them. */
export function corruptChunkReplies(context: BrowserContext): Promise<void> {
  return lieInReplies(
    context,
    async (lies, _from, msg, honest) => {
      const reply = await honest();
      if (msg.body.type !== 'chunk' || !reply.data?.length) return reply;
      const data = reply.data.slice();
      for (let i = 0; i < data.length; i += 251) data[i]! ^= 0xff;
      lies.count++;
      return { ...reply, data };
    },
    { count: 0 },
  );
}

export function corruptedReplies(page: Page): Promise<number> {
  return page.evaluate(() => (window as { lies?: { count: number } }).lies?.count ?? 0);
}
