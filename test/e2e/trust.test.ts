/**
 * Trust between people: each browser context is a person with a signing identity of its own. Names belong to
 * their writer (put and delete by another are refused, the writer's replace and delete reach every tab, a
 * replica offline during the delete does not bring the file back); private files are sealed in the writer's
 * tab, so no IndexedDB anywhere holds their plaintext and only the link opens them.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { openTab, waitFor, withSession } from './harness';
import { SETTLE_MS, formRing, join, sha256, state, states, waitForPlacement, waitForRing } from './ring';
import { MARKER_BYTES, deleteIn, getOutcome, openPerson, putMarked, scanIndexedDb, type Person } from './trust';

/** The bound: a delete reaches every tab's get within 5 s. */
const DELETE_MS = 5_000;

const hashesOf = (tabs: Page[], name: string) => Promise.all(tabs.map((tab) => getOutcome(tab, name)));

test("a name is its writer's: another person's put and delete are refused, the writer's replace and delete reach every tab, a stale replica does not resurrect it", async () => {
  await withSession(async ({ server, browser, defer }) => {
    const people: Person[] = [];
    for (const name of ['alice', 'bob', 'carol', 'dave']) people.push(await openPerson(browser, server.url, name, defer));
    const [alice, bob] = people as [Person, Person];
    const tabs = people.map((p) => p.tab);
    await formRing(tabs);

    // One identity per person, shown on the page as its fingerprint.
    const ids = await Promise.all(tabs.map((tab) => tab.evaluate(() => ({ key: window.dht!.identity, fingerprint: window.dht!.fingerprint, shown: document.querySelector('#identity')?.textContent }))));
    expect(new Set(ids.map((id) => id.key)).size).toBe(people.length);
    for (const id of ids) expect(id.shown).toBe(id.fingerprint);

    const name = 'minutes.txt';
    const first = await putMarked(alice.tab, name, 300_000);
    if (!first.ok) throw new Error(`alice's put failed: ${first.message}`);
    expect(first.value.writer).toBe(ids[0]!.key);
    await waitForPlacement(tabs, [name], SETTLE_MS.put);

    const squat = await putMarked(bob.tab, name, 1000);
    expect(squat).toMatchObject({ ok: false, code: 'name-taken' });
    expect(await hashesOf(tabs, name)).toEqual(tabs.map(() => ({ ok: true, value: first.value.hash })));

    const second = await putMarked(alice.tab, name, 200_000);
    if (!second.ok) throw new Error(`alice's replace failed: ${second.message}`);
    await waitFor(() => hashesOf(tabs, name), (got) => got.every((g) => g.ok && g.value === second.value.hash), {
      timeoutMs: SETTLE_MS.put,
      what: "every tab to read alice's new version",
    });

    expect(await deleteIn(bob.tab, name)).toMatchObject({ ok: false, code: 'not-writer' });
    expect(await hashesOf(tabs, name)).toEqual(tabs.map(() => ({ ok: true, value: second.value.hash })));

    // A replica other than alice goes offline (its page gone, its IndexedDB kept) and misses the delete.
    await waitForPlacement(tabs, [name], SETTLE_MS.put);
    const holders = await states(tabs);
    const staleAt = holders.findIndex((s, i) => i > 0 && (s.files.includes(name) || s.backUpFiles.includes(name)));
    expect(staleAt).toBeGreaterThan(0);
    const stale = people[staleAt]!;
    const staleHost = holders[staleAt]!.host;
    const online = tabs.filter((_, i) => i !== staleAt);
    await stale.tab.goto('about:blank');
    // The ring has repaired around it (the owner's backups are live peers again) before the delete starts.
    await waitForPlacement(online, [name], SETTLE_MS.crash);

    const deleting = Date.now();
    expect(await deleteIn(alice.tab, name)).toEqual({ ok: true, value: null });
    await waitFor(() => hashesOf(online, name), (got) => got.every((g) => g.ok && g.value === null), {
      timeoutMs: Math.max(0, DELETE_MS - (Date.now() - deleting)),
      what: 'every online tab to get null within 5 s of the delete',
    });
    for (const s of await states(online)) expect([...s.files, ...s.backUpFiles]).not.toContain(name);

    // Back as the same peer (sessionStorage keeps its id) with the old version still in its IndexedDB.
    await stale.tab.goto(`${server.url}/?join=manual`);
    await waitFor(stale.tab, () => window.dht?.host, { timeoutMs: 15_000, what: 'the stale replica to load' });
    expect((await state(stale.tab)).host).toBe(staleHost);
    await waitFor(() => state(stale.tab), (s) => [...s.files, ...s.backUpFiles].includes(name), {
      timeoutMs: 15_000,
      what: 'the stale replica to load the deleted file from its IndexedDB',
    });
    await join(stale.tab, (await state(alice.tab)).host);
    await waitForRing(tabs, SETTLE_MS.join);
    await waitFor(() => states(tabs), (all) => all.every((s) => ![...s.files, ...s.backUpFiles].includes(name)), {
      timeoutMs: SETTLE_MS.join,
      what: 'no tab to list the deleted file once the stale replica is back',
    });
    expect(await hashesOf(tabs, name)).toEqual(tabs.map(() => ({ ok: true, value: null })));
  });
});

