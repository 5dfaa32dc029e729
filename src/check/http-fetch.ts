// One HTTP GET the way keepalived's checker and genhash send it: a bare
// HTTP/1.0 (or 1.1 with Connection: close) request on a fresh TCP or TLS
// connection, the status line read, and the body after the headers hashed
// with MD5 as it streams in. Certificates are not verified, as keepalived.
import { createHash, type Hash } from 'node:crypto';
import { isIP, Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { HttpProtocol } from './types';
import { errorCode, hostPort, type Cancel } from './probe';

export interface HttpTarget {
  ip: string;
  port: number;
  bindTo?: string;
  bindPort?: number;
  tls: boolean;
  /** TLS server name to send (SNI); ignored for plain HTTP. */
  servername?: string;
  timeoutMs: number;
  /**
   * The whole exchange, however steadily the answer trickles in: without it an
   * endless body would hold its check (and a place among those in flight) for ever.
   */
  deadlineMs?: number;
}

export interface HttpRequest {
  path: string;
  /** Host header; defaults to "ip:port" as keepalived sends it. */
  virtualhost?: string;
  protocol: HttpProtocol;
  /** Read and hash the body; otherwise stop after the status line and headers (unless keepBody). */
  digest: boolean;
  /** Read the body and return its first MAX_KEPT_BODY bytes. */
  keepBody?: boolean;
}

export interface HttpResponse {
  status: number;
  /** MD5 hex of the body, when asked for. */
  digest?: string;
  /** The start of the body, when asked for. */
  body?: Buffer;
  bodyBytes: number;
}

/** A health page is small; a regex is matched against this much of the body at most. */
export const MAX_KEPT_BODY = 1024 * 1024;

const MAX_HEADER_BYTES = 64 * 1024;
const HEADER_END = Buffer.from('\r\n\r\n');

export function requestText(target: HttpTarget, req: HttpRequest): string {
  const version = req.protocol === '1.1' ? 'HTTP/1.1' : 'HTTP/1.0';
  const close = req.protocol === '1.0' ? '' : 'Connection: close\r\n';
  const host = req.virtualhost ?? hostPort(target.ip, target.port);
  return `GET ${req.path} ${version}\r\nUser-Agent: KeepAliveClient\r\n${close}Host: ${host}\r\n\r\n`;
}

export function httpFetch(
  target: HttpTarget,
  req: HttpRequest,
  done: (err: Error | null, res?: HttpResponse) => void,
): Cancel {
  const where = `GET ${target.tls ? 'https' : 'http'}://${hostPort(target.ip, target.port)}${req.path}`;
  let finished = false;
  let head: Buffer | null = Buffer.alloc(0);
  let status = 0;
  let hash: Hash | null = null;
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let bodyBytes = 0;
  let contentLength = -1;

  const socket = openSocket(target);
  // As keepalived: connect_timeout bounds each wait (for the connection, then for each
  // next part of the answer), not the whole exchange, so a slow large page still passes.
  let timer: NodeJS.Timeout;
  const wait = (what: string): void => {
    clearTimeout(timer);
    timer = setTimeout(fail, target.timeoutMs, `${what} within ${target.timeoutMs} ms`);
  };
  const finish = (err: Error | null, res?: HttpResponse): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    clearTimeout(deadline);
    socket.destroy();
    done(err, res);
  };
  const fail = (message: string): void => finish(new Error(`${where}: ${message}`));
  const deadline = target.deadlineMs === undefined ? undefined : setTimeout(() => {
    fail(`answer not complete within ${target.deadlineMs} ms (${bodyBytes} body bytes read)`);
  }, target.deadlineMs);
  const complete = (): void => {
    finish(null, { status, bodyBytes, digest: hash ? hash.digest('hex') : undefined, body: req.keepBody ? Buffer.concat(kept) : undefined });
  };
  wait('no connection');

  const onBody = (chunk: Buffer): void => {
    const take = contentLength >= 0 ? Math.min(chunk.length, contentLength - bodyBytes) : chunk.length;
    const part = take === chunk.length ? chunk : chunk.subarray(0, take);
    hash?.update(part);
    if (req.keepBody && keptBytes < MAX_KEPT_BODY) {
      const room = part.subarray(0, MAX_KEPT_BODY - keptBytes);
      kept.push(room);
      keptBytes += room.length;
    }
    bodyBytes += take;
    if (contentLength >= 0 && bodyBytes >= contentLength) complete();
  };

  socket.on('data', (chunk: Buffer) => {
    if (finished) return;
    wait('no more of the answer');
    if (head === null) { onBody(chunk); return; }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf(HEADER_END);
    if (end < 0) {
      if (head.length > MAX_HEADER_BYTES) fail(`response headers exceed ${MAX_HEADER_BYTES} bytes`);
      return;
    }
    const headers = head.subarray(0, end).toString('latin1');
    const rest = head.subarray(end + HEADER_END.length);
    head = null;
    // As keepalived reads it: a first word (any), a space, three digits, a space.
    const m = /^[^ \r\n]+ (\d{3}) /.exec(headers);
    if (!m) { fail(`malformed status line ${JSON.stringify(headers.split('\r\n')[0]!.slice(0, 80))}`); return; }
    status = Number(m[1]);
    if (!req.digest && !req.keepBody) { complete(); return; }
    const cl = /\r\ncontent-length:[ \t]*(\d+)/i.exec(headers);
    if (cl) contentLength = Number(cl[1]);
    if (req.digest) hash = createHash('md5');
    if (rest.length > 0 || contentLength === 0) onBody(rest);
  });
  socket.once('end', () => {
    if (head !== null) fail('connection closed before the response headers ended');
    else complete();
  });
  socket.once('error', (err) => fail(errorCode(err)));
  if (target.tls) socket.once('connect', () => wait('no TLS handshake'));
  socket.once(target.tls ? 'secureConnect' : 'connect', () => {
    wait('no answer');
    socket.write(requestText(target, req));
  });
  return () => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    clearTimeout(deadline);
    socket.destroy();
  };
}

function openSocket(target: HttpTarget): Socket {
  const base = {
    host: target.ip,
    port: target.port,
    localAddress: target.bindTo,
    localPort: target.bindPort,
  };
  if (!target.tls) return new Socket().connect(base);
  // Node refuses an IP address as server name; SNI only carries host names.
  const servername = target.servername !== undefined && isIP(target.servername) === 0 ? target.servername : undefined;
  return tlsConnect({ ...base, servername, rejectUnauthorized: false });
}
