// HTTP_GET and SSL_GET: every url must answer with an accepted status code
// and, when configured, a body whose MD5 matches the digest and which
// matches the regex (or, with regex_no_match, does not).
import type { CheckTiming, ConnectOptions, HttpCheck, StatusRange, UrlCheck } from './types';
import { httpFetch, type HttpTarget } from './http-fetch';
import type { Cancel, Probe, ProbeDone } from './probe';
import { regexMatcher, type RegexMatcher } from './regex-match';

export function httpProbe(spec: HttpCheck & ConnectOptions & Pick<CheckTiming, 'delayLoopMs'>, matcher: RegexMatcher = regexMatcher): Probe {
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
        // A page that takes longer than a round and a connect_timeout more fails its round.
        deadlineMs: spec.delayLoopMs + spec.connectTimeoutMs,
      };
      cancelCurrent = httpFetch(
        target,
        { path: url.path, virtualhost, protocol: spec.httpProtocol, digest: url.digest !== undefined, keepBody: url.regex !== undefined },
        (err, res) => {
          if (cancelled) return;
          if (err) { done({ ok: false, reason: err.message }); return; }
          const verdict = judge(url, res!.status, res!.digest);
          if (verdict) { done({ ok: false, reason: `GET ${url.path}: ${verdict}` }); return; }
          if (url.regex === undefined) { step(index + 1); return; }
          void judgeBody({ ...url, regex: url.regex }, res!.body ?? Buffer.alloc(0), matcher).then((why) => {
            if (cancelled) return;
            if (why) { done({ ok: false, reason: `GET ${url.path}: ${why}` }); return; }
            step(index + 1);
          });
        },
      );
    };
    step(0);
    return () => { cancelled = true; cancelCurrent(); };
  };
}

/** Why the status or digest of a response is not acceptable, or undefined when they are. */
export function judge(url: UrlCheck, status: number, digest: string | undefined): string | undefined {
  if (!statusAccepted(url.statusCodes, status)) return `status ${status} not in ${formatRanges(url.statusCodes)}`;
  if (url.digest !== undefined && digest !== url.digest) return `body digest ${digest} differs from expected ${url.digest}`;
  return undefined;
}

/** Why the body does not satisfy the url's regex (matched off the event loop), or undefined when it does. */
async function judgeBody(url: UrlCheck & { regex: string }, body: Buffer, matcher: RegexMatcher): Promise<string | undefined> {
  const verdict = await matcher.match(url, body);
  if ('failed' in verdict) return verdict.failed;
  if (verdict.matches && url.regexNoMatch) return `body matches regex ${JSON.stringify(url.regex)} (regex_no_match)`;
  if (!verdict.matches && !url.regexNoMatch) return `body does not match regex ${JSON.stringify(url.regex)}`;
  return undefined;
}

export function statusAccepted(ranges: StatusRange[], status: number): boolean {
  return ranges.some((r) => status >= r.min && status <= r.max);
}

function formatRanges(ranges: StatusRange[]): string {
  return ranges.map((r) => (r.min === r.max ? `${r.min}` : `${r.min}-${r.max}`)).join(' ');
}