test('a private file is sealed in its tab: no IndexedDB holds its plaintext, a tab without the link cannot read it, the link downloads it', async () => {
  await withSession(async ({ server, browser, defer }) => {
    const people: Person[] = [];
    for (const name of ['alice', 'bob', 'carol']) people.push(await openPerson(browser, server.url, name, defer));
    const [alice, bob] = people as [Person, Person];
    const tabs = people.map((p) => p.tab);
    await formRing(tabs);

    const pub = await putMarked(alice.tab, 'public.bin', 600_000);
    const secret = await putMarked(alice.tab, 'secret.bin', 600_000, { private: true });
    if (!pub.ok || !secret.ok) throw new Error(`a put failed: ${JSON.stringify([pub, secret])}`);
    expect(new URL(pub.value.link).hash).toBe('');
    expect(new URL(secret.value.link).search).toBe('?get=secret.bin');
    expect(new URL(secret.value.link).hash).toMatch(/^#k=[\w-]+$/);
    expect(secret.value.size).toBe(600_000);

    // The same file chosen on the page with the private box ticked: its row shows the link.
    const picked = randomBytes(400_000);
    const pickedMarker = randomBytes(MARKER_BYTES);
    for (let at = 0; at + MARKER_BYTES <= picked.length; at += 64 * 1024) pickedMarker.copy(picked, at);
    await alice.tab.check('#private-input');
    await alice.tab.setInputFiles('#file-input', [{ name: 'picked-secret.bin', mimeType: 'application/octet-stream', buffer: picked }]);
    const pickedLink: string = await waitFor(alice.tab, () => document.querySelector<HTMLAnchorElement>('#uploads .transfer[data-state="done"] a.private-link')?.href ?? '', {
      timeoutMs: SETTLE_MS.put * 4,
      what: "the private upload's row to show its link",
    });
    await waitForPlacement(tabs, ['public.bin', 'secret.bin', 'picked-secret.bin'], SETTLE_MS.put);

    // Every database of every person: no plaintext of a private file, and the same scan finds the public one.
    for (const tab of tabs) {
      const publicScan = await scanIndexedDb(tab, pub.value.marker);
      expect(publicScan.hits.length, `the public file's bytes in ${JSON.stringify(publicScan)}`).toBeGreaterThan(0);
      for (const marker of [secret.value.marker, pickedMarker.toString('hex')]) {
        const scan = await scanIndexedDb(tab, marker);
        expect(scan.values).toBeGreaterThan(0);
        expect(scan.hits).toEqual([]);
      }
    }

    // Without the key: refused with a clear code, never plaintext.
    expect(await getOutcome(bob.tab, 'secret.bin')).toMatchObject({ ok: false, code: 'private-file' });

    // The link in a fresh browser context (a person who was never in the ring) downloads the identical file.
    const erin = await browser.newContext({ acceptDownloads: true });
    defer(() => erin.close());
    for (const [link, name, hash] of [
      [secret.value.link, 'secret.bin', secret.value.hash],
      [pickedLink, 'picked-secret.bin', sha256(picked)],
    ] as const) {
      const tab = await openTab(erin, link, `erin:${name}`);
      const download = tab.locator('#download-link');
      await download.waitFor({ state: 'visible', timeout: SETTLE_MS.join + SETTLE_MS.put * 4 });
      const [saved] = await Promise.all([tab.waitForEvent('download'), download.click()]);
      expect(saved.suggestedFilename()).toBe(name);
      expect(sha256(await readFile((await saved.path())!))).toBe(hash);
      expect((await scanIndexedDb(tab, secret.value.marker)).hits).toEqual([]);
    }
  });
});
