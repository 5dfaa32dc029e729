// The process's standard streams, touched only as needed: the stream objects
// behind process.stdout and process.stdin load some twenty internal modules,
// a good part of a short listing's start-up. Output goes out with plain
// write(2) calls on the descriptor, -R input comes in with read(2) calls.
import { fstatSync, readFileSync, readSync, writeSync } from 'node:fs';

export interface TextSink { write(text: string): unknown }

/** How a sink ends a run when its reader is gone (EPIPE) or the descriptor fails. */
export type SinkFailure = (error: NodeJS.ErrnoException) => void;

/**
 * Writes to a descriptor; whatever it refuses for now (a non-blocking pipe)
 * goes to the stream. A write that fails for good, at once or later through
 * the stream, goes to onFailure instead of an unhandled stream error.
 */
export function descriptorSink(fd: number, stream: () => NodeJS.WritableStream, onFailure: SinkFailure): TextSink {
  let fallback: NodeJS.WritableStream | undefined;
  return {
    write(text: string): void {
      const bytes = Buffer.from(text);
      let done = 0;
      try {
        while (done < bytes.length) done += writeSync(fd, bytes, done);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') {
          onFailure(e as NodeJS.ErrnoException);
          return;
        }
        if (!fallback) {
          fallback = stream();
          fallback.on('error', onFailure);
        }
        fallback.write(bytes.subarray(done));
      }
    },
  };
}

const READ_CHUNK = 64 * 1024;

/**
 * A descriptor's bytes as they arrive, up to end of file: each read(2) as it
 * returns, so a writer that keeps a pipe open is served line by line, as by
 * ipvsadm -R. Whatever read(2) refuses (a non-blocking pipe with nothing
 * ready, a closed descriptor) is left to the stream, which reads the rest and
 * reports errors its usual way.
 */
export async function* descriptorChunks(fd: number, stream: () => NodeJS.ReadableStream): AsyncGenerator<Buffer> {
  // A file never makes a reader wait: read whole, it is sent in the fewest pipelined batches.
  if (isRegularFile(fd)) {
    yield readFileSync(fd);
    return;
  }
  for (;;) {
    const chunk = Buffer.allocUnsafe(READ_CHUNK);
    let n: number;
    try {
      n = readSync(fd, chunk, 0, READ_CHUNK, null);
    } catch {
      for await (const rest of stream()) yield typeof rest === 'string' ? Buffer.from(rest) : rest as Buffer;
      return;
    }
    if (n === 0) return;
    yield chunk.subarray(0, n);
  }
}

function isRegularFile(fd: number): boolean {
  try {
    return fstatSync(fd).isFile();
  } catch {
    return false;
  }
}
