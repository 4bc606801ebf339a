/**
 * The share panel: a file's link, a button that copies it, and its QR code for a phone on the same LAN. The QR
 * code is encoded by qrcode-generator (a widely used, dependency-free encoder) and drawn on a canvas.
 */
import qrcode from 'qrcode-generator';
import type { Messages } from './messages';
import { isLoopback, shareUrl } from './share-link';

export interface ShareElements {
  panel: HTMLElement;
  name: HTMLElement;
  url: HTMLInputElement;
  copy: HTMLButtonElement;
  close: HTMLButtonElement;
  qr: HTMLCanvasElement;
  hint: HTMLElement;
}

/** Pixels per QR module: a link of a long name (version 10 or so, 57 modules) stays under 300 px. */
const QR_CELL_PX = 5;
/** The quiet zone the QR standard asks for around the code, in modules. */
const QR_MARGIN = 4;

function drawQr(canvas: HTMLCanvasElement, text: string): void {
  // Medium error correction: readable from a screen with some glare, and still a small code.
  const qr = qrcode(0, 'M');
  qr.addData(text);
  qr.make();
  const modules = qr.getModuleCount();
  const size = (modules + QR_MARGIN * 2) * QR_CELL_PX;
  canvas.width = size;
  canvas.height = size;
  const context = canvas.getContext('2d');
  if (!context) return;
  context.fillStyle = 'white';
  context.fillRect(0, 0, size, size);
  context.translate(QR_MARGIN * QR_CELL_PX, QR_MARGIN * QR_CELL_PX);
  qr.renderTo2dContext(context, QR_CELL_PX);
  context.setTransform(1, 0, 0, 1, 0, 0);
}

/** Returns what shows the panel for a file. */
export function mountSharePanel(els: ShareElements, messages: Messages): (name: string) => void {
  els.close.addEventListener('click', () => (els.panel.hidden = true));
  els.copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(els.url.value);
      messages.show('info', 'Link copied');
    } catch {
      // No clipboard permission (an insecure origin such as a LAN address): the link is selected to copy by hand.
      els.url.select();
      messages.show('info', 'Press Ctrl+C to copy the selected link');
    }
  });
  return (name) => {
    // The URL's encoding keeps the QR code's input ASCII (the encoder takes one byte per character).
    const url = shareUrl(name, location);
    els.name.textContent = name;
    els.url.value = url;
    els.panel.dataset.name = name;
    drawQr(els.qr, url);
    els.qr.setAttribute('aria-label', `QR code of the link to ${name}`);
    els.hint.hidden = !isLoopback(location.hostname);
    els.panel.hidden = false;
  };
}
