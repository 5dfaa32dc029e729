// notify_up / notify_down as keepalived runs them: on a real server's changes,
// once for a server down from the start (alpha) when a check finds it down,
// and with rs_init_notifies for a server that starts up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckScheduler } from '../../src/check/scheduler';
import type { ProbeFactory } from '../../src/check/probe';
import { Director } from '../../src/director/director';
import { FakeClock } from '../helpers/fake-clock';
import { FakeKernel } from '../helpers/fake-kernel';
import { loadConfigText } from '../helpers/config-text';
import type { KeepalivedConfig } from '../../src/config/model';

const settle = async (): Promise<void> => { for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r)); };

/** A director loaded with `config` whose checks of `failing` fail and the others pass; `ran` lists the scripts run. */
async function started(config: KeepalivedConfig, failing: string) {
  const clock = new FakeClock({ start: 1_000_000 });
  const factory: ProbeFactory = (spec) => (done) => {
    const ok = spec.connectIp !== failing;
    done({ ok, reason: ok ? 'connected' : 'refused' });
    return () => undefined;
  };
  const scheduler = new CheckScheduler({ clock, probeFactory: factory, jitter: 0, random: () => 0 });
  const ran: string[] = [];
  const quiet = { info() {}, warn() {}, error() {} };
  const director = new Director({ table: new FakeKernel(), scheduler, log: quiet, runScript: (s, why) => ran.push(`${s.command} (${why})`) });
  await director.load(config, 'start');
  clock.advance(0);
  await settle();
  return { clock, scheduler, director, ran };
}

test('alpha real servers: a first check that fails runs notify_down once, one that passes runs notify_up, as keepalived runs them', async () => {
  const loaded = loadConfigText(`
virtual_server 10.0.0.1 80 {
  protocol TCP
  alpha
  real_server 192.168.1.11 8080 {
    notify_down "/bin/true dead"
    TCP_CHECK {
      connect_timeout 1
    }
  }
  real_server 192.168.1.12 8080 {
    notify_down "/bin/true twelve"
    notify_up "/bin/true twelve"
    TCP_CHECK {
      connect_timeout 1
    }
  }
}
`);
  assert.ok(loaded.ok, JSON.stringify(loaded.diagnostics));
  const { clock, scheduler, director, ran } = await started(loaded.config, '192.168.1.11');
  clock.advance(60_000);
  await settle();
  // Several check rounds later, each is still said once.
  assert.deepEqual([...ran].sort(), [
    '/bin/true dead (notify_down of TCP 10.0.0.1:80 -> 192.168.1.11:8080)',
    '/bin/true twelve (notify_up of TCP 10.0.0.1:80 -> 192.168.1.12:8080)',
  ]);
  await director.stop();
  scheduler.close();
});

test('rs_init_notifies: a real server that starts up runs notify_up as it goes in, at start and when a reload adds it; alpha ones wait for their check', async () => {
  const text = (init: boolean, extra = '') => `
global_defs {
  rs_init_notifies ${init ? 'on' : 'off'}
}
virtual_server 10.0.0.1 80 {
  protocol TCP
  real_server 192.168.1.11 8080 {
    notify_up "/bin/true eleven"
  }
  real_server 192.168.1.12 8080 {
    notify_up "/bin/true twelve"
    TCP_CHECK {
      connect_timeout 1
    }
  }${extra}
}
`;
  const quiet = await started(loadConfigText(text(false)).config, 'none');
  quiet.clock.advance(10_000);
  await settle();
  assert.deepEqual(quiet.ran, [], 'without rs_init_notifies a server up from the start is not said');
  await quiet.director.stop();
  quiet.scheduler.close();

  const { clock, scheduler, director, ran } = await started(loadConfigText(text(true)).config, 'none');
  clock.advance(10_000);
  await settle();
  assert.deepEqual([...ran].sort(), [
    '/bin/true eleven (notify_up of TCP 10.0.0.1:80 -> 192.168.1.11:8080)',
    '/bin/true twelve (notify_up of TCP 10.0.0.1:80 -> 192.168.1.12:8080)',
  ], 'once each, however many checks pass');
  ran.length = 0;
  await director.load(loadConfigText(text(true, `
  real_server 192.168.1.13 8080 {
    notify_up "/bin/true thirteen"
  }
  real_server 192.168.1.14 8080 {
    alpha
    notify_up "/bin/true fourteen"
    TCP_CHECK {
      connect_timeout 1
    }
  }`)).config, 'reload');
  await settle();
  assert.deepEqual(ran, ['/bin/true thirteen (notify_up of TCP 10.0.0.1:80 -> 192.168.1.13:8080)'], 'only the new one, and not the alpha one yet');
  clock.advance(10_000);
  await settle();
  assert.deepEqual(ran.slice(1), ['/bin/true fourteen (notify_up of TCP 10.0.0.1:80 -> 192.168.1.14:8080)'], 'the alpha one once its check passes');
  await director.stop();
  scheduler.close();
});

