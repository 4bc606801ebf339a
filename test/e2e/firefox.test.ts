/**
 * Two Chromium tabs and one Firefox tab form one ring; a multi-MiB file put in each engine comes back
 * byte-identical in the other; after the Firefox browser is killed with SIGKILL, its file still comes back.
 */
import { expect, test } from 'vitest';
import { launchFirefox, openFirefoxPeer } from './firefox';
import { logEvent, withSession } from './harness';
import { SETTLE_MS, formRing, getHash, openPeer, putRandom, waitForPlacement, type InPage } from './ring';

/**
 * Many chunks, each more than one of Chromium's 256 KiB data-channel messages, and over the tabs' in-memory
 * download limit (MEMORY_QUERY), so a get in either engine writes to the origin private file system.
 */
const FILE_BYTES = 5 * 1024 * 1024 + 12_345;
const MEMORY_QUERY = 'memory-mib=4';
/**
 * Two such files each to an owner and two backups, across engines: SETTLE_MS.put is sized for files of a few
 * hundred KiB, and with other helpers' browsers on the 2 cores (load average 30) 5 s was not enough once.
 */
const PLACE_MS = SETTLE_MS.put * 4;

test('Chromium and Firefox tabs share one ring; files cross both ways and survive the Firefox browser being killed', async () => {
  await withSession(async ({ server, browser, defer }) => {
    const firefox = await launchFirefox();
    defer(() => firefox.close());

    const chromiumTabs: InPage[] = [];
    for (let i = 0; i < 2; i++) chromiumTabs.push(await openPeer(await browser.newContext(), server.url, `chromium${i}`, undefined, MEMORY_QUERY));
    const firefoxTab = await openFirefoxPeer(firefox.browser, server.url, 'firefox', MEMORY_QUERY);
    const pages = [...chromiumTabs, firefoxTab];
    let phaseAt = Date.now();
    const phase = (name: string) => {
      logEvent(`firefox-test:${name}`, { ms: Date.now() - phaseAt });
      phaseAt = Date.now();
    };
    await formRing(pages);
    phase('ring-formed');

    const fromChromium = await putRandom(chromiumTabs[0]!, 'from-chromium.bin', FILE_BYTES);
    phase('put-from-chromium');
    const fromFirefox = await putRandom(firefoxTab, 'from-firefox.bin', FILE_BYTES);
    phase('put-from-firefox');
    const names = ['from-chromium.bin', 'from-firefox.bin'];
    await waitForPlacement(pages, names, PLACE_MS);
    phase('placed');

    expect(await getHash(firefoxTab, 'from-chromium.bin')).toBe(fromChromium);
    expect(await getHash(chromiumTabs[1]!, 'from-firefox.bin')).toBe(fromFirefox);
    phase('read-across');

    firefox.kill();
    await waitForPlacement(chromiumTabs, names, SETTLE_MS.crash);
    phase('killed-recovered');
    for (const tab of chromiumTabs) expect(await getHash(tab, 'from-firefox.bin')).toBe(fromFirefox);
    expect(await getHash(chromiumTabs[1]!, 'from-chromium.bin')).toBe(fromChromium);
  });
});
