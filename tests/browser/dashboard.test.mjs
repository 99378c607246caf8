// The dashboard in a real browser: Debian's chromium driven by playwright-core,
// against `ctodesk serve` on the demo company, on loopback only.
//
//   node dashboard.test.mjs CTODESK_BINARY ARTIFACT_DIR
//
// Checks: act-now findings first; filtering by desk with the keyboard alone;
// a desk page with its SVG charts; signing in and revoking a key through the
// page, after which the guard refuses the key; both themes (screenshots saved
// in ARTIFACT_DIR); axe-core on every page; no console errors; no request
// to anything but 127.0.0.1. Exits 0 when all pass, 1 with FAIL lines.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { launchChromium } from './chromium.mjs';

const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const [ctodesk, artifacts] = process.argv.slice(2);
if (!ctodesk || !artifacts) {
  console.error('usage: node dashboard.test.mjs CTODESK_BINARY ARTIFACT_DIR');
  process.exit(2);
}
fs.mkdirSync(artifacts, { recursive: true });

const failures = [];
function check(ok, what) {
  if (ok) console.log(`ok   ${what}`);
  else { console.log(`FAIL ${what}`); failures.push(what); }
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ctodesk-browser-'));
const demo = path.join(work, 'demo');
const config = path.join(demo, 'ctodesk.toml');
let serve = null;
let context = null;

async function cleanup() {
  if (context) await context.close().catch(() => {});
  if (serve) serve.kill('SIGTERM');
  fs.rmSync(work, { recursive: true, force: true });
}

function run(args, input) {
  return execFileSync(ctodesk, args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

async function startServe() {
  serve = spawn(ctodesk, ['serve', '-c', config, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  serve.stderr.on('data', (d) => { out += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('serve did not start: ' + out)), 15000);
    serve.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    serve.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
}

async function axeCheck(page, name) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } }));
  const violations = result.violations.map((v) => `${v.id} (${v.nodes.length}): ${v.nodes[0].target.join(' ')}`);
  check(violations.length === 0, `axe-core finds no violations on ${name}${violations.length ? ': ' + violations.join('; ') : ''}`);
}

