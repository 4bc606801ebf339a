/** The transport's error has one definition, shared with the simulator's transport and the ring core. */
export { TransportError, type TransportErrorCode } from '../../shared/ring/errors';
