/**
 * Tabs talk over WebRTC data channels: every ordered pair exchanges requests, links survive the
 * signaling server going away, and the tabs come back to a restarted server with the ids they had.
 */
import { describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { MAX_FRAME_BYTES } from '../../shared/constants';
import { launchBrowser, launchCrashableBrowser, openTab, startServer, waitFor, withCleanup } from './harness';

interface Tab {
  name: string;
  page: Page;
  id: string;
}

/** Where a tab records the peers its transport reports down. */
type PeerDownLog = Window & { downPeers?: string[] };

const ONLINE_TIMEOUT_MS = 15_000;

async function openTabs(context: BrowserContext, url: string, names: string[]): Promise<Tab[]> {
  return Promise.all(
    names.map(async (name) => {
      // Out of the ring (?join=manual), so the test's echo handler can stand in for the ring node's.
      const page = await openTab(context, `${url}/?join=manual`, name);
      const id = await waitFor(page, () => window.ringshare?.signal.status === 'online' && window.ringshare.transport && window.ringshare.signal.id, {
        timeoutMs: ONLINE_TIMEOUT_MS,
        what: `${name} online with an id`,
      });
      if (typeof id !== 'string') throw new Error(`${name} has no id`);
      await page.evaluate(() => {
        const transport = window.ringshare!.transport!;
        transport.listen(async (_from, msg) => {
          if (msg.body.type !== 'echo' || typeof msg.body.text !== 'string') throw new Error(`unsupported request "${msg.body.type}"`);
          const body = { type: 'echo', text: msg.body.text, from: transport.address };
          return msg.data ? { body, data: msg.data } : { body };
        });
      });
      return { name, page, id };
    }),
  );
}

/** Sends an echo request from `from` to `to` with `bytes` of patterned data; the page checks the bytes that come back. */
function echo(from: Tab, to: string, text: string, bytes = 0) {
  return from.page.evaluate(
    async ({ to, text, bytes }) => {
      const pattern = (i: number) => (i * 7 + text.length) & 0xff;
      const data = Uint8Array.from({ length: bytes }, (_, i) => pattern(i));
      const started = performance.now();
      try {
        const reply = await window.ringshare!.transport!.request(
          to,
          bytes > 0 ? { body: { type: 'echo', text }, data } : { body: { type: 'echo', text } },
          { timeoutMs: 10_000 },
        );
        const back = reply.data;
        const intact = bytes === 0 ? back === undefined : back?.length === bytes && back.every((b, i) => b === pattern(i));
        return { ok: true as const, body: reply.body, intact, ms: performance.now() - started };
      } catch (err) {
        return { ok: false as const, code: (err as { code?: string }).code, message: (err as Error).message, ms: performance.now() - started };
      }
    },
    { to, text, bytes },
  );
}

function transportState(tab: Tab) {
  return tab.page.evaluate(() => {
    const transport = window.ringshare!.transport!;
    const connections = transport.connections().sort();
    return { connections, stats: transport.stats(), maxMessageSizes: connections.map((peer) => transport.maxMessageSize(peer)) };
  });
}

describe('WebRTC data channels between tabs', () => {
  it('every ordered pair of 4 tabs exchanges echo requests over its own data channel', async () => {
    await withCleanup(async (defer) => {
      const server = await startServer();
      defer(() => server.close());
      const browser = await launchBrowser();
      defer(() => browser.close());
      const context = await browser.newContext();
      const tabs = await openTabs(context, server.url, ['a', 'b', 'c', 'd']);
      expect(new Set(tabs.map((t) => t.id)).size).toBe(4);
      expect(server.peers().sort()).toEqual(tabs.map((t) => t.id).sort());

      // All 12 requests at once, so both tabs of every pair start connecting to each other at the same moment.
      const pairs = tabs.flatMap((a) => tabs.filter((b) => b !== a).map((b) => ({ a, b })));
      const results = await Promise.all(pairs.map(({ a, b }) => echo(a, b.id, `hello from ${a.id} to ${b.id}`, 1000)));
      for (const [i, { a, b }] of pairs.entries()) {
        const result = results[i]!;
        expect(result, `${a.name} -> ${b.name}`).toMatchObject({
          ok: true,
          body: { type: 'echo', text: `hello from ${a.id} to ${b.id}`, from: b.id },
          intact: true,
        });
      }

      for (const tab of tabs) {
        const { connections, stats, maxMessageSizes } = await transportState(tab);
        // One link per peer, each used both ways: three requests in and three replies in, at least.
        expect(connections, tab.name).toEqual(tabs.filter((t) => t !== tab).map((t) => t.id).sort());
        expect(stats.links).toBe(3);
        expect(stats.framesIn).toBeGreaterThanOrEqual(6);
        expect(stats.framesOut).toBeGreaterThanOrEqual(6);
        expect(stats.dropped).toEqual({});
        // Chromium accepts 256 KiB messages, so the ring's own frame limit is the one that applies.
        expect(maxMessageSizes).toEqual([MAX_FRAME_BYTES, MAX_FRAME_BYTES, MAX_FRAME_BYTES]);
      }

      const [a, b] = tabs as [Tab, Tab];
      // A handler error comes back as an error reply carrying its message.
      const refused = await b.page.evaluate(async (to) => {
        try {
          await window.ringshare!.transport!.request(to, { body: { type: 'nonsense' } }, { timeoutMs: 5000 });
          return 'resolved';
        } catch (err) {
          return `${(err as { code?: string }).code}: ${(err as Error).message}`;
        }
      }, a.id);
      expect(refused).toBe(`remote-error: ${a.id}: unsupported request "nonsense"`);

      // A request to itself takes the wire format without a connection.
      const self = await echo(a, a.id, 'to myself', 10);
      expect(self).toMatchObject({ ok: true, body: { from: a.id, text: 'to myself' }, intact: true });

      // A peer the server does not know fails at once, not after the connect timeout.
      const unknown = await echo(a, 'no-such-peer', 'anyone there?');
      expect(unknown).toMatchObject({ ok: false, code: 'unreachable' });
      expect(unknown.ms).toBeLessThan(2000);

      // A slow handler: the caller's timeout and abort both end the request, and the late reply is dropped and counted.
      await b.page.evaluate(() =>
        window.ringshare!.transport!.listen(async (_from, msg) => {
          await new Promise((resolve) => setTimeout(resolve, 600));
          return { body: { type: 'slow', text: String(msg.body.text) } };
        }),
      );
      const slow = await a.page.evaluate(async (to) => {
        const transport = window.ringshare!.transport!;
        const outcome = (p: Promise<unknown>) => p.then(() => 'resolved', (err: { code?: string }) => err.code);
        const started = performance.now();
        const timedOut = await outcome(transport.request(to, { body: { type: 'slow' } }, { timeoutMs: 200 }));
        const timeoutMs = performance.now() - started;
        const aborter = new AbortController();
        setTimeout(() => aborter.abort(), 100);
        const aborted = await outcome(transport.request(to, { body: { type: 'slow' } }, { timeoutMs: 5000, signal: aborter.signal }));
        const patient = await transport.request(to, { body: { type: 'slow', text: 'waited' } }, { timeoutMs: 5000 });
        return { timedOut, timeoutMs, aborted, patient: patient.body, dropped: transport.stats().dropped };
      }, b.id);
      expect(slow).toMatchObject({ timedOut: 'timeout', aborted: 'aborted', patient: { type: 'slow', text: 'waited' } });
      expect(slow.timeoutMs).toBeLessThan(550);
      // The two abandoned requests were answered while the third waited.
      expect(slow.dropped).toEqual({ 'late-reply': 2 });
    });
  });

  it('keeps links while the signaling server is down and rejoins a restarted server with the same ids', async () => {
    await withCleanup(async (defer) => {
      const first = await startServer();
      let server = first;
      defer(() => server.close());
      const browser = await launchBrowser();
      defer(() => browser.close());
      const context = await browser.newContext();
      const tabs = await openTabs(context, first.url, ['a', 'b', 'c']);
      const [a, b, c] = tabs as [Tab, Tab, Tab];
      expect(await echo(a, b.id, 'before', 100)).toMatchObject({ ok: true, intact: true });

      await first.close();
      for (const tab of tabs) {
        await waitFor(tab.page, () => window.ringshare!.signal.status !== 'online', { timeoutMs: 5000, what: `${tab.name} noticing the server is gone` });
      }
      // The open channel needs no server: data never went through it.
      expect(await echo(a, b.id, 'while the server is down', 100)).toMatchObject({ ok: true, body: { from: b.id }, intact: true });
      // A new connection does: it fails fast instead of waiting for the connect timeout.
      const noServer = await echo(a, c.id, 'no way to signal');
      expect(noServer).toMatchObject({ ok: false, code: 'unreachable' });
      expect(noServer.ms).toBeLessThan(2000);

      server = await startServer({ port: first.port });
      for (const tab of tabs) {
        const id = await waitFor(tab.page, () => window.ringshare!.signal.status === 'online' && window.ringshare!.signal.id, {
          timeoutMs: ONLINE_TIMEOUT_MS,
          what: `${tab.name} back online`,
        });
        expect(id, tab.name).toBe(tab.id);
      }
      expect(server.peers().sort()).toEqual(tabs.map((t) => t.id).sort());

      // Signaling works again: a pair without a link connects, and a newcomer reaches the old tabs.
      expect(await echo(a, c.id, 'after restart')).toMatchObject({ ok: true, body: { from: c.id } });
      const [d] = (await openTabs(context, server.url, ['d'])) as [Tab];
      for (const tab of tabs) expect(await echo(d, tab.id, `newcomer to ${tab.name}`)).toMatchObject({ ok: true, body: { from: tab.id } });
    });
  });

  it('reports a peer whose browser process is killed as down to the tabs linked to it', async () => {
    await withCleanup(async (defer) => {
      const server = await startServer();
      defer(() => server.close());
      const browser = await launchBrowser();
      defer(() => browser.close());
      const doomed = await launchCrashableBrowser();
      defer(() => doomed.close());
      const [a, b] = (await openTabs(await browser.newContext(), server.url, ['a', 'b'])) as [Tab, Tab];
      const [x] = (await openTabs(await doomed.browser.newContext(), server.url, ['x'])) as [Tab];
      for (const tab of [a, b]) {
        expect(await echo(tab, x.id, `${tab.name} to x`)).toMatchObject({ ok: true, body: { from: x.id } });
        await tab.page.evaluate(() => {
          const down: string[] = [];
          (window as PeerDownLog).downPeers = down;
          window.ringshare!.transport!.onPeerDown((peer) => down.push(peer));
        });
      }

      doomed.kill();
      for (const tab of [a, b]) {
        const down = await waitFor(tab.page, () => ((window as PeerDownLog).downPeers?.length ? (window as PeerDownLog).downPeers : null), {
          timeoutMs: 5000,
          what: `${tab.name} told that x is down`,
        });
        expect(down).toContain(x.id);
      }
      expect(server.peers()).not.toContain(x.id);
    });
  });

  it('moves more data than the channel buffers hold without overflowing it', async () => {
    await withCleanup(async (defer) => {
      const server = await startServer();
      defer(() => server.close());
      const browser = await launchBrowser();
      defer(() => browser.close());
      const [a, b] = (await openTabs(await browser.newContext(), server.url, ['a', 'b'])) as [Tab, Tab];

      // 200 requests of 96 KiB in flight at once, echoed back: about 19 MiB each way, past Chromium's 16 MiB send
      // buffer. Fewer than MAX_INCOMING_REQUESTS (256) at once: with 320 the far end, if slow to answer, held more
      // than 256 and refused the rest 'busy' (one full run in two).
      const result = await a.page.evaluate(async (to) => {
        const count = 200;
        const size = 96 * 1024;
        const replies = await Promise.all(
          Array.from({ length: count }, async (_, n) => {
            const data = new Uint8Array(size).fill(n & 0xff);
            data[0] = n >> 8;
            const reply = await window.ringshare!.transport!.request(to, { body: { type: 'echo', text: String(n) }, data }, { timeoutMs: 60_000 });
            const back = reply.data!;
            return reply.body.text === String(n) && back.length === size && back[0] === n >> 8 && back[size - 1] === (n & 0xff);
          }),
        );
        return { intact: replies.filter(Boolean).length, stats: window.ringshare!.transport!.stats() };
      }, b.id);
      expect(result.intact).toBe(200);
      expect(result.stats.links).toBe(1);
      expect(result.stats.dropped).toEqual({});
      const far = await transportState(b);
      expect(far.connections).toEqual([a.id]);
      expect(far.stats.framesIn).toBe(200);
    });
  });
});
