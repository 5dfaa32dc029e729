// global_defs: notification, identity, LVS-wide and VRRP-wide settings.
import { Diagnostics } from './diagnostics';
import { applyBlock, Handlers, ignored, needBlock } from './block';
import { GlobalDefs, NotifyFifo } from './model';
import { Statement } from './tree';
import { Args } from './values';
import { garpRepeat } from './vrrp';

export function emptyGlobalDefs(): GlobalDefs {
  return {
    notificationEmail: [],
    noEmailFaults: false,
    enableScriptSecurity: false,
    lvsFlush: false,
    rsInitNotifies: false,
    notifyFifos: [],
    // keepalived's default time for a startup or shutdown script.
    startupScriptTimeoutMs: 10_000,
    shutdownScriptTimeoutMs: 10_000,
    vrrp: { strict: false, skipCheckAdvAddr: false, checkUnicastSrc: false },
  };
}

function set<K extends keyof GlobalDefs>(g: GlobalDefs, key: K, value: GlobalDefs[K] | undefined): void {
  if (value !== undefined) g[key] = value;
}

function setVrrp<K extends keyof GlobalDefs['vrrp']>(g: GlobalDefs, key: K, value: GlobalDefs['vrrp'][K] | undefined): void {
  if (value !== undefined) g.vrrp[key] = value;
}

function fifoOf(a: Args, g: GlobalDefs, events: NotifyFifo['events']): NotifyFifo {
  let fifo = g.notifyFifos.find((f) => f.events === events);
  if (!fifo) {
    fifo = { events, at: a.stmt.at, path: '' };
    g.notifyFifos.push(fifo);
  }
  return fifo;
}

/** FIFO [user [group]]: the FIFO's path, and its owner when lvsd creates it. */
function notifyFifo(a: Args, g: GlobalDefs, events: NotifyFifo['events']): void {
  const path = a.string(0, 'a FIFO path');
  if (path === undefined) return;
  a.atMost(3);
  if (!path.startsWith('/')) {
    a.error(`${a.keyword} ${path}: the FIFO's path must be absolute`);
    return;
  }
  const fifo = fifoOf(a, g, events);
  fifo.path = path;
  fifo.at = a.stmt.at;
  const user = a.text(1);
  if (user !== undefined) fifo.owner = a.text(2) !== undefined ? { user, group: a.text(2)! } : { user };
}

function notifyFifoScript(a: Args, g: GlobalDefs, events: NotifyFifo['events']): void {
  const script = a.script();
  if (script) fifoOf(a, g, events).script = script;
}

function scriptTimeout(a: Args): number | undefined {
  const seconds = a.int(0, 1, 1000, a.keyword);
  a.atMost(1);
  return seconds === undefined ? undefined : seconds * 1000;
}

/** A VRRP multicast group: lvsd sends to and listens on the RFC's only, so another one warns. */
function mcastGroup(a: Args, standard: string): string | undefined {
  const group = a.address(0)?.address;
  if (group !== undefined && group !== standard) {
    a.unsupported(`adverts go to ${standard}, where peers using ${group} do not hear them`);
  }
  return group;
}

function lvsTimeouts(a: Args, g: GlobalDefs): void {
  if (a.count === 0 || a.count % 2 !== 0) {
    a.error('lvs_timeouts needs one or more of: tcp SECS, tcpfin SECS, udp SECS');
    return;
  }
  const t: NonNullable<GlobalDefs['lvsTimeouts']> = {};
  for (let i = 0; i < a.count; i += 2) {
    const which = a.oneOf(i, ['tcp', 'tcpfin', 'udp'] as const, 'lvs_timeouts protocol');
    const value = a.int(i + 1, 1, 86400 * 365, `lvs_timeouts ${a.text(i)}`);
    if (which === undefined || value === undefined) continue;
    if (which === 'tcp') t.tcpSec = value;
    else if (which === 'tcpfin') t.tcpFinSec = value;
    else t.udpSec = value;
  }
  g.lvsTimeouts = t;
}

