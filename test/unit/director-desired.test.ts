import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type KeepalivedConfig } from '../../src/config';
import { buildDesiredTable, virtualServerName, type HealthLookup, type QuorumMemory } from '../../src/director/desired';
import { serviceId, realServerId } from '../../src/director/ids';
import { SVC_F_ONEPACKET, SVC_F_PERSISTENT, SVC_F_SCHED2 } from '../../src/ipvs/types';
import { loadConfigText } from '../helpers/config-text';

function config(text: string): KeepalivedConfig {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-desired-'));
  const file = join(dir, 'keepalived.conf');
  writeFileSync(file, text);
  const r = loadConfig(file);
  assert.ok(r.ok, JSON.stringify(r.diagnostics));
  return r.config;
}

const allUp: HealthLookup = () => ({ up: true });
const down = (...addresses: string[]): HealthLookup => (_vs, rs) => ({ up: !addresses.includes(rs.address) });

const WEB = `
virtual_server 10.0.0.1 80 {
  protocol TCP
  lb_algo wrr
  lb_kind NAT
  persistence_timeout 300
  persistence_granularity 255.255.255.0
  real_server 10.0.1.1 80 { weight 3 }
  real_server 10.0.1.2 8080 {
    weight 1
    inhibit_on_failure
  }
  real_server 10.0.1.3 80 { weight 2 }
}
`;

test('a virtual server becomes one kernel service with its settings and real servers', () => {
  const { table } = buildDesiredTable(config(WEB), allUp, new Map());
  assert.equal(table.length, 1);
  const [e] = table;
  assert.equal(serviceId(e!.service), 'tcp:10.0.0.1:80');
  assert.equal(e!.service.scheduler, 'wrr');
  assert.equal(e!.service.flags, SVC_F_PERSISTENT);
  assert.equal(e!.service.timeout, 300);
  assert.equal(e!.service.netmask, 0xffffff00);
  assert.deepEqual(e!.realServers.map((r) => [realServerId(r), r.weight, r.forward]),
    [['10.0.1.1:80', 3, 'masq'], ['10.0.1.2:8080', 1, 'masq'], ['10.0.1.3:80', 2, 'masq']]);
});

test('a failed server is removed, or quiesced at weight 0 with inhibit_on_failure', () => {
  const { table } = buildDesiredTable(config(WEB), down('10.0.1.2', '10.0.1.3'), new Map());
  assert.deepEqual(table[0]!.realServers.map((r) => [realServerId(r), r.weight]), [['10.0.1.1:80', 3], ['10.0.1.2:8080', 0]]);
});

test('a dynamic weight from the checkers replaces the configured one', () => {
  const health: HealthLookup = (_vs, rs) => (rs.address === '10.0.1.1' ? { up: true, weight: 7 } : { up: true });
  const { table } = buildDesiredTable(config(WEB), health, new Map());
  assert.equal(table[0]!.realServers[0]!.weight, 7);
});

const QUORUM = `
virtual_server 10.0.0.2 443 {
  protocol TCP
  lb_kind DR
  quorum 4
  hysteresis 1
  sorry_server 10.0.9.9 443
  real_server 10.0.2.1 443 { weight 2 }
  real_server 10.0.2.2 443 { weight 2 }
  real_server 10.0.2.3 443 { weight 2 }
}
`;

test('quorum with hysteresis: the sorry server replaces the pool below quorum - hysteresis, until quorum + hysteresis', () => {
  const cfg = config(QUORUM);
  const memory: QuorumMemory = new Map();
  const ids = (h: HealthLookup) => {
    const d = buildDesiredTable(cfg, h, memory);
    return { servers: d.table[0]!.realServers.map((r) => `${realServerId(r)}/${r.weight}/${r.forward}`), changes: d.quorumChanges.map((c) => c.up) };
  };
  // As keepalived: quorum is gained at start (quorum_up runs) when quorum + hysteresis (5) is live.
  assert.deepEqual(ids(allUp), { servers: ['10.0.2.1:443/2/route', '10.0.2.2:443/2/route', '10.0.2.3:443/2/route'], changes: [true] });
  // weight 4 left: 4 >= quorum - hysteresis (3): still has quorum
  assert.deepEqual(ids(down('10.0.2.3')).changes, []);
  // weight 2 left: lost
  assert.deepEqual(ids(down('10.0.2.2', '10.0.2.3')), { servers: ['10.0.9.9:443/1/route'], changes: [false] });
  // weight 4 is back, but quorum + hysteresis is 5: still the sorry server
  assert.deepEqual(ids(down('10.0.2.3')), { servers: ['10.0.9.9:443/1/route'], changes: [] });
  assert.deepEqual(ids(allUp).changes, [true]);
  assert.equal(memory.get(virtualServerName(cfg.virtualServers[0]!)), true);
});

test('as keepalived starts: too little weight for quorum + hysteresis starts with the sorry server in (quorum_down); without one, nothing is said', () => {
  const cfg = config(QUORUM);
  const first = buildDesiredTable(cfg, down('10.0.2.3'), new Map());
  assert.deepEqual(first.table[0]!.realServers.map((r) => `${realServerId(r)}/${r.weight}`), ['10.0.9.9:443/1']);
  assert.deepEqual(first.quorumChanges.map((c) => [c.up, c.first]), [[false, true]]);
  const bare = config(QUORUM.replace('  sorry_server 10.0.9.9 443\n', ''));
  const none = buildDesiredTable(bare, down('10.0.2.3'), new Map());
  assert.deepEqual(none.table[0]!.realServers.map(realServerId), ['10.0.2.1:443', '10.0.2.2:443']);
  assert.deepEqual(none.quorumChanges, []);
});

