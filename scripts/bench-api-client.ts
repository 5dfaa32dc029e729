// REST API load for scripts/bench-api.sh: adds COUNT real servers to SERVICE
// through lvsd's API with IN_FLIGHT requests at a time, and prints one JSON
// line: latency percentiles (each request includes the kernel change and the
// saved state) and throughput.
// Usage: node bench-api-client.js URL TOKEN SERVICE COUNT IN_FLIGHT SUBNET
import { request } from 'node:http';
import { Agent } from 'node:http';

const [base = '', token = '', service = '', countText = '1000', inFlightText = '1', subnet = '10.201'] = process.argv.slice(2);
const count = Number(countText);
const inFlight = Number(inFlightText);
const agent = new Agent({ keepAlive: true, maxSockets: inFlight });

function add(i: number): Promise<number> {
  const body = JSON.stringify({ address: `${subnet}.${Math.floor(i / 250)}.${(i % 250) + 2}`, port: 8080, weight: 1, forward: 'nat' });
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = request(`${base}/v1/services/${encodeURIComponent(service)}/servers`, {
      method: 'POST', agent,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; });
      res.on('end', () => {
        if (res.statusCode !== 201) reject(new Error(`request ${i}: ${res.statusCode} ${text}`));
        else resolve(Number(process.hrtime.bigint() - started) / 1e6);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function main(): Promise<void> {
  const latencies: number[] = [];
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < count) latencies.push(await add(next++));
  }));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => Number(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(2));
  process.stdout.write(`${JSON.stringify({ service, requests: count, inFlight, p50Ms: pct(50), p90Ms: pct(90), p99Ms: pct(99), maxMs: pct(100), perSecond: Math.round(count / seconds) })}\n`);
  agent.destroy();
}

main().catch((err: Error) => {
  process.stderr.write(`bench-api-client: ${err.message}\n`);
  process.exitCode = 1;
});
