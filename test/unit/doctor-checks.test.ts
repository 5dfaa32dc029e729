import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type KeepalivedConfig } from '../../src/config';
import { diagnose, formatFinding, sysctlsToRead, type Finding, type HostFacts } from '../../src/cli/doctor-checks';
import { parseCapEff, parseModuleList, parseProcNet, parseProcNetUnix } from '../../src/cli/doctor-facts';
import { parseApiAddress } from '../../src/cli/doctor';
import { parseListen } from '../../src/common/listen';

function config(text: string): KeepalivedConfig {
  const file = join(mkdtempSync(join(tmpdir(), 'doctor-')), 'keepalived.conf');
  writeFileSync(file, text);
  const r = loadConfig(file);
  assert.equal(r.ok, true, r.diagnostics.map((d) => d.message).join('\n'));
  return r.config;
}

const NAT_DR = config(`
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 100
  track_interface {
    eth9
  }
  virtual_ipaddress {
    10.0.0.100/24 dev eth0
  }
}
virtual_server 10.0.0.100 80 {
  protocol TCP
  lb_algo wrr
  lb_kind NAT
  persistence_timeout 60
  real_server 192.168.1.11 8080 {
    inhibit_on_failure
    TCP_CHECK {
      connect_timeout 1
    }
  }
  real_server 192.168.1.12 8080 {
    TCP_CHECK {
      connect_timeout 1
    }
  }
}
virtual_server 10.0.0.100 443 {
  protocol TCP
  lb_algo sed
  lb_kind DR
  real_server 10.0.0.21 443 {
  }
}
`);

/** A host where everything NAT_DR needs is in place. */
function healthy(): HostFacts {
  return {
    uid: 0,
    capEff: 0x3fffffffffn,
    ipvs: { ok: true, version: '1.2.1', connTableSize: 4096 },
    modulesLoaded: new Set(['ip_vs', 'ip_vs_wrr', 'nf_conntrack']),
    modulesAvailable: new Set(['ip_vs', 'ip_vs_wrr', 'ip_vs_sed', 'nf_conntrack']),
    sysctls: new Map([
      ['net.ipv4.ip_forward', '1'], ['net.ipv4.vs.conntrack', '1'], ['net.ipv4.vs.expire_nodest_conn', '1'],
      ['net.ipv4.vs.expire_quiescent_template', '1'], ['net.netfilter.nf_conntrack_max', '1000'],
      ['net.netfilter.nf_conntrack_count', '10'], ['net.ipv4.conf.all.rp_filter', '0'], ['net.ipv4.conf.eth0.rp_filter', '2'],
    ]),
    links: [{ name: 'lo', adminUp: true, operstate: 'unknown' }, { name: 'eth0', adminUp: true, operstate: 'up' }, { name: 'eth9', adminUp: true, operstate: 'up' }],
    localAddresses: ['127.0.0.1', '10.0.0.1', '10.0.0.100'],
    listeners: [{ protocol: 'tcp', address: '127.0.0.1', port: 22 }],
    directorRunning: false,
  };
}

function levels(findings: Finding[]): string[] {
  return findings.filter((f) => f.level !== 'ok').map((f) => `${f.level} ${f.check}`);
}

function only(findings: Finding[], check: string): Finding {
  const found = findings.filter((f) => f.check === check);
  assert.equal(found.length, 1, `one finding for ${check}: ${JSON.stringify(findings.map((f) => f.check))}`);
  return found[0]!;
}

test('a host with everything in place: every line is ok', () => {
  const findings = diagnose(healthy(), NAT_DR, { api: [{ address: '127.0.0.1', port: 8080 }] });
  assert.deepEqual(levels(findings), []);
  assert.deepEqual(findings.map((f) => f.check), [
    'privileges', 'ipvs', 'lvsd', 'scheduler wrr', 'scheduler sed', 'forwarding', 'conntrack', 'conntrack', 'rp_filter eth0',
    'ipvs expire_nodest_conn', 'ipvs expire_quiescent_template', 'interface eth0', 'interface eth9', 'api port',
  ]);
  assert.match(only(findings, 'scheduler sed').message, /loads it when the first service uses it/);
});

