/**
 * The signaling protocol: JSON text frames over a WebSocket at SIGNAL_PATH. The server only
 * introduces peers and relays simple-peer's signal objects; both ends decode with these parsers.
 */
import { BOOTSTRAP_PEERS, MAX_SIGNAL_FRAME_BYTES } from '../constants';
import { fromBase64url, toBase64url } from '../trust/bytes';
import { MAX_PUBLIC_KEY_LENGTH, SIGNATURE_BYTES, isPublicKey } from '../trust/identity';
import { CHALLENGE_BYTES } from '../trust/peer-id';
import { SchemaError, check, excerpt, isArrayOf, isInt, isRecord, isString } from './validate';

export const MAX_PEER_ID_LENGTH = 64;
/** An SDP of a data-channel-only connection is a few KiB; 32 KiB leaves room for many candidates inline. */
export const MAX_SDP_LENGTH = 32 * 1024;
export const MAX_CANDIDATE_LENGTH = 4096;
/** Short fields: sdpMid, usernameFragment, a transceiver kind. */
const MAX_TOKEN_LENGTH = 256;
const MAX_ERROR_TEXT_LENGTH = 1024;

/** The server is shutting down; a client may reconnect later. */
export const CLOSE_GOING_AWAY = 1001;
/** The connection kept sending more than twice the allowed rate. */
export const CLOSE_RATE_LIMITED = 1008;
/** A frame was larger than the server's maximum. */
export const CLOSE_FRAME_TOO_LARGE = 1009;
/** The client's IP already holds the maximum number of connections. */
export const CLOSE_TOO_MANY_CONNECTIONS = 1013;
/**
 * Another connection proved this connection's key and took its id over (a reloaded tab whose old socket the
 * server had not yet seen close). The client must not reconnect with the same key, or the two would take
 * the id from each other in turn. 4000-4999 are for applications (RFC 6455 §7.4.2).
 */
export const CLOSE_ID_RECLAIMED = 4001;

