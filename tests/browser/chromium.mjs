// Debian's chromium through playwright-core, headless and kept on loopback
// (every other host fails to resolve), in a fresh profile under `profileDir`.
// Shared by the browser test and bench/dashboard/load.mjs.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

export function launchChromium(profileDir) {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1'],
    viewport: { width: 1280, height: 900 },
  });
}