test('no CAP_NET_ADMIN, and VRRP without CAP_NET_RAW, are problems', () => {
  const facts = { ...healthy(), uid: 1000, capEff: 0n };
  const findings = diagnose(facts, NAT_DR).filter((f) => f.check === 'privileges');
  assert.deepEqual(findings.map((f) => f.level), ['problem', 'problem']);
  assert.match(findings[0]!.message, /uid 1000 without CAP_NET_ADMIN/);
  assert.match(findings[0]!.fix ?? '', /AmbientCapabilities=CAP_NET_ADMIN/);
  assert.match(findings[1]!.message, /VRRP need raw sockets/);
  const adminOnly = diagnose({ ...facts, capEff: 1n << 12n }, NAT_DR).filter((f) => f.check === 'privileges');
  assert.deepEqual(adminOnly.map((f) => f.level), ['ok', 'problem']);
});

test('IPVS: not loaded but loadable, missing from the kernel, no permission', () => {
  const down = { ok: false as const, error: 'the kernel has no IPVS', noPermission: false };
  const loadable = only(diagnose({ ...healthy(), ipvs: down }, undefined), 'ipvs');
  // lvsd loads it at start, as keepalived does.
  assert.equal(loadable.level, 'warning');
  assert.match(loadable.message, /lvsd loads it with modprobe ip_vs when it starts/);
  assert.match(loadable.fix ?? '', /modules-load\.d/);
  const absent = only(diagnose({ ...healthy(), ipvs: down, modulesAvailable: new Set(['veth']) }, undefined), 'ipvs');
  assert.match(absent.message, /this kernel has no IPVS module/);
  assert.match(absent.fix ?? '', /CONFIG_IP_VS/);
  const denied = only(diagnose({ ...healthy(), ipvs: { ok: false, error: 'controlling IPVS needs root or CAP_NET_ADMIN (EPERM)', noPermission: true } }, undefined), 'ipvs');
  assert.match(denied.fix ?? '', /root or with CAP_NET_ADMIN/);
});

test('a scheduler the kernel lacks is a problem; an unreadable module list a warning', () => {
  const missing = diagnose({ ...healthy(), modulesLoaded: new Set(['ip_vs']), modulesAvailable: new Set(['ip_vs', 'ip_vs_wrr']) }, NAT_DR);
  const sed = only(missing, 'scheduler sed');
  assert.equal(sed.level, 'problem');
  assert.match(sed.message, /no ip_vs_sed \(lb_algo sed at .*keepalived\.conf:30\)/);
  const unknown = diagnose({ ...healthy(), modulesLoaded: new Set(['ip_vs', 'ip_vs_wrr']), modulesAvailable: undefined }, NAT_DR);
  assert.equal(only(unknown, 'scheduler sed').level, 'warning');
  assert.equal(only(unknown, 'scheduler wrr').level, 'ok');
});

test('NAT without ip_forward is a problem that names the sysctl to set', () => {
  const facts = healthy();
  const sysctls = new Map(facts.sysctls);
  sysctls.set('net.ipv4.ip_forward', '0');
  const f = only(diagnose({ ...facts, sysctls }, NAT_DR), 'forwarding');
  assert.equal(f.level, 'problem');
  assert.match(f.message, /net\.ipv4\.ip_forward is 0/);
  assert.match(f.fix ?? '', /^sysctl -w net\.ipv4\.ip_forward=1/);
  const drOnly = config('virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_kind DR\n real_server 10.0.0.2 80 {\n }\n}\n');
  assert.equal(only(diagnose({ ...facts, sysctls }, drOnly), 'forwarding').level, 'ok');
});

test('IPv6 NAT real servers need net.ipv6.conf.all.forwarding', () => {
  const v6 = config('virtual_server fd00::1 80 {\n protocol TCP\n lb_kind NAT\n real_server fd00:1::2 80 {\n }\n}\n');
  const f = only(diagnose(healthy(), v6), 'forwarding');
  assert.equal(f.level, 'problem');
  assert.match(f.message, /net\.ipv6\.conf\.all\.forwarding is missing/);
});

