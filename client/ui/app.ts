/** The page: status, ring picture, file lists, the ring's files, upload, fetch and share links, all drawn from `window.dht`. */
import type { DhtApi } from '../dht-api';
import { mountBrowse } from './browse';
import { addDeleteButtons } from './delete-button';
import { renderFileList } from './file-lists';
import { mountFetch } from './fetch';
import { keyHex, statusText } from './format';
import { showIdentity } from './identity-view';
import { createMessages } from './messages';
import { openShareLink, type LinkHooks } from './open-link';
import { privateLinkOpener } from './private-link';
import { ownedRange, ringDots, type RingInput } from './ring-model';
import { createRingView } from './ring-view';
import { UnbackedWatch, showUnbacked, type UnbackedSource } from './unbacked-warning';
import { mountSharePanel } from './share-panel';
import { mountUpload } from './upload';

/** The connection count has no change event of its own, so the page also redraws on this period. */
const REFRESH_MS = 1000;

/**
 * Wires the page inside `root` (the layout of index.html) to `dht`, which also says how many links it may keep
 * open. `hooks` open what this module does not (a private share link).
 */
export function mountUi(root: HTMLElement, dht: DhtApi & UnbackedSource, hooks: LinkHooks = {}): void {
  const find = <T extends Element = HTMLElement>(id: string): T => {
    const element = root.querySelector<T>(`#${id}`);
    if (!element) throw new Error(`The page has no #${id} element`);
    return element;
  };
  const text = (id: string, value: string): void => {
    find(id).textContent = value;
  };
  const messages = createMessages(find('messages'));
  const drawRing = createRingView(find<SVGSVGElement>('ring'));
  const fetcher = mountFetch(
    { form: find('fetch-form'), name: find('fetch-name'), button: find('fetch-button'), status: find('fetch-status'), link: find('download-link') },
    dht,
    messages,
  );
  const share = mountSharePanel(
    { panel: find('share-panel'), name: find('share-name'), url: find('share-url'), copy: find('share-copy'), close: find('share-close'), qr: find('share-qr'), hint: find('share-hint') },
    messages,
  );
  const browse = mountBrowse(
    { list: find('ring-files'), filter: find('ring-filter'), mode: find('ring-filter-mode'), refresh: find('ring-refresh'), status: find('ring-files-status') },
    dht,
    fetcher,
    share,
  );
  mountUpload({ input: find('file-input'), dropZone: find('drop-zone'), rows: find('uploads'), privateInput: find('private-input') }, dht, messages, () =>
    browse.refresh(),
  );
  showIdentity(find('identity'), dht);
  // Above this tab's lists of stored files, hidden while every owned file has a confirmed backup.
  const unbacked = document.createElement('p');
  unbacked.id = 'unbacked-warning';
  unbacked.setAttribute('role', 'status');
  unbacked.style.color = 'var(--warn)';
  unbacked.hidden = true;
  find('stored-heading').after(unbacked);
  const unbackedWatch = new UnbackedWatch();
  openShareLink(location, dht, fetcher, messages, { privateLink: privateLinkOpener(fetcher), ...hooks });

  const peerLabel = (address: string): string => {
    if (!address) return '—';
    return address === dht.host ? `${address} (this tab)` : address;
  };

  const render = (): void => {
    const status = find('status');
    status.textContent = statusText(dht.status, dht.joined);
    status.dataset.state = dht.joined ? 'joined' : dht.status;
    text('peer-id', dht.host);
    text('peer-key', keyHex(dht.key, dht.M));
    text('successor', peerLabel(dht.successor));
    text('predecessor', peerLabel(dht.predecessor));
    const links = find('connections');
    links.textContent = `links ${dht.connectionCount()}/${dht.connectionBudget()}`;
    links.title = 'open peer connections / connection budget';

    const input: RingInput = {
      m: dht.M,
      n: dht.N,
      self: { address: dht.host, key: dht.key },
      successor: dht.successor,
      predecessor: dht.predecessor,
      peers: dht.knownPeers(),
      owned: dht.files.map((name) => ({ name, key: dht.hasher(name) })),
      backups: dht.backUpFiles.map((name) => ({ name, key: dht.hasher(name) })),
    };
    const dots = ringDots(input);
    drawRing({ dots, range: ownedRange(input) });
    text('peer-count', String(dots.filter((dot) => dot.kind === 'peer').length));

    const stored = (name: string) => dht.stored(name);
    renderFileList(find('files'), dht.files, stored);
    renderFileList(find('backups'), dht.backUpFiles, stored);
    addDeleteButtons(find('files'), dht, messages);
    addDeleteButtons(find('backups'), dht, messages);
    showUnbacked(unbacked, unbackedWatch.update(dht.underReplication(), Date.now()));
  };

  // Many changes can land in one frame (a join moves pointers and files at once): draw once per frame.
  let pending = false;
  const schedule = (): void => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      render();
    });
  };
  dht.on('change', schedule);
  dht.on('notice', ({ level, message }) => messages.show(level, message));
  setInterval(schedule, REFRESH_MS);
  render();
}
