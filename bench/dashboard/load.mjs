// Browser load time of the dashboard, measured by Playwright in Debian's
// chromium (headless, loopback only): Navigation Timing of each page, median
// of ROUNDS fresh loads (cache disabled).
//   node load.mjs BASE_URL [ROUNDS=7] [PATH...]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchChromium } from '../../tests/browser/chromium.mjs';

const [base, roundsArg, ...paths] = process.argv.slice(2);
const rounds = Number(roundsArg || 7);
const pages = paths.length ? paths : ['/', '/desks/health'];
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ctodesk-bench-'));
const context = await launchChromium(profile);
const page = context.pages()[0] || await context.newPage();
const cdp = await context.newCDPSession(page);
await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
for (const p of pages) {
  await page.goto(base + p, { waitUntil: 'load' });  // warm-up
  const runs = [];
  for (let i = 0; i < rounds; i++) {
    await page.goto(base + p, { waitUntil: 'load' });
    runs.push(await page.evaluate(() => {
      const n = performance.getEntriesByType('navigation')[0];
      return { ttfb: n.responseStart, response: n.responseEnd, interactive: n.domInteractive,
        dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd, bytes: n.transferSize, html: n.decodedBodySize };
    }));
  }
  const m = (k) => median(runs.map((r) => r[k])).toFixed(0);
  console.log(`${p}: first byte ${m('ttfb')} ms, response end ${m('response')} ms, DOM interactive ${m('interactive')} ms, ` +
    `DOMContentLoaded ${m('dcl')} ms, load ${m('load')} ms; ${m('bytes')} bytes transferred, ${m('html')} bytes of HTML ` +
    `(median of ${rounds})`);
}
await context.close();
fs.rmSync(profile, { recursive: true, force: true });