test('conntrack: vs.conntrack 0 with nf_conntrack loaded warns; a nearly full table warns; no conntrack is fine', () => {
  const facts = healthy();
  const sysctls = new Map(facts.sysctls);
  sysctls.set('net.ipv4.vs.conntrack', '0');
  sysctls.set('net.netfilter.nf_conntrack_count', '900');
  const findings = diagnose({ ...facts, sysctls }, NAT_DR).filter((f) => f.check === 'conntrack');
  assert.deepEqual(findings.map((f) => f.level), ['warning', 'warning']);
  assert.match(findings[0]!.fix ?? '', /net\.ipv4\.vs\.conntrack=1/);
  assert.match(findings[1]!.message, /90% full \(900 of net\.netfilter\.nf_conntrack_max 1000\)/);
  sysctls.delete('net.netfilter.nf_conntrack_max');
  const none = diagnose({ ...facts, sysctls, modulesLoaded: new Set(['ip_vs']) }, NAT_DR).filter((f) => f.check === 'conntrack');
  assert.deepEqual(none.map((f) => [f.level, /not loaded/.test(f.message)]), [['ok', true]]);
});

test('strict rp_filter on a VIP interface of a DR director warns; conf.all counts too', () => {
  const facts = healthy();
  const sysctls = new Map(facts.sysctls);
  sysctls.set('net.ipv4.conf.all.rp_filter', '1');
  // The larger of conf.all and conf.eth0 applies: 2 on eth0 wins over 1 in all.
  assert.equal(only(diagnose({ ...facts, sysctls }, NAT_DR), 'rp_filter eth0').level, 'ok');
  sysctls.set('net.ipv4.conf.eth0.rp_filter', '0');
  const f = only(diagnose({ ...facts, sysctls }, NAT_DR), 'rp_filter eth0');
  assert.equal(f.level, 'warning');
  assert.match(f.fix ?? '', /net\.ipv4\.conf\.all\.rp_filter=2 net\.ipv4\.conf\.eth0\.rp_filter=2/);
});

test('use_vmac with strict rp_filter in conf.all warns: the VMAC\'s own 0 does not count then', () => {
  const vmac = config(`
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  use_vmac
  virtual_ipaddress {
    10.0.0.100/24
  }
}
`);
  const facts = healthy();
  assert.equal(only(diagnose(facts, vmac), 'rp_filter all (use_vmac)').level, 'ok');
  const sysctls = new Map(facts.sysctls);
  sysctls.set('net.ipv4.conf.all.rp_filter', '1');
  const f = only(diagnose({ ...facts, sysctls }, vmac), 'rp_filter all (use_vmac)');
  assert.equal(f.level, 'warning');
  assert.match(f.message, /VMAC of vrrp_instance VI_1 \(.*keepalived\.conf:2\)/);
  assert.match(f.fix ?? '', /net\.ipv4\.conf\.all\.rp_filter=2/);
  assert.equal(diagnose({ ...facts, sysctls }, NAT_DR).some((x) => x.check === 'rp_filter all (use_vmac)'), false);
});

test('IPVS knobs: expire_nodest_conn for removed servers, expire_quiescent_template for inhibited persistent ones', () => {
  const facts = healthy();
  const sysctls = new Map(facts.sysctls);
  sysctls.set('net.ipv4.vs.expire_nodest_conn', '0');
  sysctls.set('net.ipv4.vs.expire_quiescent_template', '0');
  const findings = diagnose({ ...facts, sysctls }, NAT_DR);
  const nodest = only(findings, 'ipvs expire_nodest_conn');
  assert.equal(nodest.level, 'warning');
  assert.match(nodest.message, /keepalived\.conf:24/);
  const quiescent = only(findings, 'ipvs expire_quiescent_template');
  assert.equal(quiescent.level, 'warning');
  assert.match(quiescent.message, /keepalived\.conf:18/);
});

