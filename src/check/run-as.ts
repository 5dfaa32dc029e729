// Resolves MISC_CHECK's "user USERNAME [GROUPNAME]" to numeric ids, reading
// the passwd and group files directly (no NSS): without a group, the user's
// primary group is used, as keepalived does. Numeric ids are taken as given.

import { readFileSync } from 'node:fs';

export interface RunAs { uid: number; gid: number }

export interface AccountFiles { passwd: string; group: string }

const SYSTEM_FILES: AccountFiles = { passwd: '/etc/passwd', group: '/etc/group' };

export function resolveRunAs(user: string, group?: string, files: AccountFiles = SYSTEM_FILES): RunAs {
  const account = findEntry(files.passwd, user, 'user');
  const uid = account ? Number(account[2]) : numericId(user, 'user', files.passwd);
  let gid: number;
  if (group !== undefined) {
    const entry = findEntry(files.group, group, 'group');
    gid = entry ? Number(entry[2]) : numericId(group, 'group', files.group);
  } else if (account) {
    gid = Number(account[3]);
  } else {
    throw new Error(`user ${uid} is numeric and not in ${files.passwd}: give a group too`);
  }
  return { uid, gid };
}

function findEntry(path: string, name: string, what: string): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${path} to resolve ${what} ${JSON.stringify(name)}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const fields = lines[i]!.split(':');
    if (fields[0] !== name) continue;
    if (fields.length < (what === 'user' ? 4 : 3) || !/^\d+$/.test(fields[2]!) || (what === 'user' && !/^\d+$/.test(fields[3]!))) {
      throw new Error(`${path}:${i + 1}: malformed entry for ${what} ${JSON.stringify(name)}`);
    }
    return fields;
  }
  return undefined;
}

function numericId(value: string, what: string, path: string): number {
  if (/^\d+$/.test(value) && Number(value) < 2 ** 32 - 1) return Number(value);
  throw new Error(`unknown ${what} ${JSON.stringify(value)}: not in ${path}`);
}