try {
  run(['demo', demo]);
  run(['users', 'add', 'cto', '--role', 'admin', '--password-stdin', '-c', config], 'browser test password\n');
  const issued = JSON.parse(run(['keys', 'issue', '--owner', 'browser-test', '--client', 'Test Client', '--format', 'json', '-c', config]));
  const port = await startServe();
  const base = `http://127.0.0.1:${port}`;

  const guard = async () => (await fetch(`${base}/guard`, { headers: { 'X-Api-Key': issued.key } })).status;
  check(await guard() === 200, 'the guard accepts the new key before it is revoked');

  const profile = fs.mkdtempSync(path.join(work, 'profile-'));
  context = await launchChromium(profile);
  const page = context.pages()[0] || await context.newPage();
  const consoleErrors = [];
  const offsite = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  context.on('request', (r) => {
    const u = new URL(r.url());
    if (!['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol)) return;
    if (u.hostname !== '127.0.0.1') offsite.push(r.url());
  });

  // 1. The briefing: act-now first.
  const t0 = Date.now();
  await page.goto(base + '/', { waitUntil: 'load' });
  console.log(`info briefing page loaded in ${Date.now() - t0} ms`);
  const severities = await page.$$eval('#findings article.finding', (els) =>
    els.map((e) => [...e.classList].find((c) => c.startsWith('sev-'))));
  check(severities.length > 0, `the briefing lists findings (${severities.length})`);
  check(severities[0] === 'sev-act-now', `the first finding is act-now (got ${severities[0]})`);
  const rank = { 'sev-act-now': 0, 'sev-today': 1, 'sev-this-week': 2, 'sev-fyi': 3 };
  check(severities.every((s, i) => i === 0 || rank[severities[i - 1]] <= rank[s]), 'findings are ordered act-now, today, this-week, fyi');
  const firstBadge = await page.textContent('#findings article.finding .sev-badge');
  check(/act now/i.test(firstBadge), 'severity is written out, not only coloured');
  check(await page.locator('#freshness').count() === 1, 'freshness of the desks is shown');
  await axeCheck(page, 'the briefing');

  // 2. Filter by desk with the keyboard alone.
  await page.locator('body').focus();
  let reached = false;
  for (let i = 0; i < 80 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement && document.activeElement.id === 'filter-desk');
  }
  check(reached, 'Tab reaches the desk filter');
  for (let i = 0; i < 20; i++) {
    if (await page.$eval('#filter-desk', (s) => s.value) === 'health') break;
    await page.keyboard.press('ArrowDown');
  }
  check(await page.$eval('#filter-desk', (s) => s.value) === 'health', 'arrow keys choose the health desk');
  let onApply = false;
  for (let i = 0; i < 10 && !onApply; i++) {
    await page.keyboard.press('Tab');
    onApply = await page.evaluate(() => document.activeElement && document.activeElement.id === 'apply');
  }
  check(onApply, 'Tab reaches the Apply button');
  await Promise.all([page.waitForURL(/desk=health/), page.keyboard.press('Enter')]);
  check(page.url().includes('desk=health'), `the filter is kept in the URL (${page.url()})`);
  const desks = await page.$$eval('#findings article.finding .meta a', (els) => els.map((e) => e.textContent));
  check(desks.length > 0 && desks.every((d) => d === 'health desk'), `only health findings are shown (${desks.join(', ')})`);

  // 3. A desk page, through its link.
  await Promise.all([page.waitForURL(/\/desks\/health$/), page.click('header nav a[href="/desks/health"]')]);
  check(await page.locator('svg.strip title').count() > 0, 'the health page draws uptime strips with titles');
  check(await page.locator('svg.strip desc').count() > 0, 'the uptime strips have descriptions');
  const cells = await page.$eval('svg.strip', (svg) =>
    [...svg.querySelectorAll('path')].reduce((n, p) => n + (p.getAttribute('d').match(/M/g) || []).length, 0) +
    svg.querySelectorAll('rect').length);
  check(cells === 90, `an uptime strip has 90 cells (${cells})`);
  await axeCheck(page, 'the health desk page');
  await page.screenshot({ path: path.join(artifacts, 'dashboard-health.png'), fullPage: true });

  // Every desk page passes axe, signed out.
  const deskLinks = await page.$$eval('header nav a[href^="/desks/"]', (els) => els.map((e) => e.getAttribute('href')));
  for (const href of deskLinks) {
    await page.goto(base + href, { waitUntil: 'load' });
    await axeCheck(page, `the page ${href}`);
  }

  // 4. Both themes: the system's, and the toggle.
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(base + '/', { waitUntil: 'load' });
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    check(scheme === 'dark' ? bg === 'rgb(15, 19, 26)' : bg === 'rgb(245, 246, 248)', `the ${scheme} theme follows the system (${bg})`);
    await page.screenshot({ path: path.join(artifacts, `dashboard-${scheme}.png`), fullPage: false });
    if (scheme === 'dark') await axeCheck(page, 'the briefing in the dark theme');
  }
  await page.click('#theme-toggle');
  check(await page.getAttribute('html', 'data-theme') === 'light', 'the toggle switches to light over a dark system');
  await page.reload();
  check(await page.getAttribute('html', 'data-theme') === 'light', 'the choice survives a reload');
  await page.click('#theme-toggle');
  await page.click('#theme-toggle');
  check(await page.getAttribute('html', 'data-theme') === null, 'the toggle comes back to the system theme');
  await page.emulateMedia({ colorScheme: 'light' });

  // 5. Sign in, revoke the key through the page; the guard refuses it.
  await page.goto(base + '/login');
  await axeCheck(page, 'the sign-in page');
  await page.fill('#login-name', 'cto');
  await page.fill('#login-password', 'browser test password');
  await Promise.all([page.waitForURL(base + '/'), page.click('form.login button[type=submit]')]);
  check(await page.locator('.who b').textContent() === 'cto', 'signed in as cto');
  await page.goto(base + '/desks/keys');
  await axeCheck(page, 'the keys desk page (signed in)');
  const row = page.locator(`tr[data-id="${issued.id}"]`);
  check(await row.count() === 1, 'the new key is listed on the keys page');
  await row.locator('input[name=reason]').fill('revoked from the browser test');
  await Promise.all([page.waitForURL(/\/desks\/keys/), row.locator('button', { hasText: 'Revoke' }).click()]);
  check((await page.textContent('.flash') || '').includes(`Key ${issued.id} revoked`), 'the page confirms the revocation');
  check(/revoked/.test(await page.locator(`tr[data-id="${issued.id}"] td[class^=status-]`).textContent()), 'the key shows as revoked');
  check(await page.locator('#audit td', { hasText: 'web:cto' }).count() > 0, 'the audit trail names the dashboard user');
  await page.screenshot({ path: path.join(artifacts, 'dashboard-keys-signed-in.png'), fullPage: true });
  let status = 0;
  for (let i = 0; i < 30; i++) {
    status = await guard();
    if (status === 401) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  check(status === 401, `the guard refuses the revoked key (got ${status})`);

  // 6. Live refresh (every 2 s here): the page updates without moving rows.
  await page.goto(base + '/?refresh=2');
  const rows = async () => page.$$eval('#findings article.finding', (els) =>
    els.slice(0, 20).map((e) => `${e.getAttribute('data-id')}@${Math.round(e.getBoundingClientRect().top)}`).join(' '));
  const before = await rows();
  await page.waitForFunction(() => /updated/.test(document.getElementById('live-status').textContent), null, { timeout: 10000 });
  check((await rows()) === before, 'after a live refresh the rows are where they were');

  check(consoleErrors.length === 0, `no console errors${consoleErrors.length ? ': ' + consoleErrors.join(' | ') : ''}`);
  check(offsite.length === 0, `no request left 127.0.0.1${offsite.length ? ': ' + offsite.join(' ') : ''}`);
} catch (e) {
  failures.push(String(e && e.stack || e));
  console.log('FAIL ' + (e && e.stack || e));
} finally {
  await cleanup();
}
console.log(failures.length ? `${failures.length} browser check(s) failed` : 'all browser checks passed');
process.exit(failures.length ? 1 : 0);