test('interfaces: missing is a problem, down a problem, tracked and down a warning, no carrier a warning', () => {
  const facts = { ...healthy(), links: [{ name: 'eth9', adminUp: false, operstate: 'down' }] };
  const findings = diagnose(facts, NAT_DR);
  const eth0 = only(findings, 'interface eth0');
  assert.equal(eth0.level, 'problem');
  assert.match(eth0.message, /no interface eth0, named by vrrp_instance VI_1 interface at .*:2; virtual_ipaddress 10\.0\.0\.100 dev at .*:10/);
  assert.equal(only(findings, 'interface eth9').level, 'warning');
  const down = diagnose({ ...healthy(), links: [{ name: 'eth0', adminUp: false, operstate: 'down' }, { name: 'eth9', adminUp: true, operstate: 'lowerlayerdown' }] }, NAT_DR);
  assert.equal(only(down, 'interface eth0').level, 'problem');
  assert.equal(only(down, 'interface eth0').fix, 'ip link set eth0 up');
  assert.match(only(down, 'interface eth9').message, /no carrier/);
  const unreadable = diagnose({ ...healthy(), links: { error: 'EPERM' } }, NAT_DR);
  assert.equal(only(unreadable, 'interfaces').level, 'problem');
});

test('the interfaces of static addresses and routes are checked, a static address without dev on eth0 as keepalived places it', () => {
  const statics = config('static_ipaddress {\n  10.9.0.5/24 dev eth7\n  10.9.1.5/32\n}\nstatic_routes {\n  10.70.0.0/16 via 10.9.0.254 dev eth8\n}\n');
  const findings = diagnose({ ...healthy(), links: [{ name: 'eth0', adminUp: true, operstate: 'up' }] }, statics);
  assert.match(only(findings, 'interface eth7').message, /no interface eth7, named by static_ipaddress 10\.9\.0\.5 at .*:2/);
  assert.match(only(findings, 'interface eth8').message, /static_routes 10\.70\.0\.0\/16 dev at .*:6/);
  assert.equal(only(findings, 'interface eth0').level, 'ok');
});

test('ports: a taken API port is a problem; a local listener on a VIP port warns unless a real server is local', () => {
  const facts = { ...healthy(), listeners: [{ protocol: 'tcp' as const, address: '0.0.0.0', port: 80 }, { protocol: 'tcp' as const, address: '127.0.0.1', port: 8080 }] };
  const findings = diagnose(facts, NAT_DR, { api: [{ address: '127.0.0.1', port: 8080 }] });
  assert.equal(only(findings, 'api port').level, 'problem');
  const vip = only(findings, 'virtual server TCP 10.0.0.100:80');
  assert.equal(vip.level, 'warning');
  assert.match(vip.message, /0\.0\.0\.0:80\/tcp/);
  const local = config('virtual_server 10.0.0.100 80 {\n protocol TCP\n lb_kind DR\n real_server 10.0.0.100 80 {\n }\n}\n');
  assert.deepEqual(diagnose(facts, local).filter((f) => f.check.startsWith('virtual server')), []);
  assert.equal(only(diagnose(facts, NAT_DR, { api: [{ address: '127.0.0.1', port: 9000 }] }), 'api port').level, 'ok');
  // A name given to --api: each of its addresses, named.
  const named = diagnose(facts, NAT_DR, { api: [{ address: '127.0.0.1', port: 8080, name: 'localhost' }, { address: '::1', port: 8080, name: 'localhost' }] })
    .filter((f) => f.check === 'api port');
  assert.deepEqual(named.map((f) => [f.level, f.message]), [
    ['problem', '127.0.0.1:8080 (localhost) is taken: something listens on 127.0.0.1:8080'],
    ['ok', '[::1]:8080 (localhost) is free'],
  ]);
});

test('an lvsd already running here is a warning: a second one would refuse to start', () => {
  const running = only(diagnose({ ...healthy(), directorRunning: true }, NAT_DR), 'lvsd');
  assert.equal(running.level, 'warning');
  assert.match(running.message, /an lvsd already drives the IPVS table here/);
  assert.match(running.fix ?? '', /a second one refuses to start/);
  assert.equal(only(diagnose(healthy(), NAT_DR), 'lvsd').message, 'no lvsd runs here yet');
});

test('sysctlsToRead asks for the rp_filter of each VIP interface, dots written as slashes', () => {
  const vlan = config('vrrp_instance V {\n interface eth0.100\n virtual_router_id 1\n priority 100\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n');
  assert.ok(sysctlsToRead(vlan).includes('net.ipv4.conf.eth0/100.rp_filter'));
  assert.ok(sysctlsToRead(undefined).includes('net.ipv4.ip_forward'));
});

