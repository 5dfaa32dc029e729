// The top level of keepalived.conf: dispatches each block to its parser and
// collects the results into one KeepalivedConfig.
import { Diagnostics } from './diagnostics';
import { emptyGlobalDefs, parseGlobalDefs } from './global';
import { parseVirtualServer, parseVirtualServerGroup, settleGroupProtocol } from './lvs';
import { KeepalivedConfig, VirtualServer } from './model';
import { settleScriptUsers } from './script-user';
import { Statement } from './tree';
import { parseGarpGroup, parseTrackFile, parseTrackProcess, parseVrrpInstance, parseVrrpScript, parseVrrpSyncGroup, settleVrrpInstances, virtualIpAddresses, virtualRoutes } from './vrrp';
import { Args } from './values';

/** Top-level blocks keepalived knows that lvsd does not act on. */
/** Definitions used only by keywords that warn where they are used, and settings of keepalived's own process. */
const IGNORED_TOP_LEVEL = new Set([
  'static_track_group', 'bfd_instance',
  'namespace_with_ipsets', 'instance', 'use_pid_dir', 'linkbeat_use_polling', 'child_wait_time',
]);

/** Top-level blocks whose effect lvsd does not provide, and what is then missing. */
const UNSUPPORTED_TOP_LEVEL = new Map([
  ['static_rules', 'these ip rules are not added; add them with the system\'s network configuration'],
  ['net_namespace', 'lvsd runs in the namespace it is started in: start it with ip netns exec NAME'],
  ['net_namespace_ipvs', 'lvsd drives the IPVS table of the namespace it is started in'],
  ['SSL', 'SSL_GET checks present no client certificate'],
  ['linkbeat_interfaces', 'links are watched through rtnetlink'],
]);

export function emptyConfig(): KeepalivedConfig {
  return {
    global: emptyGlobalDefs(),
    vrrpScripts: [],
    trackFiles: [],
    trackProcesses: [],
    garpGroups: [],
    staticAddresses: [],
    staticRoutes: [],
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
  const unsettledGroups: VirtualServer[] = [];
  for (const stmt of top) {
    switch (stmt.keyword) {
      case 'global_defs': parseGlobalDefs(stmt, config.global, diags); break;
      case 'vrrp_script': push(config.vrrpScripts, parseVrrpScript(stmt, diags)); break;
      case 'track_file': case 'vrrp_track_file': push(config.trackFiles, parseTrackFile(stmt, diags)); break;
      case 'vrrp_track_process': push(config.trackProcesses, parseTrackProcess(stmt, diags)); break;
      case 'garp_group': push(config.garpGroups, parseGarpGroup(stmt, diags)); break;
      case 'static_ipaddress': config.staticAddresses.push(...virtualIpAddresses(new Args(stmt, stmt.keyword, diags), diags)); break;
      case 'static_routes': config.staticRoutes.push(...virtualRoutes(new Args(stmt, stmt.keyword, diags), diags)); break;
      case 'vrrp_instance': push(config.vrrpInstances, parseVrrpInstance(stmt, diags)); break;
      case 'vrrp_sync_group': push(config.vrrpSyncGroups, parseVrrpSyncGroup(stmt, diags)); break;
      case 'virtual_server_group': push(config.virtualServerGroups, parseVirtualServerGroup(stmt, diags)); break;
      case 'virtual_server': {
        const parsed = parseVirtualServer(stmt, diags);
        if (parsed) config.virtualServers.push(parsed.vs);
        if (parsed && !parsed.protocolGiven) unsettledGroups.push(parsed.vs);
        break;
      }
      default:
        if (UNSUPPORTED_TOP_LEVEL.has(stmt.keyword)) diags.warning(stmt.at, stmt.keyword, `not supported and ignored: ${UNSUPPORTED_TOP_LEVEL.get(stmt.keyword)}`);
        else if (!IGNORED_TOP_LEVEL.has(stmt.keyword)) diags.warning(stmt.at, stmt.keyword, 'unknown top-level keyword ignored');
    }
  }
  for (const vs of unsettledGroups) settleGroupProtocol(vs, config.virtualServerGroups, diags);
  settleVrrpInstances(config, diags);
  settleScriptUsers(config);
  return config;
}
