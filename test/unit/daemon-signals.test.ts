// The daemon's signal inbox: what arrives before the daemon runs is held and
// handed over once it does, a stop last; closing gives the signals back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignalInbox, type DaemonSignal } from '../../src/daemon/signals';

const send = (signal: DaemonSignal): boolean => process.emit(signal as 'SIGTERM', signal as 'SIGTERM');

test('signals held during start-up are handed over, a stop after the others', () => {
  const inbox = new SignalInbox();
  try {
    for (const s of ['SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGHUP'] as const) send(s);
    const got: DaemonSignal[] = [];
    inbox.deliverTo((s) => got.push(s));
    assert.deepEqual(got, ['SIGHUP', 'SIGUSR1', 'SIGHUP', 'SIGTERM']);
    send('SIGINT');
    assert.deepEqual(got.at(-1), 'SIGINT', 'later signals go straight to the handler');
  } finally {
    inbox.close();
  }
});

test('close removes the inbox\'s listeners', () => {
  const signals = ['SIGHUP', 'SIGUSR1', 'SIGTERM', 'SIGINT'] as const;
  const before = signals.map((s) => process.listenerCount(s));
  const inbox = new SignalInbox();
  assert.deepEqual(signals.map((s) => process.listenerCount(s)), before.map((n) => n + 1));
  inbox.close();
  assert.deepEqual(signals.map((s) => process.listenerCount(s)), before);
});

test('while stopping, a second SIGTERM or SIGINT has its default again; SIGHUP and SIGUSR1 stay caught', () => {
  const signals = ['SIGHUP', 'SIGUSR1', 'SIGTERM', 'SIGINT'] as const;
  const before = signals.map((s) => process.listenerCount(s));
  const inbox = new SignalInbox();
  try {
    inbox.deliverTo(() => undefined);
    inbox.releaseStopSignals();
    assert.deepEqual(signals.map((s) => process.listenerCount(s)), [before[0]! + 1, before[1]! + 1, before[2], before[3]]);
  } finally {
    inbox.close();
  }
  assert.deepEqual(signals.map((s) => process.listenerCount(s)), before);
});
