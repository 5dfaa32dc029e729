// From real_server checkers to scheduled checks, and their verdicts across a
// reload: what a check probes, and what survives a change of its settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckScheduler } from '../../src/check/scheduler';
import type { ProbeFactory } from '../../src/check/probe';
import { buildConfiguredChecks, HealthBook } from '../../src/director/health';
import { loadConfigText } from '../helpers/config-text';
import { FakeClock } from '../helpers/fake-clock';

function checksOf(text: string) {
  const loaded = loadConfigText(text);
  assert.ok(loaded.ok, JSON.stringify(loaded.diagnostics));
  const built = buildConfiguredChecks(loaded.config);
  assert.deepEqual(built.problems, []);
  return { config: loaded.config, checks: built.checks };
}

test('a DR or fwmark real server is checked on the port the file writes, as keepalived checks it', () => {
  const { config, checks } = checksOf(`
virtual_server fwmark 1 {
  lb_kind DR
  protocol TCP
  real_server 10.0.1.1 80 {
    TCP_CHECK {
      connect_timeout 3
    }
  }
}
virtual_server 10.0.0.100 80 {
  lb_kind DR
  protocol TCP
  real_server 10.0.1.2 8080 {
    TCP_CHECK {
    }
  }
}
`);
  // The kernel gets the service's port (none for a fwmark); the checks probe the written ones.
  assert.deepEqual(config.virtualServers.map((vs) => vs.realServers[0]!.port), [0, 80]);
  assert.deepEqual(checks.map((c) => c.spec.connectPort), [80, 8080]);
});

/** A scheduler whose probes fail until `healthy` is set. */
function book() {
  const clock = new FakeClock({ start: 1_000_000 });
  const state = { healthy: false };
  const factory: ProbeFactory = () => (done) => {
    done(state.healthy ? { ok: true, reason: 'fine' } : { ok: false, reason: 'refused' });
    return () => undefined;
  };
  const health = new HealthBook(new CheckScheduler({ clock, probeFactory: factory, jitter: 0 }));
  return { clock, state, health };
}

/** Virtual server 10.0.0.100:80 with the one real server 10.0.1.2:80 and the given checker blocks, the first opening on line 7. */
const withCheckers = (checkers: string, vsOptions = '') => `
virtual_server 10.0.0.100 80 {
  protocol TCP
  delay_loop 6
  ${vsOptions}
  real_server 10.0.1.2 80 {
${checkers}
  }
}
`;

const server = (options: string, vsOptions = '') => withCheckers(`    TCP_CHECK {\n      ${options}\n    }`, vsOptions);

test('a reload that changes a check keeps its verdict: a dead server stays out, a live one stays in (alpha or not)', () => {
  const { clock, state, health } = book();
  const first = checksOf(server('connect_timeout 3'));
  health.apply(first.checks);
  const [vs] = first.config.virtualServers;
  clock.advance(6_000);
  assert.equal(health.lookup(vs!, vs!.realServers[0]!).up, false, 'its first failure (within warmup) takes a new check down');
  const slower = checksOf(server('connect_timeout 3', 'delay_loop 10'));
  assert.equal(health.prospective(slower.checks)(vs!, vs!.realServers[0]!).up, false, 'planned as still down');
  health.apply(slower.checks);
  assert.equal(health.lookup(vs!, vs!.realServers[0]!).up, false, 'still down after the reload');
  state.healthy = true;
  clock.advance(20_000);
  assert.equal(health.lookup(vs!, vs!.realServers[0]!).up, true);
  const alpha = checksOf(server('connect_timeout 4', 'alpha'));
  health.apply(alpha.checks);
  assert.equal(health.lookup(vs!, vs!.realServers[0]!).up, true, 'alpha does not take a live server out on reload');
});

