/**
 * Two Chromium tabs and one Firefox tab form one ring; a multi-MiB file put in each engine comes back
 * byte-identical in the other; after the Firefox browser is killed with SIGKILL, its file still comes back.
 */
import { expect, test } from 'vitest';
import { launchFirefox, openFirefoxPeer } from './firefox';
import { logEvent, withSession } from './harness';
import { SETTLE_MS, formRing, getHash, openPeer, putRandom, waitForPlacement, type InPage } from './ring';

/** Several chunks and more than one of Chromium's 256 KiB data-channel messages. */
const FILE_BYTES = 3 * 1024 * 1024 + 12_345;

test('Chromium and Firefox tabs share one ring; files cross both ways and survive the Firefox browser being killed', async () => {
  await withSession(async ({ server, browser, defer }) => {
    const firefox = await launchFirefox();
    defer(() => firefox.close());

    const chromiumTabs: InPage[] = [];
    for (let i = 0; i < 2; i++) chromiumTabs.push(await openPeer(await browser.newContext(), server.url, `chromium${i}`));
    const firefoxTab = await openFirefoxPeer(firefox.browser, server.url, 'firefox');
    const pages = [...chromiumTabs, firefoxTab];
    await formRing(pages);

    const fromChromium = await putRandom(chromiumTabs[0]!, 'from-chromium.bin', FILE_BYTES);
    const fromFirefox = await putRandom(firefoxTab, 'from-firefox.bin', FILE_BYTES);
    const names = ['from-chromium.bin', 'from-firefox.bin'];
    await waitForPlacement(pages, names, SETTLE_MS.put);

    expect(await getHash(firefoxTab, 'from-chromium.bin')).toBe(fromChromium);
    expect(await getHash(chromiumTabs[1]!, 'from-firefox.bin')).toBe(fromFirefox);

    firefox.kill();
    const killedAt = Date.now();
    await waitForPlacement(chromiumTabs, names, SETTLE_MS.crash);
    logEvent('firefox-killed-recovered', { ms: Date.now() - killedAt });
    for (const tab of chromiumTabs) expect(await getHash(tab, 'from-firefox.bin')).toBe(fromFirefox);
    expect(await getHash(chromiumTabs[1]!, 'from-chromium.bin')).toBe(fromChromium);
  });
});
