// Loads keepalived.conf text written to a file of its own, as lvsd reads files.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig, type LoadResult, type SourceOptions } from '../../src/config';

/** The configuration `text` (lines joined with newlines) loads to; its file is gone afterwards. */
export function loadConfigText(text: string | string[], options: SourceOptions = {}): LoadResult & { file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvsd-config-'));
  const file = path.join(dir, 'keepalived.conf');
  try {
    fs.writeFileSync(file, Array.isArray(text) ? text.join('\n') : text);
    return { ...loadConfig(file, options), file };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