test('regex_options and regex offsets reach the HTTP check; options JavaScript cannot honour are warned about', () => {
  const loaded = loadConfigText(withCheckers(`    HTTP_GET {
      url {
        path /health
        regex "status: ok$"
        regex_options caseless ungreedy dollar_endonly
        regex_min_offset 5
        regex_max_offset 100
      }
    }`));
  assert.ok(loaded.ok, JSON.stringify(loaded.diagnostics));
  assert.deepEqual(loaded.diagnostics.map((d) => [d.line, d.message]), [[11, 'regex_options ungreedy has no equivalent in lvsd\'s regular expressions; ignored']]);
  const [check] = buildConfiguredChecks(loaded.config).checks;
  const spec = check!.spec as { urls: unknown[] };
  assert.deepEqual(spec.urls[0], {
    path: '/health', digest: undefined, statusCodes: [{ min: 200, max: 299 }], virtualhost: undefined,
    regex: 'status: ok$', regexNoMatch: false, regexFlags: 'i', regexDollarEndOnly: true, regexMinOffset: 5, regexMaxOffset: 100,
  });
});

test('MISC_CHECK without misc_timeout (or with 0) gives its program the virtual server\'s delay_loop, as keepalived does', () => {
  const { checks } = checksOf(withCheckers(`    MISC_CHECK {
      misc_path "/bin/true"
      delay_loop 5
    }
    MISC_CHECK {
      misc_path "/bin/true"
      misc_timeout 0
    }
    MISC_CHECK {
      misc_path "/bin/true"
      misc_timeout 3
    }`, 'delay_loop 60'));
  assert.deepEqual(checks.map((c) => (c.spec as { miscTimeoutMs: number }).miscTimeoutMs), [60_000, 60_000, 3_000]);
});

test('a MISC_CHECK whose program is not an executable file is dropped with a warning, so its server is not failed, as keepalived drops it', () => {
  const loaded = loadConfigText(withCheckers(`    MISC_CHECK {
      misc_path "/nonexistent/check-web"
    }
    MISC_CHECK {
      misc_path "/etc/passwd"
    }
    MISC_CHECK {
      misc_path "/bin/true"
    }`));
  assert.ok(loaded.ok, JSON.stringify(loaded.diagnostics));
  assert.deepEqual(loaded.diagnostics.map((d) => [d.line, d.message]), [
    [7, 'misc_path /nonexistent/check-web is not an executable file: this checker is dropped and 10.0.1.2 is not checked by it, as keepalived drops it'],
    [10, 'misc_path /etc/passwd is not an executable file: this checker is dropped and 10.0.1.2 is not checked by it, as keepalived drops it'],
  ]);
  assert.deepEqual(buildConfiguredChecks(loaded.config).checks.map((c) => (c.spec as { miscPath: string }).miscPath), ['/bin/true']);
});

test('SMTP_CHECK host { } blocks are checked one by one, as keepalived 2.2.7 still reads them', () => {
  const { checks } = checksOf(`
virtual_server 10.0.0.100 25 {
  protocol TCP
  real_server 10.0.1.2 25 {
    SMTP_CHECK {
      helo_name lb.example.org
      host {
        connect_ip 10.0.2.1
        connect_port 2525
      }
      host {
        connect_ip 10.0.2.2
        bindto 10.0.0.1
      }
    }
  }
}
`);
  assert.deepEqual(checks.map((c) => [c.id, c.spec.connectIp, c.spec.connectPort, c.spec.bindTo, (c.spec as { heloName: string }).heloName]), [
    ['TCP 10.0.0.100:25 -> 10.0.1.2:25 SMTP_CHECK#1', '10.0.2.1', 2525, undefined, 'lb.example.org'],
    ['TCP 10.0.0.100:25 -> 10.0.1.2:25 SMTP_CHECK#2', '10.0.2.2', 25, '10.0.0.1', 'lb.example.org'],
  ]);
});

test('SSL_GET sends as TLS server name the checker\'s or virtual server\'s virtualhost, never the real server\'s, as keepalived', () => {
  const { checks } = checksOf(`
virtual_server 10.0.0.100 443 {
  protocol TCP
  real_server 10.0.1.2 443 {
    virtualhost rs.example.test
    SSL_GET {
      enable_sni
      url {
        path /
      }
    }
    SSL_GET {
      enable_sni
      virtualhost checker.example.test
      url {
        path /
      }
    }
  }
}
`);
  assert.deepEqual(checks.map((c) => [(c.spec as { virtualhost?: string }).virtualhost, (c.spec as { sniHost?: string }).sniHost]), [
    ['rs.example.test', undefined],
    ['checker.example.test', 'checker.example.test'],
  ]);
});
