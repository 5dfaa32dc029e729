// The thread that runs url regexes for HTTP_GET / SSL_GET (see regex-match.ts).
import { parentPort } from 'node:worker_threads';
import { bodyMatches, type BodyRegex } from './body-regex';

export interface RegexJob { id: number; spec: BodyRegex; body: Uint8Array }
export interface RegexAnswer { id: number; matches?: boolean; error?: string }

parentPort?.on('message', (job: RegexJob) => {
  let answer: RegexAnswer;
  try {
    answer = { id: job.id, matches: bodyMatches(job.spec, Buffer.from(job.body.buffer, job.body.byteOffset, job.body.byteLength).toString('latin1')) };
  } catch (e) {
    answer = { id: job.id, error: (e as Error).message };
  }
  parentPort!.postMessage(answer);
});
