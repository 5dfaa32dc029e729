// How a run ends and where its text goes: ipvsadm exits from deep inside
// its parsing, so Exit is thrown and caught once in main.

export const EXIT_FAIL = 2;
/** exit(-1) / return -1 from main, as the shell sees it. */
export const EXIT_ERROR = 255;
export const EXIT_LIST_ERROR = 1;

export class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** Standard output text held before it goes out in one write, when it streams. */
const STREAM_CHUNK = 64 * 1024;

/**
 * Collects stdout and stderr text; main writes both out when the run ends.
 * Given a sink, stdout text goes there in chunks as it comes (a large listing
 * is then never held whole): stdout still precedes stderr, which is held.
 */
export class Output {
  private readonly stdout: string[] = [];
  private readonly stderr: string[] = [];
  private held = 0;

  constructor(private readonly sink?: { write(text: string): unknown }) {}

  out(text: string): void {
    this.stdout.push(text);
    this.held += text.length;
    if (this.sink && this.held >= STREAM_CHUNK) this.sink.write(this.takeStdout());
  }

  err(text: string): void { this.stderr.push(text); }

  takeStdout(): string {
    this.held = 0;
    return this.stdout.splice(0).join('');
  }
  takeStderr(): string { return this.stderr.splice(0).join(''); }
}