function lvsSyncDaemon(a: Args, g: GlobalDefs): void {
  const iface = a.string(0, 'an interface name');
  if (iface === undefined) return;
  const d: NonNullable<GlobalDefs['lvsSyncDaemon']> = { interface: iface };
  let i = 1;
  // The VRRP instance may follow directly or after "inst".
  if (a.text(i) === 'inst') i++;
  if (a.text(i) !== undefined && !['id', 'maxlen', 'port', 'ttl', 'group'].includes(a.text(i) ?? '')) d.vrrpInstance = a.text(i++);
  for (; i < a.count; i += 2) {
    const option = a.oneOf(i, ['id', 'maxlen', 'port', 'ttl', 'group'] as const, 'lvs_sync_daemon option');
    if (option === 'id') d.syncId = a.int(i + 1, 0, 255, 'lvs_sync_daemon id');
    else if (option === 'maxlen') d.maxLen = a.int(i + 1, 1, 65507, 'lvs_sync_daemon maxlen');
    else if (option === 'port') d.port = a.int(i + 1, 1, 65535, 'lvs_sync_daemon port');
    else if (option === 'ttl') d.ttl = a.int(i + 1, 1, 255, 'lvs_sync_daemon ttl');
    else if (option === 'group') d.group = a.address(i + 1, 'lvs_sync_daemon group')?.address;
  }
  g.lvsSyncDaemon = d;
}

/** Without an argument the whole IPVS table is flushed on stop; with VS only the services of this configuration. */
function lvsFlushOnStop(a: Args, g: GlobalDefs): void {
  a.atMost(1);
  if (a.count === 0) {
    g.lvsFlushOnStop = 'all';
    return;
  }
  if (a.oneOf(0, ['VS'] as const, 'lvs_flush_on_stop type') === 'VS') g.lvsFlushOnStop = 'vs';
}

