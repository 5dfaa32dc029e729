// Output and -R input through the descriptor, and through the stream when the descriptor refuses them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { descriptorSink, descriptorText } from '../../src/cli/lvsadm/stdio';

test('text goes to the descriptor whole, and the stream is not touched', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsadm-stdio-'));
  try {
    const file = join(dir, 'out');
    const fd = openSync(file, 'w');
    const text = `héllo\n${'x'.repeat(200000)}\n`;
    descriptorSink(fd, () => assert.fail('the stream was opened')).write(text);
    closeSync(fd);
    assert.equal(readFileSync(file, 'utf8'), text);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a descriptor that refuses the text hands it to the stream', () => {
  const got: Buffer[] = [];
  const stream = { write: (chunk: Buffer): boolean => { got.push(Buffer.from(chunk)); return true; } } as unknown as NodeJS.WritableStream;
  descriptorSink(-1, () => stream).write('listing\n');
  assert.equal(Buffer.concat(got).toString(), 'listing\n');
});

test('-R input is read from the descriptor to its end, and the stream is not touched', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsadm-stdio-'));
  try {
    const file = join(dir, 'rules');
    // Over one read's worth, with a multi-byte character across the 64 KiB boundary.
    const text = `${'x'.repeat(65535)}é\n-A -t 10.0.0.1:80\n`;
    writeFileSync(file, text);
    const fd = openSync(file, 'r');
    try {
      assert.equal(await descriptorText(fd, () => assert.fail('the stream was opened')), text);
    } finally {
      closeSync(fd);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('input the descriptor refuses comes from the stream', async () => {
  assert.equal(await descriptorText(-1, () => Readable.from([Buffer.from('-C\n'), '-L -n\n'])), '-C\n-L -n\n');
});
