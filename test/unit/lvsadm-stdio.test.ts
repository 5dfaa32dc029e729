// Output and -R input through the descriptor, and through the stream when the descriptor refuses them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { descriptorChunks, descriptorSink } from '../../src/cli/lvsadm/stdio';

test('text goes to the descriptor whole, and the stream is not touched', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsadm-stdio-'));
  try {
    const file = join(dir, 'out');
    const fd = openSync(file, 'w');
    const text = `héllo\n${'x'.repeat(200000)}\n`;
    descriptorSink(fd, () => assert.fail('the stream was opened'), (e) => assert.fail(e)).write(text);
    closeSync(fd);
    assert.equal(readFileSync(file, 'utf8'), text);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A FIFO opened non-blocking at both ends, so that writes beyond its buffer get EAGAIN. */
async function withFifo(run: (fifo: string) => void | Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lvsadm-stdio-'));
  try {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    await run(fifo);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('what a full non-blocking pipe refuses goes to the stream, in order', async () => {
  await withFifo((fifo) => {
    const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    try {
      const got: Buffer[] = [];
      const stream = new Writable({ write(chunk: Buffer, _encoding, done) { got.push(chunk); done(); } });
      const text = 'y'.repeat(300000);
      descriptorSink(fd, () => stream, (e) => assert.fail(e)).write(text);
      const rest = Buffer.concat(got).toString();
      assert.ok(rest.length > 0 && rest.length < text.length, `the stream got ${rest.length} bytes`);
      // The pipe holds the first part; the stream continues from where it stopped.
      const held = Buffer.alloc(text.length);
      const n = readSync(fd, held, 0, held.length, null);
      assert.equal(n + rest.length, text.length);
    } finally {
      closeSync(fd);
    }
  });
});

test('a pipe whose reader is gone ends in onFailure with EPIPE, not in a stream error', async () => {
  await withFifo((fifo) => {
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writer = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    closeSync(reader);
    try {
      const failures: string[] = [];
      descriptorSink(writer, () => assert.fail('the stream was opened'), (e) => failures.push(e.code ?? '')).write('listing\n');
      assert.deepEqual(failures, ['EPIPE']);
    } finally {
      closeSync(writer);
    }
  });
});

test('an error the stream reports later goes to onFailure', async () => {
  await withFifo(async (fifo) => {
    const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    try {
      const failures: string[] = [];
      const stream = new Writable({ write(_chunk, _encoding, done) { done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })); } });
      descriptorSink(fd, () => stream, (e) => failures.push(e.code ?? '')).write('z'.repeat(300000));
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(failures, ['EPIPE']);
    } finally {
      closeSync(fd);
    }
  });
});

/** Everything descriptorChunks gives, and in how many chunks. */
async function drain(fd: number, stream: () => NodeJS.ReadableStream): Promise<{ text: string; chunks: number }> {
  const chunks: Buffer[] = [];
  for await (const chunk of descriptorChunks(fd, stream)) chunks.push(chunk);
  return { text: Buffer.concat(chunks).toString('utf8'), chunks: chunks.length };
}

test('-R input from a file is read whole from the descriptor, and the stream is not touched', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsadm-stdio-'));
  try {
    const file = join(dir, 'rules');
    const text = `${'x'.repeat(65535)}é\n-A -t 10.0.0.1:80\n`;
    writeFileSync(file, text);
    const fd = openSync(file, 'r');
    try {
      assert.deepEqual(await drain(fd, () => assert.fail('the stream was opened')), { text, chunks: 1 });
    } finally {
      closeSync(fd);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('input the descriptor refuses comes from the stream', async () => {
  assert.deepEqual(await drain(-1, () => Readable.from([Buffer.from('-C\n'), '-L -n\n'])), { text: '-C\n-L -n\n', chunks: 2 });
});