test('omega: as lvsd stops, the live real servers say they are down (notify_down, event) and each virtual server its quorum down, as keepalived says them; with lvs_flush_on_stop only the quorum; without omega nothing', async () => {
  const block = (address: string, omega: string, quorum: number): string => `
virtual_server ${address} 80 {
  protocol TCP
  ${omega}
  quorum ${quorum}
  quorum_down "/bin/true quorum-down ${address}"
  real_server 192.168.1.11 8080 {
    notify_down "/bin/true down-11 ${address}"
  }
  real_server 192.168.1.12 8080 {
    notify_down "/bin/true down-12 ${address}"
    TCP_CHECK {
      connect_timeout 1
    }
  }
}
`;
  // 10.0.0.3 starts without quorum (weight 1 of 5): keepalived still runs its quorum_down as it stops.
  const text = block('10.0.0.1', 'omega', 1) + block('10.0.0.2', '', 1) + block('10.0.0.3', 'omega', 5);
  const stopping = async (globalDefs: string): Promise<string[]> => {
    const loaded = loadConfigText(`global_defs {\n${globalDefs}\n}\n${text}`);
    assert.ok(loaded.ok, JSON.stringify(loaded.diagnostics));
    // .12 fails its check: it is down as lvsd stops, and says nothing then.
    const { scheduler, director, ran } = await started(loaded.config, '192.168.1.12');
    const before = ran.length;
    director.on('server', (t) => said.push(`server ${t.server} ${t.up ? 'up' : 'down'}: ${t.reason}`));
    director.on('quorum', (q) => said.push(`quorum ${q.virtualServer} ${q.up ? 'up' : 'down'}`));
    await director.stop();
    scheduler.close();
    return ran.slice(before);
  };
  const said: string[] = [];
  assert.deepEqual(await stopping(''), [
    '/bin/true down-11 10.0.0.1 (notify_down of TCP 10.0.0.1:80 -> 192.168.1.11:8080 (lvsd stops, omega))',
    '/bin/true quorum-down 10.0.0.1 (quorum_down of TCP 10.0.0.1:80 (lvsd stops, omega))',
    '/bin/true down-11 10.0.0.3 (notify_down of TCP 10.0.0.3:80 -> 192.168.1.11:8080 (lvsd stops, omega))',
    '/bin/true quorum-down 10.0.0.3 (quorum_down of TCP 10.0.0.3:80 (lvsd stops, omega))',
  ]);
  assert.deepEqual(said.splice(0), [
    'server TCP 10.0.0.1:80 -> 192.168.1.11:8080 down: lvsd stops, omega', 'quorum TCP 10.0.0.1:80 down',
    'server TCP 10.0.0.3:80 -> 192.168.1.11:8080 down: lvsd stops, omega', 'quorum TCP 10.0.0.3:80 down',
  ], 'the same as events, for the notify FIFO and the status page');
  assert.deepEqual(await stopping('lvs_flush_on_stop'), [
    '/bin/true quorum-down 10.0.0.1 (quorum_down of TCP 10.0.0.1:80 (lvsd stops, omega))',
    '/bin/true quorum-down 10.0.0.3 (quorum_down of TCP 10.0.0.3:80 (lvsd stops, omega))',
  ]);
});