test('as keepalived: without quorum, inhibit_on_failure servers wait at weight 0 beside the sorry server; an inhibited sorry server that is also a real server keeps the real one', () => {
  const cfg = config(`
virtual_server 10.0.0.3 80 {
  protocol TCP
  quorum 3
  sorry_server 10.0.1.1 80
  sorry_server_inhibit
  real_server 10.0.1.1 80 { weight 5 }
  real_server 10.0.1.2 80 {
    weight 1
    inhibit_on_failure
  }
  real_server 10.0.1.3 80 {
    weight 1
    inhibit_on_failure
  }
  real_server 10.0.1.4 80 { weight 1 }
}
`);
  const row = (h: HealthLookup) => buildDesiredTable(cfg, h, new Map()).table[0]!.realServers.map((r) => `${realServerId(r)}/${r.weight}`).sort();
  assert.deepEqual(row(allUp), ['10.0.1.1:80/5', '10.0.1.2:80/1', '10.0.1.3:80/1', '10.0.1.4:80/1']);
  assert.deepEqual(row(down('10.0.1.1', '10.0.1.3')), ['10.0.1.1:80/1', '10.0.1.2:80/0', '10.0.1.3:80/0']);
});

test('groups expand to one service per address and fwmark, sharing the real servers; without a protocol line they are UDP', () => {
  const cfg = config(`
virtual_server_group web {
  10.0.0.10-12 80
  fwmark 5
}
virtual_server group web {
  lb_kind DR
  real_server 10.0.3.1 80 { weight 1 }
}
`);
  const { table } = buildDesiredTable(cfg, allUp, new Map());
  // No protocol line: UDP, as keepalived makes a group that has addresses.
  assert.deepEqual(table.map((e) => serviceId(e.service)), ['udp:10.0.0.10:80', 'udp:10.0.0.11:80', 'udp:10.0.0.12:80', 'fwm:5']);
  // DR keeps the destination port: each entry's own, none for the fwmark, as keepalived sets them.
  assert.deepEqual(table.map((e) => e.realServers.map(realServerId)), [['10.0.3.1:80'], ['10.0.3.1:80'], ['10.0.3.1:80'], ['10.0.3.1:0']]);
});

test('UDP one-packet scheduling, scheduler flags, IPv6 persistence, tunnels', () => {
  const cfg = config(`
virtual_server fd00::1 53 {
  protocol UDP
  ops
  lb_algo sh
  sh-port
  persistence_timeout 60
  persistence_granularity 64
  lb_kind TUN type gue port 6080 csum
  real_server fd00::10 53 { weight 1 }
}
`);
  const { table } = buildDesiredTable(cfg, allUp, new Map());
  const e = table[0]!;
  assert.equal(serviceId(e.service), 'udp:[fd00::1]:53');
  assert.equal(e.service.flags, SVC_F_ONEPACKET | SVC_F_SCHED2 | SVC_F_PERSISTENT);
  assert.equal(e.service.netmask, 64);
  const rs = e.realServers[0]!;
  assert.deepEqual([rs.forward, rs.tunnelType, rs.tunnelPort, rs.tunnelFlags], ['tunnel', 'gue', 6080, 1]);
});

test('quorum 0 is taken as 1, as keepalived takes it: with every server down the sorry server goes in', () => {
  const loaded = loadConfigText('virtual_server 10.0.0.4 80 {\n  protocol TCP\n  quorum 0\n  sorry_server 10.0.9.9 80\n  real_server 10.0.1.1 80 {\n  }\n}\n');
  assert.ok(loaded.diagnostics.some((d) => d.line === 3 && d.message === 'quorum 0 is taken as 1, as keepalived takes it'), JSON.stringify(loaded.diagnostics));
  const row = buildDesiredTable(loaded.config, down('10.0.1.1'), new Map()).table[0]!.realServers.map(realServerId);
  assert.deepEqual(row, ['10.0.9.9:80']);
});

test('a group\'s fwmark entry used by a TCP and a UDP virtual server carries the real servers of both, as keepalived fills it', () => {
  const cfg = config(`
virtual_server_group G {
  10.0.0.20 80
  fwmark 7
}
virtual_server group G {
  protocol TCP
  lb_kind DR
  real_server 10.0.3.1 80 { weight 1 }
}
virtual_server group G {
  protocol UDP
  lb_kind DR
  real_server 10.0.3.2 80 { weight 1 }
}
`);
  const { table } = buildDesiredTable(cfg, allUp, new Map());
  assert.deepEqual(table.map((e) => [serviceId(e.service), e.realServers.map(realServerId)]), [
    ['tcp:10.0.0.20:80', ['10.0.3.1:80']],
    ['fwm:7', ['10.0.3.1:0', '10.0.3.2:0']],
    ['udp:10.0.0.20:80', ['10.0.3.2:80']],
  ]);
});