const HANDLERS: Handlers<GlobalDefs> = {
  router_id: (a, g) => set(g, 'routerId', a.string(0)),
  notification_email: (a, g) => {
    const body = needBlock(a);
    if (body) g.notificationEmail.push(...body.map((s) => [s.keyword, ...s.args.map((t) => t.text)].join(' ')));
  },
  notification_email_from: (a, g) => set(g, 'notificationEmailFrom', a.string(0)),
  smtp_server: (a, g) => {
    const host = a.string(0, 'an address or host name');
    if (host === undefined) return;
    const port = a.count > 1 ? a.port(1, 'smtp_server port') : 25;
    if (port !== undefined) g.smtpServer = { host, port };
  },
  smtp_helo_name: (a, g) => set(g, 'smtpHeloName', a.string(0)),
  smtp_connect_timeout: (a, g) => set(g, 'smtpConnectTimeoutMs', a.seconds(0, 1)),
  smtp_alert: (a, g) => set(g, 'smtpAlert', a.bool()),
  smtp_alert_vrrp: (a, g) => set(g, 'smtpAlertVrrp', a.bool()),
  smtp_alert_checker: (a, g) => set(g, 'smtpAlertChecker', a.bool()),
  no_email_faults: (_a, g) => { g.noEmailFaults = true; },
  enable_script_security: (_a, g) => { g.enableScriptSecurity = true; },
  script_user: (a, g) => {
    const user = a.string(0, 'a user name');
    if (user !== undefined) g.scriptUser = a.text(1) !== undefined ? { user, group: a.text(1) } : { user };
  },
  default_interface: (a, g) => set(g, 'defaultInterface', a.string(0)),
  lvs_timeouts: lvsTimeouts,
  lvs_sync_daemon: lvsSyncDaemon,
  lvs_flush: (_a, g) => { g.lvsFlush = true; },
  notify_fifo: (a, g) => notifyFifo(a, g, 'all'),
  vrrp_notify_fifo: (a, g) => notifyFifo(a, g, 'vrrp'),
  lvs_notify_fifo: (a, g) => notifyFifo(a, g, 'lvs'),
  notify_fifo_script: (a, g) => notifyFifoScript(a, g, 'all'),
  vrrp_notify_fifo_script: (a, g) => notifyFifoScript(a, g, 'vrrp'),
  lvs_notify_fifo_script: (a, g) => notifyFifoScript(a, g, 'lvs'),
  lvs_flush_on_stop: lvsFlushOnStop,
  // keepalived's older spelling of the same keyword.
  lvs_flush_onstop: lvsFlushOnStop,
  vrrp_mcast_group4: (a, g) => setVrrp(g, 'mcastGroup4', mcastGroup(a, '224.0.0.18')),
  vrrp_mcast_group6: (a, g) => setVrrp(g, 'mcastGroup6', mcastGroup(a, 'ff02::12')),
  vrrp_garp_master_delay: (a, g) => setVrrp(g, 'garpMasterDelaySec', a.int(0, 0, 86400)),
  vrrp_garp_master_repeat: (a, g) => setVrrp(g, 'garpMasterRepeat', garpRepeat(a)),
  vrrp_garp_master_refresh: (a, g) => setVrrp(g, 'garpMasterRefreshSec', a.int(0, 0, 86400)),
  vrrp_garp_master_refresh_repeat: (a, g) => setVrrp(g, 'garpMasterRefreshRepeat', garpRepeat(a)),
  vrrp_garp_lower_prio_delay: (a, g) => setVrrp(g, 'garpLowerPrioDelaySec', a.int(0, 0, 86400)),
  vrrp_garp_lower_prio_repeat: (a, g) => setVrrp(g, 'garpLowerPrioRepeat', a.int(0, 0, 10000)),
  vrrp_garp_interval: (a, g) => setVrrp(g, 'garpIntervalMs', a.seconds(0, 0, 1)),
  vrrp_gna_interval: (a, g) => setVrrp(g, 'gnaIntervalMs', a.seconds(0, 0, 1)),
  vrrp_version: (a, g) => setVrrp(g, 'version', a.int(0, 2, 3) as 2 | 3 | undefined),
  vrrp_strict: (a, g) => {
    g.vrrp.strict = true;
    a.unsupported('none of its RFC checks and fix-ups are made (authentication, for one, stays on)');
  },
  vrrp_skip_check_adv_addr: (_a, g) => { g.vrrp.skipCheckAdvAddr = true; },
  vrrp_check_unicast_src: (_a, g) => { g.vrrp.checkUnicastSrc = true; },
  vrrp_down_timer_adverts: (a, g) => setVrrp(g, 'downTimerAdverts', a.int(0, 1, 100)),
  vrrp_lower_prio_no_advert: (a, g) => setVrrp(g, 'lowerPrioNoAdvert', a.bool()),
  vrrp_higher_prio_send_advert: (a, g) => setVrrp(g, 'higherPrioSendAdvert', a.bool()),
  vrrp_startup_delay: (a, g) => setVrrp(g, 'startupDelayMs', a.seconds(0, 0, 3600)),
  startup_script: (a, g) => set(g, 'startupScript', a.script()),
  startup_script_timeout: (a, g) => set(g, 'startupScriptTimeoutMs', scriptTimeout(a)),
  shutdown_script: (a, g) => set(g, 'shutdownScript', a.script()),
  shutdown_script_timeout: (a, g) => set(g, 'shutdownScriptTimeoutMs', scriptTimeout(a)),
  rs_init_notifies: (a, g) => set(g, 'rsInitNotifies', a.bool()),
  ...ignored<GlobalDefs>(
    'checker_log_all_failures', 'enable_traps', 'enable_snmp_vrrp', 'enable_snmp_checker', 'enable_snmp_rfc',
    'enable_snmp_rfcv2', 'enable_snmp_rfcv3', 'snmp_socket', 'enable_dbus', 'dbus_service_name',
    'vrrp_iptables', 'vrrp_ipsets', 'nftables', 'nftables_priority', 'nftables_counters',
    'nftables_ifindex', 'nftables_ipvs', 'vrrp_priority', 'checker_priority', 'bfd_priority', 'vrrp_no_swap',
    'checker_no_swap', 'bfd_no_swap', 'vrrp_rt_priority', 'checker_rt_priority', 'bfd_rt_priority',
    'max_auto_priority', 'min_auto_priority_delay', 'process_names', 'process_name', 'vrrp_process_name',
    'checker_process_name', 'bfd_process_name', 'linkbeat_use_polling', 'dynamic_interfaces', 'vmac_prefix',
    'vmac_addr_prefix', 'umask', 'random_seed', 'log_unknown_vrids', 'no_checker_emails',
    'vrrp_min_garp', 'vrrp_garp_extra_if', 'vrrp_notify_priority_changes', 'net_namespace',
    'net_namespace_ipvs', 'instance', 'use_pid_dir', 'tmp_config_directory', 'config_save_dir', 'data_use_instance',
  ),
};

export function parseGlobalDefs(stmt: Statement, g: GlobalDefs, diags: Diagnostics): void {
  const a = new Args(stmt, 'global_defs', diags);
  const body = needBlock(a);
  if (!body) return;
  a.atMost(0);
  g.at = stmt.at;
  applyBlock(body, 'global_defs', HANDLERS, g, diags);
}
