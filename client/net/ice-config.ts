/** The STUN/TURN servers the signaling server was configured with; host candidates only if it has none or cannot say. */
import type { Logger } from '../../shared/ring/types';
import { ICE_CONFIG_PATH, parseIceServers, type IceServer } from '../../shared/wire/ice';

export async function loadIceServers(log: Logger): Promise<IceServer[]> {
  try {
    const response = await fetch(ICE_CONFIG_PATH, { cache: 'no-store' });
    if (!response.ok) return [];
    return parseIceServers(((await response.json()) as { iceServers?: unknown }).iceServers ?? []);
  } catch (err) {
    log.warn('ice-config-unusable', { reason: err instanceof Error ? err.message : String(err) });
    return [];
  }
}
