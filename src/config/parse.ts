// The top level of keepalived.conf: dispatches each block to its parser and
// collects the results into one KeepalivedConfig.
import { Diagnostics } from './diagnostics';
import { emptyGlobalDefs, parseGlobalDefs } from './global';
import { parseVirtualServer, parseVirtualServerGroup } from './lvs';
import { KeepalivedConfig } from './model';
import { Statement } from './tree';
import { parseVrrpInstance, parseVrrpScript, parseVrrpSyncGroup } from './vrrp';

/** Top-level blocks keepalived knows that lvsd does not act on. */
const IGNORED_TOP_LEVEL = new Set([
  'static_ipaddress', 'static_routes', 'static_rules', 'static_track_group', 'linkbeat_interfaces',
  'track_file', 'vrrp_track_file', 'vrrp_track_process', 'bfd_instance', 'garp_group', 'SSL',
  'net_namespace', 'net_namespace_ipvs', 'namespace_with_ipsets', 'instance', 'use_pid_dir',
  'linkbeat_use_polling', 'child_wait_time',
]);

export function emptyConfig(): KeepalivedConfig {
  return {
    global: emptyGlobalDefs(),
    vrrpScripts: [],
    vrrpSyncGroups: [],
    vrrpInstances: [],
    virtualServerGroups: [],
    virtualServers: [],
  };
}

export function buildConfig(top: Statement[], diags: Diagnostics): KeepalivedConfig {
  const config = emptyConfig();
  const push = <T>(list: T[], item: T | undefined) => {
    if (item) list.push(item);
  };
  for (const stmt of top) {
    switch (stmt.keyword) {
      case 'global_defs': parseGlobalDefs(stmt, config.global, diags); break;
      case 'vrrp_script': push(config.vrrpScripts, parseVrrpScript(stmt, diags)); break;
      case 'vrrp_instance': push(config.vrrpInstances, parseVrrpInstance(stmt, diags)); break;
      case 'vrrp_sync_group': push(config.vrrpSyncGroups, parseVrrpSyncGroup(stmt, diags)); break;
      case 'virtual_server_group': push(config.virtualServerGroups, parseVirtualServerGroup(stmt, diags)); break;
      case 'virtual_server': push(config.virtualServers, parseVirtualServer(stmt, diags)); break;
      default:
        if (!IGNORED_TOP_LEVEL.has(stmt.keyword)) diags.warning(stmt.at, stmt.keyword, 'unknown top-level keyword ignored');
    }
  }
  return config;
}
