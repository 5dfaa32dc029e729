// The process's standard streams, touched only as needed: the stream objects
// behind process.stdout and process.stdin load some twenty internal modules,
// a good part of a short listing's start-up. Output goes out with plain
// write(2) calls on the descriptor.
import { writeSync } from 'node:fs';

export interface TextSink { write(text: string): unknown }

/** Writes to a descriptor; whatever it refuses (a non-blocking pipe, a closed reader) goes to the stream, which reports errors its usual way. */
export function descriptorSink(fd: number, stream: () => NodeJS.WritableStream): TextSink {
  return {
    write(text: string): void {
      const bytes = Buffer.from(text);
      let done = 0;
      try {
        while (done < bytes.length) done += writeSync(fd, bytes, done);
      } catch {
        stream().write(bytes.subarray(done));
      }
    },
  };
}
