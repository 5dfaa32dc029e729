// The kernel's IPVS table as lvsadm drives it: reads with blocking calls into
// one reused buffer (a listing is a few hundred dumps, nothing else to wait
// for), changes through the pipelined IpvsClient. Each side is opened (with
// its modules and native code) only when a command uses it.
import type { IpvsClient } from '../../ipvs/client';
import type { IpvsReader } from '../../ipvs/reader';
import type { IpvsTable } from './main';

/**
 * Opens the side the command line uses first: that open reports, as
 * ipvsadm's start-up does, whether IPVS can be used at all. The other side
 * opens when first needed (a restore file may list, a listing never changes).
 */
export async function openKernelTable(netns: string | undefined, readsFirst: boolean): Promise<IpvsTable> {
  let reader: IpvsReader | undefined;
  let client: Promise<IpvsClient> | undefined;
  // Required on first use only; a listing reads hundreds of times.
  const read = (): IpvsReader => (reader ??= (require('../../ipvs/reader') as typeof import('../../ipvs/reader')).IpvsReader.open(netns));
  const write = (): Promise<IpvsClient> => {
    const { IpvsClient: Client } = require('../../ipvs/client') as typeof import('../../ipvs/client');
    return (client ??= Client.open(netns !== undefined ? { netns } : {}));
  };
  // As ipvsadm: when the kernel has no IPVS yet, modprobe ip_vs (its messages on our stderr) and try again.
  const { openLoadingModule } = require('../../ipvs/module') as typeof import('../../ipvs/module');
  await openLoadingModule(async () => {
    reader = undefined;
    client = undefined;
    if (readsFirst) read(); else await write();
  }, 'inherit');
  return {
    getInfo: async () => read().getInfo(),
    getTimeouts: async () => read().getTimeouts(),
    listServices: async (opts) => read().listServices(opts),
    getService: async (key) => read().getService(key),
    listRealServers: async (key, opts) => read().listRealServers(key, opts),
    listDaemons: async () => read().listDaemons(),
    apply: async (ops, opts) => await (await write()).apply(ops, opts),
    close: () => {
      reader?.close();
      client?.then((c) => c.close(), () => undefined);
    },
  };
}

/**
 * Whether the command line reads the table first: no arguments (a listing),
 * or a list or save option, alone or in a cluster of short options. A wrong
 * guess only opens the sides in the other order.
 */
export function readsFirst(argv: readonly string[]): boolean {
  const args = argv.slice(1);
  return args.length === 0 || args.some((a) => a === '--list' || a === '--save' || /^-[^-]*[LlS]/.test(a));
}
