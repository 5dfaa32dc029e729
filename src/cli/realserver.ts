// `lvsd realserver --vip ADDR --mode dr|tun [--down]`: prepares this host as
// a real server behind a DR or TUN director, as operators do by hand (VIP on
// lo or tunl0, ARP and rp_filter settings), and undoes it with --down.
import { describeChange, prepareRealServer } from '../director/realserver';
import { parseToolArgs } from './tool-args';

const USAGE = 'usage: lvsd realserver --vip ADDR --mode dr|tun [--down] [--netns NAME]\n';

export async function realserverMain(argv: string[]): Promise<number> {
  const parsed = parseToolArgs('realserver', USAGE, argv, {
    vip: { type: 'string' }, mode: { type: 'string' }, down: { type: 'boolean', default: false }, netns: { type: 'string' },
  });
  if ('exit' in parsed) return parsed.exit;
  const { values } = parsed;
  if (!values.vip || (values.mode !== 'dr' && values.mode !== 'tun')) {
    process.stderr.write(`lvsd realserver: --vip and --mode dr|tun are required\n${USAGE}`);
    return 2;
  }
  try {
    const changes = await prepareRealServer({
      vip: values.vip, mode: values.mode, down: values.down, ...(values.netns ? { netns: values.netns } : {}),
    });
    for (const c of changes) process.stdout.write(`${describeChange(c)}\n`);
    if (changes.length === 0) {
      process.stdout.write(values.down ? `nothing to undo for VIP ${values.vip}\n` : `real server already prepared for VIP ${values.vip} (${values.mode})\n`);
    }
    return 0;
  } catch (err) {
    process.stderr.write(`lvsd realserver: ${(err as Error).message}\n`);
    return 1;
  }
}
