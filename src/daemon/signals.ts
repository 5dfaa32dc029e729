// Signals that arrive while the daemon starts are held, not lost. Without a
// listener, Node's default for SIGHUP, SIGTERM and SIGINT ends the process,
// possibly half-way through the first change of the kernel table, and
// SIGUSR1 opens the inspector. The inbox listens from the first moment and
// hands what it holds to the running daemon.
export type DaemonSignal = 'SIGHUP' | 'SIGUSR1' | 'SIGTERM' | 'SIGINT';

const SIGNALS: readonly DaemonSignal[] = ['SIGHUP', 'SIGUSR1', 'SIGTERM', 'SIGINT'];

export class SignalInbox {
  private readonly held: DaemonSignal[] = [];
  private handler: ((signal: DaemonSignal) => void) | undefined;
  private readonly listener = (signal: DaemonSignal): void => {
    if (this.handler) this.handler(signal);
    else this.held.push(signal);
  };

  constructor() {
    for (const s of SIGNALS) process.on(s, this.listener);
  }

  /**
   * Signals go to handler from now on, those held first. A held SIGTERM or
   * SIGINT comes after the others: the kernel does not keep the order of
   * different pending signals, so what was asked besides a stop is done first.
   */
  deliverTo(handler: (signal: DaemonSignal) => void): void {
    this.handler = handler;
    const held = this.held.splice(0);
    const isStop = (s: DaemonSignal): boolean => s === 'SIGTERM' || s === 'SIGINT';
    for (const s of [...held.filter((s) => !isStop(s)), ...held.filter(isStop)]) handler(s);
  }

  /**
   * While stopping: a second SIGTERM or SIGINT ends the process at once (their
   * defaults back), while SIGHUP and SIGUSR1 stay caught, or their defaults
   * would end it half-way through the stop.
   */
  releaseStopSignals(): void {
    process.off('SIGTERM', this.listener);
    process.off('SIGINT', this.listener);
  }

  /** Gives every signal back its default. */
  close(): void {
    for (const s of SIGNALS) process.off(s, this.listener);
  }
}
