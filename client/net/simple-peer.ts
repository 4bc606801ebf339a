/** simple-peer, loaded after the Node globals it expects. Import SimplePeer from here, never from 'simple-peer'. */
import './node-globals';
import SimplePeer from 'simple-peer';

export default SimplePeer;
export type { Instance as PeerInstance, SignalData as PeerSignalData } from 'simple-peer';
