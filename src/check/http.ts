// HTTP_GET and SSL_GET: every url must answer with an accepted status code
// and, when configured, a body whose MD5 matches the digest and which
// matches the regex (or, with regex_no_match, does not).
import type { ConnectOptions, HttpCheck, StatusRange, UrlCheck } from './types';
import { httpFetch, type HttpTarget } from './http-fetch';
import type { Cancel, Probe, ProbeDone } from './probe';

export function httpProbe(spec: HttpCheck & ConnectOptions): Probe {
  return (done: ProbeDone): Cancel => {
    let cancelCurrent: Cancel = () => undefined;
    let cancelled = false;
    const step = (index: number): void => {
      if (cancelled) return;
      if (index === spec.urls.length) {
        done({ ok: true, reason: `${spec.urls.length} url(s) answered as expected` });
        return;
      }
      const url = spec.urls[index]!;
      const virtualhost = url.virtualhost ?? spec.virtualhost;
      const target: HttpTarget = {
        ip: spec.connectIp,
        port: spec.connectPort,
        bindTo: spec.bindTo,
        bindPort: spec.bindPort,
        tls: spec.kind === 'SSL_GET',
        servername: spec.enableSni ? url.virtualhost ?? spec.sniHost : undefined,
        timeoutMs: spec.connectTimeoutMs,
      };
      cancelCurrent = httpFetch(
        target,
        { path: url.path, virtualhost, protocol: spec.httpProtocol, digest: url.digest !== undefined, keepBody: url.regex !== undefined },
        (err, res) => {
          if (cancelled) return;
          if (err) { done({ ok: false, reason: err.message }); return; }
          const verdict = judge(url, res!.status, res!.digest, res!.body);
          if (verdict) { done({ ok: false, reason: `GET ${url.path}: ${verdict}` }); return; }
          step(index + 1);
        },
      );
    };
    step(0);
    return () => { cancelled = true; cancelCurrent(); };
  };
}

/** Why a response is not acceptable, or undefined when it is. */
export function judge(url: UrlCheck, status: number, digest: string | undefined, body?: Buffer): string | undefined {
  if (!statusAccepted(url.statusCodes, status)) return `status ${status} not in ${formatRanges(url.statusCodes)}`;
  if (url.digest !== undefined && digest !== url.digest) return `body digest ${digest} differs from expected ${url.digest}`;
  if (url.regex !== undefined) {
    const text = (body ?? Buffer.alloc(0)).toString('latin1');
    // keepalived's PCRE lets $ match before a final newline too (unless dollar_endonly); a JavaScript $ only at the very end.
    const matches = regexMatches(url, text) || (!url.regexDollarEndOnly && text.endsWith('\n') && regexMatches(url, text.slice(0, -1)));
    if (matches && url.regexNoMatch) return `body matches regex ${JSON.stringify(url.regex)} (regex_no_match)`;
    if (!matches && !url.regexNoMatch) return `body does not match regex ${JSON.stringify(url.regex)}`;
  }
  return undefined;
}

/** Whether the body has a match starting within regex_min_offset..regex_max_offset (the whole body by default). */
function regexMatches(url: UrlCheck, text: string): boolean {
  const re = new RegExp(url.regex!, `${url.regexFlags ?? ''}g`);
  re.lastIndex = url.regexMinOffset ?? 0;
  const m = re.exec(text);
  return m !== null && (url.regexMaxOffset === undefined || m.index <= url.regexMaxOffset);
}

export function statusAccepted(ranges: StatusRange[], status: number): boolean {
  return ranges.some((r) => status >= r.min && status <= r.max);
}

function formatRanges(ranges: StatusRange[]): string {
  return ranges.map((r) => (r.min === r.max ? `${r.min}` : `${r.min}-${r.max}`)).join(' ');
}
