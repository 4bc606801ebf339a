/**
 * STUN/TURN servers for peers behind NAT. The signaling server takes them from its environment and hands
 * them to every page at /config.json; both ends validate them here.
 */
import { SchemaError, check, isRecord, isString } from './validate';

export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export const ICE_CONFIG_PATH = '/config.json';
const MAX_ICE_SERVERS = 8;
const MAX_URL_LENGTH = 512;
const ICE_URL = /^(stun|stuns|turn|turns):[^\s]+$/;

function iceServer(value: unknown, i: number): IceServer {
  check(isRecord(value), `iceServers[${i}] must be an object`);
  const server = value as Record<string, unknown>;
  const urls = Array.isArray(server.urls) ? server.urls : [server.urls];
  check(urls.length > 0 && urls.every((u) => isString(u, MAX_URL_LENGTH, 1) && ICE_URL.test(u)), `iceServers[${i}].urls must be stun:, stuns:, turn: or turns: URLs`);
  const out: IceServer = { urls: server.urls as string | string[] };
  for (const field of ['username', 'credential'] as const) {
    if (server[field] === undefined) continue;
    check(isString(server[field], MAX_URL_LENGTH), `iceServers[${i}].${field} must be a string`);
    out[field] = server[field];
  }
  return out;
}

/** Validates a list of ICE servers; throws a SchemaError naming the first problem. */
export function parseIceServers(value: unknown): IceServer[] {
  check(Array.isArray(value) && value.length <= MAX_ICE_SERVERS, `iceServers must be a list of at most ${MAX_ICE_SERVERS}`);
  return (value as unknown[]).map(iceServer);
}

/** The RINGSHARE_ICE_SERVERS environment variable: JSON, empty or unset for host candidates only. */
export function iceServersFromEnv(text: string | undefined): IceServer[] {
  if (!text?.trim()) return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SchemaError('RINGSHARE_ICE_SERVERS must be JSON, e.g. [{"urls":"stun:stun.example.org:3478"}]');
  }
  return parseIceServers(json);
}
