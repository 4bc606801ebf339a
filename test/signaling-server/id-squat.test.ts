/**
 * Issue #18, ../shared/repro/id-squat.mts parts 1 and 2, ported: ids are not chosen, and a dropped peer's id
 * cannot be squatted. Every id is derived from a key the connection proves (shared/trust/peer-id), so a
 * squatter who knows alice's id, key and even an old hello of hers still cannot be welcomed as alice, and
 * alice reclaims her id when she reconnects, whoever connected meanwhile. On several seeds (the keys).
 */
import { describe, expect, it } from 'vitest';
import { peerIdOf, signHello, solvesPuzzle } from '../../shared/trust/peer-id';
import { encodeHello } from '../../shared/wire/signal';
import { eventually, withServer, type TestClient } from './harness';
import { TEST_PUZZLE_BITS, freshPeerKey, seededPeerKey } from './peer-keys';

/** The reply to a hello: the welcome's id, or the error's code. */
async function outcome(client: TestClient): Promise<string> {
  const reply = await client.next();
  if (reply.type === 'welcome') return `welcome ${reply.id}`;
  if (reply.type === 'error') return reply.code;
  throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
}

describe.each([1, 2, 3])('id squatting (seed %i)', (seed) => {
  it('welcomes nobody under an id they ask for: the id is the proven key’s', () =>
    withServer({}, async ({ open }) => {
      const mallory = await open();
      await mallory.challenge();
      mallory.send({ type: 'hello', id: 'mallory-39' });
      expect(await mallory.next('error')).toMatchObject({ code: 'bad-message', message: expect.stringMatching(/no proof/) });
      const key = await seededPeerKey(`mallory-${seed}`);
      await mallory.hello(key);
      const { id } = await mallory.next('welcome');
      expect(id).toBe(key.id);
      expect(id).not.toBe('mallory-39');
    }));

  it('keeps a dropped peer’s id from a squatter, and gives it back to her key when she reconnects', () =>
    withServer({}, async ({ server, open, join }) => {
      const alice = await seededPeerKey(`alice-${seed}`);
      const first = await join(alice);
      const aliceId = first.welcome.id;
      // The squatter saw alice's hello go by: her key, nonce, id and signature.
      const seen = await open();
      const seenChallenge = await seen.challenge();
      const replay = { publicKey: alice.publicKey, nonce: alice.nonce, signature: await signHello(alice, seenChallenge) };
      first.client.close();
      await eventually(() => !server.peers().includes(aliceId), 'alice to drop');

      const squatter = await open();
      await squatter.challenge();
      // Asking for her id is no hello at all.
      squatter.send({ type: 'hello', id: aliceId });
      expect(await outcome(squatter)).toBe('bad-message');
      // Her public key and nonce with a signature over another connection's challenge: a stale challenge.
      squatter.sendRaw(encodeHello(replay));
      expect(await outcome(squatter)).toBe('bad-proof');
      // Her key and nonce signed by another key.
      const own = await freshPeerKey();
      squatter.sendRaw(encodeHello({ ...replay, signature: await signHello(own, await squatter.challenge()) }));
      expect(await outcome(squatter)).toBe('bad-proof');
      expect(server.peers()).not.toContain(aliceId);
      // All the squatter can be is itself.
      await squatter.hello(own);
      expect(await outcome(squatter)).toBe(`welcome ${own.id}`);

      const back = await join(alice);
      expect(back.welcome.id).toBe(aliceId);
      expect(server.peers().sort()).toEqual([aliceId, own.id].sort());
      seen.close();
    }));

  it('refuses a nonce that does not solve the puzzle and a signature that is not the key’s, then welcomes the right proof', () =>
    withServer({}, async ({ server, open }) => {
      const alice = await seededPeerKey(`alice-${seed}`);
      const client = await open();
      const challenge = await client.challenge();
      // Grinding ids without paying the puzzle: a nonce that does not solve it, properly signed.
      let unsolved = 0;
      while (solvesPuzzle(alice.publicKey, unsolved, TEST_PUZZLE_BITS)) unsolved++;
      const cheat = { ...alice, nonce: unsolved };
      client.sendRaw(encodeHello({ publicKey: alice.publicKey, nonce: unsolved, signature: await signHello(cheat, challenge) }));
      expect(await client.next('error')).toMatchObject({ code: 'bad-proof', message: expect.stringMatching(/puzzle/) });
      // The right key and nonce with a signature that is not the key's.
      const forged = (await signHello(alice, challenge)).map((byte, i) => (i === 0 ? byte ^ 1 : byte));
      client.sendRaw(encodeHello({ publicKey: alice.publicKey, nonce: alice.nonce, signature: forged }));
      expect(await client.next('error')).toMatchObject({ code: 'bad-proof', message: expect.stringMatching(/signature/) });
      expect(server.peers()).toEqual([]);
      await client.hello(alice);
      expect((await client.next('welcome')).id).toBe(peerIdOf(alice.publicKey, alice.nonce));
    }));
});
