import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * Finding a headless Chromium for the tests that render HTML. A machine with only Node and npm has
 * none, and the suite must still pass there: such a test skips itself with one line saying what to
 * install, unless `RELAYKIT_REQUIRE_BROWSER=1` (CI sets it) makes a missing browser a failure.
 */

export const INSTALL_HINT =
  'no Chromium found: install one (apt-get install chromium, brew install --cask chromium, or ' +
  'npx playwright install chromium) or point RELAYKIT_CHROMIUM at its executable';

/** Env vars naming a browser executable, relaykit's own first, then the ones other tools set. */
const PATH_VARS = ['RELAYKIT_CHROMIUM', 'CHROME_PATH', 'PUPPETEER_EXECUTABLE_PATH'] as const;
const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'];
const SYSTEM = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

export interface FindOptions {
  env?: NodeJS.ProcessEnv;
  /** Where caches of downloaded browsers live (~ by default). */
  home?: string;
  /** Paths tried before the caches; the system locations by default. */
  system?: readonly string[];
}

/**
 * The first Chromium found: an env var (`RELAYKIT_CHROMIUM`, `CHROME_PATH`,
 * `PUPPETEER_EXECUTABLE_PATH`), the system locations, `PATH`, then the browsers Playwright and
 * Puppeteer download into ~/.cache. `RELAYKIT_CHROMIUM=none` hides every browser (to try the
 * suite as a machine without one sees it).
 */
export function findChromium(options: FindOptions = {}): string | undefined {
  const env = options.env ?? process.env;
  if (env['RELAYKIT_CHROMIUM'] === 'none') return undefined;
  for (const name of PATH_VARS) {
    const value = env[name];
    if (value) return existsSync(value) ? value : undefined;
  }
  const onPath = (env['PATH'] ?? '')
    .split(delimiter)
    .filter(Boolean)
    .flatMap((dir) => NAMES.map((name) => join(dir, name)));
  const home = options.home ?? homedir();
  const candidates = [
    ...(options.system ?? SYSTEM),
    ...onPath,
    ...cached(join(home, '.cache', 'ms-playwright'), [
      ['chromium_headless_shell-', 'chrome-headless-shell-linux64/chrome-headless-shell'],
      ['chromium_headless_shell-', 'chrome-linux/headless_shell'],
      ['chromium-', 'chrome-linux64/chrome'],
      ['chromium-', 'chrome-linux/chrome'],
    ]),
    ...cached(join(home, '.cache', 'puppeteer', 'chrome-headless-shell'), [
      ['linux-', 'chrome-headless-shell-linux64/chrome-headless-shell'],
    ]),
    ...cached(join(home, '.cache', 'puppeteer', 'chrome'), [['linux-', 'chrome-linux64/chrome']]),
  ];
  return candidates.find((path) => existsSync(path));
}

/** Executables under `root/<prefix><version>/<file>`, newest version first. */
function cached(root: string, layouts: ReadonlyArray<readonly [string, string]>): string[] {
  let entries: string[];
  try {
    entries = readdirSync(root).sort().reverse();
  } catch {
    return [];
  }
  return layouts.flatMap(([prefix, file]) =>
    entries.filter((entry) => entry.startsWith(prefix)).map((entry) => join(root, entry, file)),
  );
}

/** True when a missing browser must fail the test instead of skipping it (CI). */
export function browserRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env['RELAYKIT_REQUIRE_BROWSER'] === '1' || env['RELAYKIT_REQUIRE_BROWSER'] === 'true';
}

/**
 * The browser for a test, or: a thrown error when one is required, else `skip` called with the
 * line saying what to install (vitest's `ctx.skip(note)`, which ends the test).
 */
export function chromiumOrSkip(skip: (note: string) => never, options: FindOptions = {}): string {
  const found = findChromium(options);
  if (found) return found;
  if (browserRequired(options.env)) {
    throw new Error(`[relaykit] RELAYKIT_REQUIRE_BROWSER=1 but ${INSTALL_HINT}`);
  }
  return skip(INSTALL_HINT);
}
