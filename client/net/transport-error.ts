/**
 * Why a request failed, with the same codes as the simulator's transport (shared/sim/network.ts),
 * so the ring node reacts the same way in both.
 */
export type TransportErrorCode = 'timeout' | 'aborted' | 'unreachable' | 'closed' | 'bad-message' | 'remote-error';

export class TransportError extends Error {
  override name = 'TransportError';
  constructor(
    /** A TransportErrorCode, or the code an error reply carried from the remote handler. */
    readonly code: TransportErrorCode | (string & {}),
    message: string,
  ) {
    super(message);
  }
}
