/**
 * WebRTC for a Node process: werift (pure TypeScript) made to look like a browser where simple-peer 9
 * depends on it, installed as the globals simple-peer looks for. The tabs' transport (client/net) then
 * runs unchanged in Node, so a Node peer and a tab speak the same signaling, links and frames.
 */
import * as werift from 'werift';

type Description = { type: werift.RTCSessionDescription['type']; sdp: string };

/** Writable copies: simple-peer rewrites `sdp` on what createOffer/createAnswer return, werift's are frozen. */
function plain(description: werift.RTCSessionDescription): Description {
  return { type: description.type, sdp: description.sdp };
}

export class NodeRTCPeerConnection extends werift.RTCPeerConnection {
  constructor(config: ConstructorParameters<typeof werift.RTCPeerConnection>[0] = {}) {
    // werift's default is a public STUN server; like the tabs, ask for none unless told.
    super({ ...config, iceServers: config.iceServers ?? [] });
  }

  override async createOffer(options?: { iceRestart?: boolean }): Promise<werift.RTCSessionDescription> {
    return plain(await super.createOffer(options)) as werift.RTCSessionDescription;
  }

  override async createAnswer(): Promise<werift.RTCSessionDescription> {
    return plain(await super.createAnswer()) as werift.RTCSessionDescription;
  }

  /**
   * Zero declared parameters on purpose: simple-peer calls a getStats that declares any with a legacy
   * callback, which werift takes for a selector, so simple-peer never found the selected candidate pair
   * and never emitted 'connect'.
   */
  override getStats(): ReturnType<werift.RTCPeerConnection['getStats']> {
    return super.getStats();
  }
}

/** The browser's constructor takes an init dictionary; werift's takes (sdp, type). */
export class NodeRTCSessionDescription implements Description {
  readonly type: Description['type'];
  readonly sdp: string;
  constructor(init: Description) {
    this.type = init.type;
    this.sdp = init.sdp;
  }
}

export const nodeWrtc = {
  RTCPeerConnection: NodeRTCPeerConnection,
  RTCSessionDescription: NodeRTCSessionDescription,
  RTCIceCandidate: werift.RTCIceCandidate,
};

/** Makes werift the process's WebRTC for simple-peer, which reads these globals when it creates a connection. */
export function installWebRtc(): void {
  Object.assign(globalThis, nodeWrtc);
}
