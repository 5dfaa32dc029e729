// The status page in headless Chromium (Debian's chromium, installed here
// when missing): it shows a service and its real server, and follows a change
// of state made through the API without a reload of the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { auth, enc, harness } from './api-fixture';

const CHROMIUM = '/usr/bin/chromium';

function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

test('the status page shows services and real servers and follows a drain', async () => {
  ensureChromium();
  const h = await harness();
  // A fresh profile each run: playwright passes it as --user-data-dir.
  const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'lvsd-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    const address = await h.app.listen({ host: '127.0.0.1', port: 0 });
    const page = await browser.newPage();
    await page.goto(`${address}/`);
    const server = page.locator('tr[data-server="tcp:10.0.0.1:80 192.168.1.11:8080"]');
    await page.locator('tr[data-service="tcp:10.0.0.1:80"]').waitFor({ timeout: 10_000 });
    await server.waitFor({ timeout: 10_000 });
    assert.match(await server.innerText(), /unchecked/);
    assert.doesNotMatch(await server.innerText(), /drained/);

    const r = await h.app.inject({ method: 'PATCH', url: `/v1/services/${enc('tcp:10.0.0.1:80')}/servers/192.168.1.11:8080`, headers: auth, payload: { drain: true } });
    assert.equal(r.statusCode, 200);
    await page.waitForFunction(`document.querySelector('tr[data-server="tcp:10.0.0.1:80 192.168.1.11:8080"]')?.textContent.includes('(drained)')`, undefined, { timeout: 10_000 });
    assert.match(await page.locator('#events').innerText(), /192\.168\.1\.11:8080 of tcp:10\.0\.0\.1:80: drained/);
  } finally {
    await browser.close();
    await h.close();
  }
});
