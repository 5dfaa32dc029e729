// One director per IPVS table. Two lvsd in one network namespace would undo
// each other's kernel changes and run VRRP against themselves, and a second
// one failing to start could flush the first one's table (lvs_flush_on_stop).
// The claim is an abstract unix socket bound in the namespace whose table the
// daemon drives: abstract names belong to a network namespace, no file is
// left behind, and the kernel releases the name when the process dies, even
// by kill -9.
import { createServer, type Server } from 'node:net';
import { inNetns } from '../net/netns';

export const INSTANCE_SOCKET = 'lvsd/director';

export class InstanceClaimedError extends Error {
  constructor(netns: string | undefined) {
    const where = netns === undefined ? 'this network namespace' : `network namespace ${netns}`;
    super(`another lvsd already drives the IPVS table of ${where} (it holds the abstract socket @${INSTANCE_SOCKET}); stop it first`);
    this.name = 'InstanceClaimedError';
  }
}

export interface InstanceClaim { release(): Promise<void> }

/** Claims the IPVS table of the current namespace, or of /run/netns/NETNS; refused while another lvsd holds it. */
export async function claimInstance(netns?: string): Promise<InstanceClaim> {
  const server: Server = createServer((connection) => connection.destroy());
  // listen() binds synchronously, so the name is taken inside the namespace.
  inNetns(netns, () => server.listen(`\0${INSTANCE_SOCKET}`));
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new InstanceClaimedError(netns) : err));
  });
  // Held open, the claim also keeps the process alive while the daemon runs,
  // when nothing else would (no API, no checks, no VRRP, no resync).
  return { release: () => new Promise((resolve) => server.close(() => resolve())) };
}
