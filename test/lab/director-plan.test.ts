// `lvsd plan` against the real kernel: it changes nothing, and its rules,
// restored with ipvsadm, give exactly the table that lvsd itself builds when
// it loads the same file over the same starting table.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Netns, requireLab, run } from '../helpers/lab';
import { LineProcess, LVSD_START_MS } from '../helpers/procs';

const ROOT = join(__dirname, '..', '..', '..');
const LVSD = join(ROOT, 'bin', 'lvsd');
const namespaces: Netns[] = [];
after(async () => { for (const ns of namespaces) await ns.destroy(); });

const START = `-A -t 10.30.0.100:80 -s rr
-a -t 10.30.0.100:80 -r 10.30.1.11:80 -m -w 1
-a -t 10.30.0.100:80 -r 10.30.1.12:80 -m -w 1
-a -t 10.30.0.100:80 -r 10.30.1.13:80 -m -w 1
-A -t 10.30.0.100:443 -s wlc -p 300
-a -t 10.30.0.100:443 -r 10.30.1.11:443 -g -w 1
-A -u 10.30.0.53:53 -s rr
-a -u 10.30.0.53:53 -r 10.30.1.20:53 -m -w 1
`;

const CONFIG = `
virtual_server 10.30.0.100 80 {
  protocol TCP
  lb_algo wrr
  lb_kind NAT
  real_server 10.30.1.11 80 {
    weight 3
  }
  real_server 10.30.1.12 80 {
    weight 1
  }
  real_server 10.30.1.14 80 {
    weight 2
    uthreshold 100
    lthreshold 10
  }
}
virtual_server 10.30.0.100 443 {
  protocol TCP
  lb_algo wlc
  lb_kind DR
  persistence_timeout 300
  real_server 10.30.1.11 443 {
    weight 1
  }
}
virtual_server fwmark 9 {
  lb_algo sh
  sh-port
  lb_kind TUN type gue port 6080 csum
  real_server 10.30.1.15 0 {
    weight 1
  }
}
virtual_server fd00:30::100 80 {
  protocol TCP
  lb_algo rr
  persistence_timeout 60
  persistence_granularity 64
  real_server fd00:30::11 80 {
    weight 1
  }
}
`;

async function table(ns: Netns): Promise<string> {
  const r = await ns.run('/usr/sbin/ipvsadm', ['-Sn']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').sort().join('\n');
}

test('lvsd plan prints the changes lvsd would make, as rules that reproduce its table, and changes nothing', async () => {
  requireLab();
  const [planned, loaded] = [await Netns.create('plan-a'), await Netns.create('plan-b')];
  namespaces.push(planned, loaded);
  for (const ns of [planned, loaded]) {
    await ns.sh(`ip link add lan0 type dummy && ip link set lan0 up && ip addr add 10.30.1.1/24 dev lan0
ip addr add fd00:30::1/64 dev lan0 nodad`);
    assert.equal((await ns.run('/usr/sbin/ipvsadm', ['-R'], START)).code, 0);
  }
  const dir = mkdtempSync(join(ROOT, '.lab', 'plan-'));
  const file = join(dir, 'keepalived.conf');
  writeFileSync(file, CONFIG);

  const before = await table(planned);
  const plan = await run(process.execPath, [LVSD, 'plan', '-f', file, '--netns', planned.name]);
  assert.equal(plan.code, 0, plan.stderr);
  assert.equal(await table(planned), before, 'lvsd plan changed the table');
  // The untouched UDP service is reported, not deleted.
  assert.match(plan.stderr, /udp:10\.30\.0\.53:53 is in the kernel but not in/);
  const rules = plan.stdout;
  assert.match(rules, /^-E -t 10\.30\.0\.100:80 -s wrr$/m);
  assert.match(rules, /^-d -t 10\.30\.0\.100:80 -r 10\.30\.1\.13:80$/m);
  assert.match(rules, /^-a -t 10\.30\.0\.100:80 -r 10\.30\.1\.14:80 -m -w 2 -x 100 -y 10$/m);
  assert.match(rules, /^-A -f 9 -s sh -b sh-port$/m);
  assert.doesNotMatch(rules, /443/, 'the unchanged service must not appear');

  const restore = await planned.run('/usr/sbin/ipvsadm', ['-R'], rules);
  assert.equal(restore.code, 0, restore.stderr);

  const lvsd = LineProcess.start('lvsd', undefined, process.execPath, [LVSD, '-f', file, '--netns', loaded.name, '--resync', '0', '--state-dir', join(dir, 'state')]);
  await lvsd.waitFor(/lvsd running/, LVSD_START_MS);
  await lvsd.stop();
  assert.equal(await table(planned), await table(loaded));

  const again = await run(process.execPath, [LVSD, 'plan', '-f', file, '--netns', loaded.name]);
  assert.equal(again.stdout, '');
  assert.match(again.stderr, /no change to the running table/);
});

test('lvsd plan refuses an invalid file with file:line, and says when there is no IPVS to plan against', async () => {
  requireLab();
  const dir = mkdtempSync(join(ROOT, '.lab', 'plan-'));
  const file = join(dir, 'bad.conf');
  writeFileSync(file, 'virtual_server 10.30.0.100 80 {\n protocol TCP\n  lb_algo nonsense\n}\n');
  const bad = await run(process.execPath, [LVSD, 'plan', '-f', file]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /bad\.conf:3: .*lb_algo/);
  const noNs = await run(process.execPath, [LVSD, 'plan', '-f', join(ROOT, 'test', 'fixtures', 'config', 'full.conf'), '--netns', 'no-such-ns']);
  assert.notEqual(noNs.code, 0);
  assert.match(noNs.stderr, /no-such-ns/);
});
