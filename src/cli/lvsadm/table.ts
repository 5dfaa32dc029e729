// The kernel's IPVS table as lvsadm drives it: reads with blocking calls into
// one reused buffer (a listing is a few hundred dumps, nothing else to wait
// for), changes through the pipelined IpvsClient, opened (with the netlink
// package behind it) only when a command changes something.
import { IpvsReader } from '../../ipvs/reader';
import type { IpvsClient } from '../../ipvs/client';
import type { IpvsTable } from './main';

export function openKernelTable(netns: string | undefined): IpvsTable {
  const reader = IpvsReader.open(netns);
  let client: Promise<IpvsClient> | undefined;
  const writer = (): Promise<IpvsClient> => {
    const { IpvsClient: Client } = require('../../ipvs/client') as typeof import('../../ipvs/client');
    return client ??= Client.open(netns !== undefined ? { netns } : {});
  };
  return {
    getInfo: async () => reader.getInfo(),
    getTimeouts: async () => reader.getTimeouts(),
    listServices: async () => reader.listServices(),
    getService: async (key) => reader.getService(key),
    listRealServers: async (key) => reader.listRealServers(key),
    listDaemons: async () => reader.listDaemons(),
    apply: async (ops, opts) => await (await writer()).apply(ops, opts),
    close: () => {
      reader.close();
      client?.then((c) => c.close(), () => undefined);
    },
  };
}
