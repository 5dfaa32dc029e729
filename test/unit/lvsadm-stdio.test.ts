// Output through the descriptor, and through the stream when the descriptor refuses it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { descriptorSink } from '../../src/cli/lvsadm/stdio';

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
