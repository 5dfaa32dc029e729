// genhash: the MD5 digest of a URL's body, computed exactly as HTTP_GET and
// SSL_GET compute it, so its output can be pasted into a url's digest.
import { isIP } from 'node:net';
import { httpFetch } from './http-fetch';
import type { HttpProtocol } from './types';

export interface GenhashOptions {
  server: string;
  port: number;
  path: string;
  ssl?: boolean;
  /** Host header. */
  virtualhost?: string;
  /** Send the virtualhost as TLS server name. */
  sni?: boolean;
  protocol?: HttpProtocol;
  bindTo?: string;
  timeoutMs?: number;
}

export interface GenhashResult {
  /** Lower-case MD5 hex, what genhash prints on its last line. */
  digest: string;
  status: number;
  bodyBytes: number;
}

export function genhash(options: GenhashOptions): Promise<GenhashResult> {
  if (isIP(options.server) === 0) return Promise.reject(new Error(`genhash: server must be an IP address, got ${JSON.stringify(options.server)}`));
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
    return Promise.reject(new Error(`genhash: port must be 1-65535, got ${options.port}`));
  }
  if (!options.path.startsWith('/')) return Promise.reject(new Error(`genhash: url must start with /, got ${JSON.stringify(options.path)}`));
  return new Promise((resolve, reject) => {
    httpFetch(
      {
        ip: options.server,
        port: options.port,
        bindTo: options.bindTo,
        tls: options.ssl ?? false,
        servername: options.sni ? options.virtualhost : undefined,
        timeoutMs: options.timeoutMs ?? 5000,
      },
      { path: options.path, virtualhost: options.virtualhost, protocol: options.protocol ?? '1.0', digest: true },
      (err, res) => (err ? reject(err) : resolve({ digest: res!.digest!, status: res!.status, bodyBytes: res!.bodyBytes })),
    );
  });
}
