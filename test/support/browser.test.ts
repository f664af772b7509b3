import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { INSTALL_HINT, browserRequired, chromiumOrSkip, findChromium } from './browser.ts';

const dirs: string[] = [];
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'relaykit-browser-'));
  dirs.push(dir);
  return dir;
}
function executable(path: string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, '#!/bin/sh\n');
  chmodSync(path, 0o755);
  return path;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A machine with nothing installed: an empty home, no system paths, an empty PATH. */
function bare(env: NodeJS.ProcessEnv = {}) {
  return { env: { PATH: '', ...env }, home: scratch(), system: [] };
}

describe('findChromium', () => {
  it('finds nothing on a machine without a browser', () => {
    expect(findChromium(bare())).toBeUndefined();
  });

  it('takes RELAYKIT_CHROMIUM first, and refuses a path that does not exist', () => {
    const path = executable(join(scratch(), 'my-chrome'));
    expect(findChromium(bare({ RELAYKIT_CHROMIUM: path }))).toBe(path);
    expect(findChromium(bare({ RELAYKIT_CHROMIUM: `${path}-missing` }))).toBeUndefined();
    expect(findChromium(bare({ CHROME_PATH: path }))).toBe(path);
  });

  it('hides every browser with RELAYKIT_CHROMIUM=none', () => {
    const system = executable(join(scratch(), 'usr', 'bin', 'chromium'));
    expect(findChromium({ ...bare(), system: [system] })).toBe(system);
    expect(findChromium({ ...bare({ RELAYKIT_CHROMIUM: 'none' }), system: [system] })).toBe(
      undefined,
    );
  });

  it('looks on PATH', () => {
    const bin = scratch();
    const path = executable(join(bin, 'chromium-browser'));
    expect(findChromium(bare({ PATH: bin }))).toBe(path);
  });

  it('finds the newest browser Playwright or Puppeteer downloaded', () => {
    const machine = bare();
    const cache = join(machine.home, '.cache', 'ms-playwright');
    executable(join(cache, 'chromium-1100', 'chrome-linux', 'chrome'));
    const newest = executable(join(cache, 'chromium-1200', 'chrome-linux', 'chrome'));
    expect(findChromium(machine)).toBe(newest);

    const other = bare();
    const shell = executable(
      join(
        other.home,
        '.cache',
        'puppeteer',
        'chrome-headless-shell',
        'linux-131.0.6778.85',
        'chrome-headless-shell-linux64',
        'chrome-headless-shell',
      ),
    );
    expect(findChromium(other)).toBe(shell);
  });
});

describe('chromiumOrSkip', () => {
  const skip = (note: string): never => {
    throw new Error(`skipped: ${note}`);
  };

  it('skips with a line saying what to install when no browser is there', () => {
    expect(() => chromiumOrSkip(skip, bare())).toThrow(`skipped: ${INSTALL_HINT}`);
    expect(INSTALL_HINT).toMatch(/apt-get install chromium/u);
  });

  it('fails instead when RELAYKIT_REQUIRE_BROWSER=1', () => {
    expect(browserRequired({ RELAYKIT_REQUIRE_BROWSER: '1' })).toBe(true);
    expect(browserRequired({})).toBe(false);
    expect(() => chromiumOrSkip(skip, bare({ RELAYKIT_REQUIRE_BROWSER: '1' }))).toThrow(
      /RELAYKIT_REQUIRE_BROWSER=1 but no Chromium found/u,
    );
  });

  it('returns the browser when there is one', () => {
    const path = executable(join(scratch(), 'chrome'));
    expect(chromiumOrSkip(skip, bare({ RELAYKIT_CHROMIUM: path }))).toBe(path);
  });
});
