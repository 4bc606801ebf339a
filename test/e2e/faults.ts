/**
 * Fault injection for end-to-end tests: raw bytes on a tab's data channel, links cut from either side, a tab
 * whose chunk replies lie, and the counters that show a tab noticed (transport drops, ring node stats).
 */
import type { BrowserContext, Page } from 'playwright-core';
import type { TransportStats } from '../../client/net/transport-stats';
import type { NodeStats } from '../../shared/ring/node';

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
 * Makes every tab the context opens a liar: its transport's request handler is wrapped, before the ring
 * node installs it, so that every chunk it serves has bytes flipped. `corruptedReplies` counts the lies.
 */
export async function corruptChunkReplies(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    type Plumbing = NonNullable<Window['ringshare']>;
    type Transport = NonNullable<Plumbing['transport']>;
    const lies = { count: 0 };
    (window as { corruptedReplies?: typeof lies }).corruptedReplies = lies;
    let plumbing: Plumbing | undefined;
    // The page assigns window.ringshare, then plumbing.transport when its node is made, then the node calls listen.
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
            next.listen = (handler) =>
              listen(async (from, msg) => {
                const reply = await handler(from, msg);
                if (msg.body.type !== 'chunk' || !reply.data?.length) return reply;
                const data = reply.data.slice();
                for (let i = 0; i < data.length; i += 251) data[i]! ^= 0xff;
                lies.count++;
                return { ...reply, data };
              });
          },
        });
      },
    });
  });
}

export function corruptedReplies(page: Page): Promise<number> {
  return page.evaluate(() => (window as { corruptedReplies?: { count: number } }).corruptedReplies?.count ?? 0);
}
