// What one reply message means for the request it answers, whichever socket
// read it: a part of the answer, the end of it, nothing, or a failure.
import { readS32h } from './attrs';
import { NlmsgType } from './constants';
import { IpvsError, IpvsProtocolError } from './errors';
import { parseAck, type NetlinkMessage } from './message';

export type ReplyStep = 'part' | 'done' | 'skip';

/**
 * @param requestType the request's message type: replies of that type are its parts
 * @throws IpvsError when the kernel refused the request, IpvsProtocolError on a malformed reply
 */
export function replyStep(msg: NetlinkMessage, requestType: number, command: string, target: string): ReplyStep {
  if (msg.type === NlmsgType.ERROR) {
    const ack = parseAck(msg);
    if (ack.errno === 0) return 'done';
    throw new IpvsError({ errno: ack.errno, command, target, ...(ack.kernelMessage ? { kernelMessage: ack.kernelMessage } : {}) });
  }
  if (msg.type === NlmsgType.DONE) {
    const status = msg.data.length >= 4 ? readS32h(msg.data, 0) : 0;
    if (status < 0) throw new IpvsError({ errno: -status, command, target });
    return 'done';
  }
  if (msg.type === requestType) return 'part';
  if (msg.type === NlmsgType.NOOP) return 'skip';
  throw new IpvsProtocolError(command, `reply of unexpected type ${msg.type}`);
}
