// SMTP_CHECK: the server must greet with 220, answer HELO with 250, and
// answer QUIT (with anything), all within connect_timeout. As keepalived, a
// status is three digits followed by a space or the end of the line, so a
// multi-line "220-" greeting fails.
import { Socket } from 'node:net';
import type { ConnectOptions, SmtpCheck } from './types';
import { errorCode, hostPort, type Probe } from './probe';
import { connectOptions } from './tcp';

/** keepalived's line buffer: a longer line is a broken server, not a greeting. */
const MAX_LINE = 512;

function status(line: string): number {
  const m = /^(\d{3})(?: |$)/.exec(line);
  return m ? Number(m[1]) : -1;
}

export function smtpProbe(spec: SmtpCheck & ConnectOptions): Probe {
  const target = hostPort(spec.connectIp, spec.connectPort);
  return (done) => {
    const socket = new Socket();
    let finished = false;
    let buffer = '';
    let step: 'banner' | 'helo' | 'quit' = 'banner';
    const finish = (ok: boolean, reason: string): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.destroy();
      done({ ok, reason: `SMTP ${target}: ${reason}` });
    };
    const timer = setTimeout(() => finish(false, `${step === 'banner' ? 'no greeting' : `no answer to ${step.toUpperCase()}`} within ${spec.connectTimeoutMs} ms`), spec.connectTimeoutMs);
    const onLine = (line: string): void => {
      if (step === 'banner') {
        if (status(line) !== 220) { finish(false, `bad greeting ${JSON.stringify(line.slice(0, 80))}`); return; }
        step = 'helo';
        socket.write(`HELO ${spec.heloName}\r\n`);
      } else if (step === 'helo') {
        if (status(line) !== 250) { finish(false, `bad answer to HELO ${JSON.stringify(line.slice(0, 80))}`); return; }
        step = 'quit';
        socket.write('QUIT\r\n');
      } else {
        finish(true, 'greeted, answered HELO and QUIT');
      }
    };
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while (!finished && (end = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, end).replace(/\r$/, '');
        buffer = buffer.slice(end + 1);
        onLine(line);
      }
      if (!finished && buffer.length > MAX_LINE) finish(false, `a line longer than ${MAX_LINE} bytes`);
    });
    socket.on('end', () => finish(false, `connection closed ${step === 'banner' ? 'before the greeting' : `before the answer to ${step.toUpperCase()}`}`));
    socket.on('error', (err: Error) => finish(false, errorCode(err)));
    try {
      socket.connect(connectOptions(spec));
    } catch (err) {
      process.nextTick(finish, false, errorCode(err));
    }
    return () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.destroy();
    };
  };
}
