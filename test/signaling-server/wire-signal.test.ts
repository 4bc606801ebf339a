import { describe, expect, it } from 'vitest';
import { MAX_SIGNAL_FRAME_BYTES } from '../../shared/constants';
import { encodeHello, isPeerId, MAX_SDP_LENGTH, parseClientMessage, parseServerMessage } from '../../shared/wire/signal';

const offer = { type: 'offer', sdp: 'v=0\r\n' };
const KEY = `ed25519:${'A'.repeat(43)}`;
const SIGNATURE = 'B'.repeat(85) + 'A';
const hello = { type: 'hello', publicKey: KEY, nonce: 7, signature: SIGNATURE };

describe('isPeerId', () => {
  it.each([
    ['a', true],
    ['A-z_0-9', true],
    ['x'.repeat(64), true],
    ['', false],
    ['x'.repeat(65), false],
    ['has space', false],
    ['dot.dot', false],
    ['../etc', false],
    ['é', false],
    [42, false],
    [null, false],
  ])('%j -> %s', (value, expected) => {
    expect(isPeerId(value)).toBe(expected);
  });
});

describe('parseClientMessage', () => {
  it.each([
    ['peers', { type: 'peers', extra: 1 }, { type: 'peers' }],
    ['offer', { type: 'signal', to: 'b', data: offer }, { type: 'signal', to: 'b', data: offer }],
    ['answer with own from', { type: 'signal', from: 'a', to: 'b', data: { type: 'answer', sdp: '' } }, { type: 'signal', from: 'a', to: 'b', data: { type: 'answer', sdp: '' } }],
    [
      'full candidate',
      { type: 'signal', to: 'b', data: { type: 'candidate', candidate: { candidate: 'candidate:1 1 udp 1 10.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'abcd' } } },
      { type: 'signal', to: 'b', data: { type: 'candidate', candidate: { candidate: 'candidate:1 1 udp 1 10.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'abcd' } } },
    ],
    [
      'end-of-candidates with nulls',
      { type: 'signal', to: 'b', data: { type: 'candidate', candidate: { candidate: '', sdpMid: null, sdpMLineIndex: null, usernameFragment: null } } },
      { type: 'signal', to: 'b', data: { type: 'candidate', candidate: { candidate: '', sdpMid: null, sdpMLineIndex: null, usernameFragment: null } } },
    ],
    ['renegotiate', { type: 'signal', to: 'b', data: { type: 'renegotiate', renegotiate: true } }, { type: 'signal', to: 'b', data: { type: 'renegotiate', renegotiate: true } }],
    [
      'transceiverRequest',
      { type: 'signal', to: 'b', data: { type: 'transceiverRequest', transceiverRequest: { kind: 'audio', init: { direction: 'recvonly' } } } },
      { type: 'signal', to: 'b', data: { type: 'transceiverRequest', transceiverRequest: { kind: 'audio', init: { direction: 'recvonly' } } } },
    ],
    [
      'unknown fields are dropped, not relayed',
      { type: 'signal', to: 'b', data: { ...offer, evil: '<script>' }, junk: true },
      { type: 'signal', to: 'b', data: offer },
    ],
    ['sdp at the limit', { type: 'signal', to: 'b', data: { type: 'offer', sdp: 's'.repeat(MAX_SDP_LENGTH) } }, { type: 'signal', to: 'b', data: { type: 'offer', sdp: 's'.repeat(MAX_SDP_LENGTH) } }],
  ])('accepts %s', (_name, input, expected) => {
    expect(parseClientMessage(JSON.stringify(input))).toEqual({ ok: true, msg: expected });
  });

  it.each([
    ['not JSON', '{"type":', 'bad-json', /JSON/],
    ['empty frame', '', 'bad-json', /JSON/],
    ['a string', '"hello"', 'bad-message', /object/],
    ['null', 'null', 'bad-message', /object/],
    ['an array', '[{"type":"hello"}]', 'bad-message', /object/],
    ['no type', '{"id":"a"}', 'bad-message', /type/],
    ['numeric type', '{"type":1}', 'bad-message', /type/],
    ['unknown type', '{"type":"welcome"}', 'unknown-type', /welcome/],
    ['inherited property as type', '{"type":"toString"}', 'unknown-type', /toString/],
    ['__proto__ as type', '{"type":"__proto__"}', 'unknown-type', /__proto__/],
    ['hello without a proof', '{"type":"hello"}', 'bad-message', /hello: no proof/],
    ['hello asking for an id', '{"type":"hello","id":"tab-1"}', 'bad-message', /hello: no proof/],
    ['hello with a bad key', JSON.stringify({ ...hello, publicKey: 'rsa:AAAA' }), 'bad-message', /hello: publicKey/],
    ['hello with a fractional nonce', JSON.stringify({ ...hello, nonce: 1.5 }), 'bad-message', /hello: nonce/],
    ['hello with a negative nonce', JSON.stringify({ ...hello, nonce: -1 }), 'bad-message', /hello: nonce/],
    ['hello with a short signature', JSON.stringify({ ...hello, signature: 'AAAA' }), 'bad-message', /hello: signature/],
    ['hello with a numeric signature', JSON.stringify({ ...hello, signature: 5 }), 'bad-message', /hello: signature/],
    ['signal without to', JSON.stringify({ type: 'signal', data: offer }), 'bad-message', /signal: to/],
    ['signal to a bad id', JSON.stringify({ type: 'signal', to: '../x', data: offer }), 'bad-message', /to/],
    ['signal with bad from', JSON.stringify({ type: 'signal', from: 7, to: 'b', data: offer }), 'bad-message', /from/],
    ['signal without data', '{"type":"signal","to":"b"}', 'bad-message', /data must be an object/],
    ['data of unknown type', JSON.stringify({ type: 'signal', to: 'b', data: { type: 'pranswer', sdp: '' } }), 'bad-message', /data\.type/],
    ['offer without sdp', JSON.stringify({ type: 'signal', to: 'b', data: { type: 'offer' } }), 'bad-message', /data\.sdp/],
    ['sdp over the limit', JSON.stringify({ type: 'signal', to: 'b', data: { type: 'offer', sdp: 's'.repeat(MAX_SDP_LENGTH + 1) } }), 'bad-message', /data\.sdp/],
    ['candidate as a string', JSON.stringify({ type: 'signal', to: 'b', data: { type: 'candidate', candidate: 'candidate:1' } }), 'bad-message', /data\.candidate/],
    ['candidate with float index', JSON.stringify({ type: 'signal', to: 'b', data: { type: 'candidate', candidate: { candidate: '', sdpMLineIndex: 0.5 } } }), 'bad-message', /sdpMLineIndex/],
    ['candidate with numeric mid', JSON.stringify({ type: 'signal', to: 'b', data: { type: 'candidate', candidate: { candidate: '', sdpMid: 0 } } }), 'bad-message', /sdpMid/],
    ['renegotiate false', JSON.stringify({ type: 'signal', to: 'b', data: { type: 'renegotiate', renegotiate: false } }), 'bad-message', /renegotiate/],
    ['transceiverRequest without kind', JSON.stringify({ type: 'signal', to: 'b', data: { type: 'transceiverRequest', transceiverRequest: {} } }), 'bad-message', /kind/],
    ['transceiverRequest with array init', JSON.stringify({ type: 'signal', to: 'b', data: { type: 'transceiverRequest', transceiverRequest: { kind: 'video', init: [] } } }), 'bad-message', /init/],
    ['frame over the limit', JSON.stringify({ type: 'peers', pad: 'p'.repeat(MAX_SIGNAL_FRAME_BYTES) }), 'bad-message', /larger/],
  ])('refuses %s', (_name, text, code, message) => {
    const result = parseClientMessage(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.code).toBe(code);
    expect(result.message).toMatch(message);
  });

  it('echoes at most a short excerpt of an unknown type', () => {
    const result = parseClientMessage(JSON.stringify({ type: 't'.repeat(5000) }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message.length).toBeLessThan(200);
  });
});

describe('hello', () => {
  it('decodes a proof as it is, and encodeHello writes the signature bytes as that base64url', () => {
    expect(parseClientMessage(JSON.stringify(hello))).toEqual({ ok: true, msg: hello });
    const signature = new Uint8Array(64).fill(0x04);
    const encoded = parseClientMessage(encodeHello({ publicKey: KEY, nonce: 7, signature }));
    expect(encoded).toEqual({ ok: true, msg: { ...hello, signature: 'BAQE'.repeat(21) + 'BA' } });
  });
});

describe('parseServerMessage', () => {
  it.each([
    ['challenge', { type: 'challenge', challenge: 'C'.repeat(42) + 'A' }],
    ['welcome', { type: 'welcome', id: 'a', peers: ['b', 'c'] }],
    ['signal', { type: 'signal', from: 'b', data: offer }],
    ['peers', { type: 'peers', peers: [] }],
    ['peer-left', { type: 'peer-left', id: 'b' }],
    ['error', { type: 'error', code: 'bad-json', message: 'not valid JSON' }],
    ['error with ref', { type: 'error', code: 'unknown-target', message: 'no such peer', ref: 'zz' }],
  ])('accepts %s', (_name, input) => {
    expect(parseServerMessage(JSON.stringify(input))).toEqual({ ok: true, msg: input });
  });

  it.each([
    ['a client message', { type: 'hello' }, 'unknown-type'],
    ['a short challenge', { type: 'challenge', challenge: 'AAAA' }, 'bad-message'],
    ['a challenge that is no base64url', { type: 'challenge', challenge: '!'.repeat(43) }, 'bad-message'],
    ['welcome without id', { type: 'welcome', peers: [] }, 'bad-message'],
    ['welcome with too many peers', { type: 'welcome', id: 'a', peers: ['b', 'c', 'd', 'e', 'f'] }, 'bad-message'],
    ['peers with a bad id', { type: 'peers', peers: ['ok', 'not ok'] }, 'bad-message'],
    ['signal without from', { type: 'signal', data: offer }, 'bad-message'],
    ['signal with bad data', { type: 'signal', from: 'b', data: { type: 'offer', sdp: 1 } }, 'bad-message'],
    ['peer-left with bad id', { type: 'peer-left', id: '' }, 'bad-message'],
    ['error with unknown code', { type: 'error', code: 'teapot', message: 'short and stout' }, 'bad-message'],
    ['error without message', { type: 'error', code: 'bad-json' }, 'bad-message'],
    ['error with numeric ref', { type: 'error', code: 'unknown-target', message: 'x', ref: 5 }, 'bad-message'],
  ])('refuses %s', (_name, input, code) => {
    const result = parseServerMessage(JSON.stringify(input));
    expect(result).toMatchObject({ ok: false, code });
  });
});
