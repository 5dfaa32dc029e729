// Reads a keepalived.conf (with its includes) into the typed model and
// reports every problem found, without touching the system.
import { Diagnostic, Diagnostics } from './diagnostics';
import { buildConfig } from './parse';
import { KeepalivedConfig } from './model';
import { readSource, SourceOptions } from './source';
import { buildTree } from './tree';
import { validateConfig } from './validate';

export * from './model';
export { Diagnostic, formatDiagnostic, SourceLocation } from './diagnostics';
export { SourceOptions, defaultConfigId } from './source';

export interface LoadResult {
  config: KeepalivedConfig;
  diagnostics: Diagnostic[];
  /** True when no diagnostic is an error. */
  ok: boolean;
}

export const DEFAULT_CONFIG_FILE = '/etc/keepalived/keepalived.conf';

export function loadConfig(file: string, options: SourceOptions = {}): LoadResult {
  const diags = new Diagnostics();
  const lines = readSource(file, diags, options);
  const config = buildConfig(buildTree(lines, diags), diags);
  validateConfig(config, diags);
  return { config, diagnostics: diags.list, ok: !diags.hasErrors() };
}
