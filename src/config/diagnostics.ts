// Problems found in a configuration, each pinned to the file and line that
// caused it, so an operator can fix them all in one pass.

export interface SourceLocation {
  file: string;
  /** 1-based; 0 when the problem concerns the file as a whole. */
  line: number;
}

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  severity: Severity;
  file: string;
  line: number;
  /** The block (or top-level keyword) whose content is at fault, e.g. "real_server". */
  keyword: string;
  message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  const level = d.severity === 'warning' ? 'warning: ' : '';
  const where = d.line > 0 ? `${d.file}:${d.line}` : d.file;
  return `${where}: ${level}${d.keyword}: ${d.message}`;
}

export class Diagnostics {
  readonly list: Diagnostic[] = [];

  error(at: SourceLocation, keyword: string, message: string): void {
    this.list.push({ severity: 'error', file: at.file, line: at.line, keyword, message });
  }

  warning(at: SourceLocation, keyword: string, message: string): void {
    this.list.push({ severity: 'warning', file: at.file, line: at.line, keyword, message });
  }

  get errors(): Diagnostic[] {
    return this.list.filter((d) => d.severity === 'error');
  }

  get warnings(): Diagnostic[] {
    return this.list.filter((d) => d.severity === 'warning');
  }

  hasErrors(): boolean {
    return this.list.some((d) => d.severity === 'error');
  }
}
