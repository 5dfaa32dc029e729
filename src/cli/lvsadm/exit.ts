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

/** Collects stdout and stderr text; main writes both out when the run ends. */
export class Output {
  private readonly stdout: string[] = [];
  private readonly stderr: string[] = [];

  out(text: string): void { this.stdout.push(text); }
  err(text: string): void { this.stderr.push(text); }

  takeStdout(): string { return this.stdout.splice(0).join(''); }
  takeStderr(): string { return this.stderr.splice(0).join(''); }
}
