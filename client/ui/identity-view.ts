/** The profile's identity on the page: its short fingerprint, the whole public key on hover. */
import type { DhtApi } from '../dht-api';

export function showIdentity(element: HTMLElement, dht: Pick<DhtApi, 'identity' | 'fingerprint'>): void {
  element.textContent = dht.fingerprint;
  element.title = `This browser profile's signing key, which every file it puts is signed with:\n${dht.identity}`;
}
