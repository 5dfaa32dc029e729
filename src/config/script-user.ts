// Who runs a script the file gives no user for: global_defs script_user, else
// the keepalived_script account when the host has one, else lvsd's own user,
// as keepalived chooses its default script user.
import { readFileSync } from 'node:fs';
import type { KeepalivedConfig, Script, ScriptUser } from './model';

/** keepalived's account for scripts, used when script_user is not set and the host has it. */
const KEEPALIVED_SCRIPT_USER = 'keepalived_script';

function hasAccount(name: string, passwd: string): boolean {
  try {
    return readFileSync(passwd, 'utf8').split('\n').some((line) => line.split(':')[0] === name);
  } catch {
    return false;
  }
}

/** Every script of the file, wherever it is written. */
function allScripts(config: KeepalivedConfig): Script[] {
  const scripts: (Script | undefined)[] = [];
  for (const s of config.vrrpScripts) scripts.push(s.script);
  for (const f of config.global.notifyFifos) scripts.push(f.script);
  scripts.push(config.global.startupScript, config.global.shutdownScript);
  for (const owner of [...config.vrrpInstances, ...config.vrrpSyncGroups]) scripts.push(...Object.values(owner.notify));
  for (const vs of config.virtualServers) {
    scripts.push(vs.quorumUp, vs.quorumDown);
    for (const rs of vs.realServers) {
      scripts.push(rs.notifyUp, rs.notifyDown);
      for (const c of rs.checkers) if (c.type === 'MISC_CHECK') scripts.push(c.script);
    }
  }
  return scripts.filter((s): s is Script => s !== undefined);
}

/** Gives each script without a user of its own the default script user, if there is one. */
export function settleScriptUsers(config: KeepalivedConfig, passwd = '/etc/passwd'): void {
  const fallback: ScriptUser | undefined = config.global.scriptUser
    ?? (hasAccount(KEEPALIVED_SCRIPT_USER, passwd) ? { user: KEEPALIVED_SCRIPT_USER } : undefined);
  if (!fallback) return;
  for (const script of allScripts(config)) {
    if (script.user !== undefined) continue;
    script.user = fallback.user;
    if (fallback.group !== undefined) script.group = fallback.group;
  }
}
