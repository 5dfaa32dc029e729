// The user a script runs as when the file names none: keepalived's default
// script user (global_defs script_user, else a keepalived_script account).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { settleScriptUsers } from '../../src/config/script-user';
import { loadConfigText } from '../helpers/config-text';

const FILE = (globals: string) => `
global_defs {
  ${globals}
}
vrrp_script chk {
  script "/bin/true"
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 1
  notify_master "/bin/master"
  virtual_ipaddress {
    10.0.0.1
  }
}
virtual_server 10.0.0.1 80 {
  protocol TCP
  quorum_up "/bin/up"
  real_server 10.0.1.1 80 {
    notify_down "/bin/down"
    MISC_CHECK {
      misc_path "/bin/true"
    }
    MISC_CHECK {
      misc_path "/bin/false"
      user nobody
    }
  }
}
`;

function usersOf(globals: string, passwd?: string) {
  const loaded = loadConfigText(FILE(globals));
  assert.ok(loaded.ok, JSON.stringify(loaded.diagnostics));
  const c = loaded.config;
  if (passwd !== undefined) {
    for (const s of [c.vrrpScripts[0]!.script!, c.vrrpInstances[0]!.notify.master!]) delete s.user;
    settleScriptUsers(c, passwd);
  }
  const rs = c.virtualServers[0]!.realServers[0]!;
  const misc = rs.checkers.map((k) => (k.type === 'MISC_CHECK' ? `${k.script.user}:${k.script.group}` : ''));
  return [c.vrrpScripts[0]!.script!, c.vrrpInstances[0]!.notify.master!, c.virtualServers[0]!.quorumUp!, rs.notifyDown!]
    .map((s) => `${s.user}:${s.group}`).concat(misc);
}

test('global_defs script_user runs every script that names no user of its own, as in keepalived', () => {
  assert.deepEqual(usersOf('script_user checker monitor'),
    ['checker:monitor', 'checker:monitor', 'checker:monitor', 'checker:monitor', 'checker:monitor', 'nobody:undefined']);
});

test('without script_user, a keepalived_script account is the default; without one, lvsd\'s own user', () => {
  const dir = mkdtempSync(join(tmpdir(), 'script-user-'));
  const withAccount = join(dir, 'passwd');
  writeFileSync(withAccount, 'root:x:0:0::/root:/bin/sh\nkeepalived_script:x:990:990::/nonexistent:/usr/sbin/nologin\n');
  assert.deepEqual(usersOf('router_id lb1', withAccount).slice(0, 2), ['keepalived_script:undefined', 'keepalived_script:undefined']);
  assert.deepEqual(usersOf('router_id lb1', join(dir, 'absent')).slice(0, 2), ['undefined:undefined', 'undefined:undefined']);
});