export const ERROR_CODES = [
  'bad-json',
  'bad-message',
  'unknown-type',
  'unknown-target',
  'not-registered',
  'bad-proof',
  'spoofed-from',
  'rate-limited',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface IceCandidate {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

/** simple-peer's `signal` event payloads. */
export type SignalData =
  | { type: 'offer' | 'answer'; sdp: string }
  | { type: 'candidate'; candidate: IceCandidate }
  | { type: 'renegotiate'; renegotiate: true }
  | { type: 'transceiverRequest'; transceiverRequest: { kind: string; init?: Record<string, unknown> } };

/**
 * A hello proves the key its id is derived from (shared/trust/peer-id): the nonce solves the puzzle, the
 * signature is the key's over this connection's challenge: SIGNATURE_BYTES in base64url (checked to decode).
 */
export interface Hello {
  type: 'hello';
  publicKey: string;
  nonce: number;
  signature: string;
}

export type ClientMessage =
  | Hello
  | { type: 'signal'; to: string; data: SignalData; from?: string }
  | { type: 'peers' };

export type ServerMessage =
  /** The first message on every connection: CHALLENGE_BYTES of randomness, base64url, for the hello to sign. */
  | { type: 'challenge'; challenge: string }
  | { type: 'welcome'; id: string; peers: string[] }
  | { type: 'signal'; from: string; data: SignalData }
  | { type: 'peers'; peers: string[] }
  | { type: 'peer-left'; id: string }
  | { type: 'error'; code: ErrorCode; message: string; ref?: string };

export type ParseResult<T> =
  | { ok: true; msg: T }
  | { ok: false; code: 'bad-json' | 'bad-message' | 'unknown-type'; message: string };

const PEER_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function isPeerId(value: unknown): value is string {
  return typeof value === 'string' && PEER_ID.test(value);
}

export function parseClientMessage(text: string): ParseResult<ClientMessage> {
  return parseWith<ClientMessage>(text, clientDecoders);
}

/** A hello as JSON text, from the signature's bytes. */
export function encodeHello(proof: { publicKey: string; nonce: number; signature: Uint8Array }): string {
  return JSON.stringify({ type: 'hello', publicKey: proof.publicKey, nonce: proof.nonce, signature: toBase64url(proof.signature) } satisfies Hello);
}

export function parseServerMessage(text: string): ParseResult<ServerMessage> {
  return parseWith<ServerMessage>(text, serverDecoders);
}

type Decoders<T extends { type: string }> = { [K in T['type']]: (m: Record<string, unknown>) => Extract<T, { type: K }> };

const clientDecoders: Decoders<ClientMessage> = {
  hello: (m) => {
    check(m.publicKey !== undefined, 'no proof: a hello proves a key (publicKey, nonce, signature over the challenge); ids are derived from it, never asked for');
    check(
      isPublicKey(m.publicKey),
      `publicKey must be a public key of at most ${MAX_PUBLIC_KEY_LENGTH} characters`,
    );
    check(isInt(m.nonce, 0, Number.MAX_SAFE_INTEGER), 'nonce must be a non-negative safe integer');
    check(
      typeof m.signature === 'string' && fromBase64url(m.signature)?.length === SIGNATURE_BYTES,
      `signature must be ${SIGNATURE_BYTES} bytes of base64url`,
    );
    return { type: 'hello', publicKey: m.publicKey, nonce: m.nonce, signature: m.signature };
  },
  signal: (m) => {
    const msg: ClientMessage = { type: 'signal', to: peerId(m.to, 'to'), data: signalData(m.data) };
    if (m.from !== undefined) msg.from = peerId(m.from, 'from');
    return msg;
  },
  peers: () => ({ type: 'peers' }),
};

const serverDecoders: Decoders<ServerMessage> = {
  challenge: (m) => {
    check(typeof m.challenge === 'string' && fromBase64url(m.challenge)?.length === CHALLENGE_BYTES, `challenge must be ${CHALLENGE_BYTES} bytes of base64url`);
    return { type: 'challenge', challenge: m.challenge };
  },
  welcome: (m) => ({ type: 'welcome', id: peerId(m.id, 'id'), peers: peerList(m.peers) }),
  signal: (m) => ({ type: 'signal', from: peerId(m.from, 'from'), data: signalData(m.data) }),
  peers: (m) => ({ type: 'peers', peers: peerList(m.peers) }),
  'peer-left': (m) => ({ type: 'peer-left', id: peerId(m.id, 'id') }),
  error: (m) => {
    check(typeof m.code === 'string' && (ERROR_CODES as readonly string[]).includes(m.code), `code must be one of ${ERROR_CODES.join(', ')}`);
    check(isString(m.message, MAX_ERROR_TEXT_LENGTH), `message must be a string of at most ${MAX_ERROR_TEXT_LENGTH} characters`);
    const msg: ServerMessage = { type: 'error', code: m.code as ErrorCode, message: m.message };
    if (m.ref !== undefined) {
      check(isString(m.ref, MAX_ERROR_TEXT_LENGTH), `ref must be a string of at most ${MAX_ERROR_TEXT_LENGTH} characters`);
      msg.ref = m.ref;
    }
    return msg;
  },
};

function parseWith<T>(text: string, decoders: Record<string, (m: Record<string, unknown>) => T>): ParseResult<T> {
  // UTF-8 never takes fewer bytes than UTF-16 code units, so this catches every oversized frame.
  if (text.length > MAX_SIGNAL_FRAME_BYTES) {
    return { ok: false, code: 'bad-message', message: `frame is larger than ${MAX_SIGNAL_FRAME_BYTES} bytes` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, code: 'bad-json', message: `not valid JSON: ${(err as Error).message}` };
  }
  if (!isRecord(value)) return { ok: false, code: 'bad-message', message: 'message must be a JSON object' };
  if (typeof value.type !== 'string') return { ok: false, code: 'bad-message', message: 'type must be a string' };
  const decode = Object.hasOwn(decoders, value.type) ? decoders[value.type] : undefined;
  if (!decode) return { ok: false, code: 'unknown-type', message: `unknown message type "${excerpt(value.type)}"` };
  try {
    return { ok: true, msg: decode(value) };
  } catch (err) {
    if (err instanceof SchemaError) return { ok: false, code: 'bad-message', message: `${value.type}: ${err.message}` };
    throw err;
  }
}

function peerId(value: unknown, field: string): string {
  check(isPeerId(value), `${field} must be a peer id: 1..${MAX_PEER_ID_LENGTH} characters of [A-Za-z0-9_-]`);
  return value;
}

function peerList(value: unknown): string[] {
  check(isArrayOf(value, isPeerId, BOOTSTRAP_PEERS), `peers must be an array of at most ${BOOTSTRAP_PEERS} peer ids`);
  return value;
}

function signalData(value: unknown): SignalData {
  check(isRecord(value), 'data must be an object');
  switch (value.type) {
    case 'offer':
    case 'answer':
      check(isString(value.sdp, MAX_SDP_LENGTH), `data.sdp must be a string of at most ${MAX_SDP_LENGTH} characters`);
      return { type: value.type, sdp: value.sdp };
    case 'candidate':
      return { type: 'candidate', candidate: iceCandidate(value.candidate) };
    case 'renegotiate':
      check(value.renegotiate === true, 'data.renegotiate must be true');
      return { type: 'renegotiate', renegotiate: true };
    case 'transceiverRequest': {
      const request = value.transceiverRequest;
      check(isRecord(request), 'data.transceiverRequest must be an object');
      check(isString(request.kind, MAX_TOKEN_LENGTH, 1), 'data.transceiverRequest.kind must be a non-empty string');
      if (request.init === undefined) return { type: 'transceiverRequest', transceiverRequest: { kind: request.kind } };
      check(isRecord(request.init), 'data.transceiverRequest.init must be an object');
      return { type: 'transceiverRequest', transceiverRequest: { kind: request.kind, init: request.init } };
    }
    default:
      throw new SchemaError('data.type must be offer, answer, candidate, renegotiate or transceiverRequest');
  }
}

function iceCandidate(value: unknown): IceCandidate {
  check(isRecord(value), 'data.candidate must be an object');
  // An empty candidate string is the end-of-candidates marker, so it is allowed.
  check(isString(value.candidate, MAX_CANDIDATE_LENGTH), `data.candidate.candidate must be a string of at most ${MAX_CANDIDATE_LENGTH} characters`);
  const out: IceCandidate = { candidate: value.candidate };
  if (value.sdpMid !== undefined) {
    check(value.sdpMid === null || isString(value.sdpMid, MAX_TOKEN_LENGTH), 'data.candidate.sdpMid must be a short string or null');
    out.sdpMid = value.sdpMid;
  }
  if (value.sdpMLineIndex !== undefined) {
    check(value.sdpMLineIndex === null || isInt(value.sdpMLineIndex, 0, 65535), 'data.candidate.sdpMLineIndex must be an integer in 0..65535 or null');
    out.sdpMLineIndex = value.sdpMLineIndex;
  }
  if (value.usernameFragment !== undefined) {
    check(
      value.usernameFragment === null || isString(value.usernameFragment, MAX_TOKEN_LENGTH),
      'data.candidate.usernameFragment must be a short string or null',
    );
    out.usernameFragment = value.usernameFragment;
  }
  return out;
}