test('a finding is one line: level, check, message, and what to change after ->', () => {
  assert.equal(formatFinding({ level: 'problem', check: 'forwarding', message: 'off', fix: 'turn it on' }), 'problem forwarding: off -> turn it on');
  assert.equal(formatFinding({ level: 'ok', check: 'ipvs', message: 'fine' }), 'ok      ipvs: fine');
});

test('facts parsers: CapEff, module lists, /proc/net sockets', () => {
  assert.equal(parseCapEff('Name:\tnode\nCapEff:\t000001ffffffffff\n'), 0x1ffffffffffn);
  assert.equal(parseCapEff('Name:\tnode\n'), undefined);
  assert.deepEqual(parseModuleList('kernel/net/netfilter/ipvs/ip_vs_rr.ko.xz: kernel/net/netfilter/ipvs/ip_vs.ko.xz\nkernel/drivers/net/veth.ko:\n\nkernel/net/x/nf-foo.ko.zst:\n'),
    ['ip_vs_rr', 'veth', 'nf_foo']);
  const tcp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 20 4 30 10 -1
`;
  assert.deepEqual(parseProcNet(tcp, 'tcp'), [{ protocol: 'tcp', address: '127.0.0.1', port: 8080 }]);
  const tcp6 = `  sl  local_address                         remote_address                        st
   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A
   1: 0000000000000000FFFF00006400000A:0051 00000000000000000000000000000000:0000 0A
   2: 000080FE00000000FF00000201000000:0052 00000000000000000000000000000000:0000 0A
`;
  assert.deepEqual(parseProcNet(tcp6, 'tcp').map((l) => `${l.address}:${l.port}`), [':::80', '::ffff:a00:64:81', 'fe80::200:ff:0:1:82']);
  const udp = `  sl  local_address rem_address   st
  10: 00000000:0035 00000000:0000 07 00000000:00000000
`;
  assert.deepEqual(parseProcNet(udp, 'udp'), [{ protocol: 'udp', address: '0.0.0.0', port: 53 }]);
  const unix = `Num       RefCount Protocol Flags    Type St Inode Path
0000000000000000: 00000002 00000000 00010000 0001 01 41735 @lvsd/director
0000000000000000: 00000003 00000000 00000000 0001 03 27183
0000000000000000: 00000002 00000000 00010000 0001 01 19432 /run/systemd/notify
`;
  assert.deepEqual(parseProcNetUnix(unix), ['@lvsd/director', '/run/systemd/notify']);
});

test('--api takes ADDRESS:PORT, [V6]:PORT or NAME:PORT as lvsd --api does, and says so of a bare port', () => {
  assert.deepEqual(parseApiAddress('127.0.0.1:9000'), { address: '127.0.0.1', port: 9000 });
  assert.deepEqual(parseApiAddress('[::1]:9000'), { address: '::1', port: 9000 });
  assert.deepEqual(parseApiAddress('[::ffff:127.0.0.1]:9000'), { address: '127.0.0.1', port: 9000 });
  assert.deepEqual(parseApiAddress('8080'), { error: '--api: "8080" is not ADDR:PORT (e.g. 127.0.0.1:7080 or [::1]:7080), as lvsd --api takes it' });
  assert.deepEqual(parseApiAddress('127.0.0.1:70000'), { error: '--api: "127.0.0.1:70000" is not ADDR:PORT (e.g. 127.0.0.1:7080 or [::1]:7080), as lvsd --api takes it' });
  assert.deepEqual(parseApiAddress('127.0.0.1:0'), { error: '--api: "127.0.0.1:0" is not ADDR:PORT (e.g. 127.0.0.1:7080 or [::1]:7080), as lvsd --api takes it' });
  assert.deepEqual(parseApiAddress('localhost:80'), { name: 'localhost', port: 80 });
  for (const text of ['8080', '127.0.0.1:9000', '[::1]:9000', '127.0.0.1:70000']) {
    assert.equal('error' in parseListen(text), 'error' in parseApiAddress(text), text);
  }
});
