#!/usr/bin/env node
// Makes a fresh clone runnable with nothing but Node and npm: checks Node, then installs the
// workspace with the pinned pnpm (through npx) when node_modules is missing or stale.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(
    `[relaykit] Node ${process.versions.node} is too old: install Node 20.19 or newer.`,
  );
  process.exit(1);
}

const pnpmVersion = JSON.parse(
  readFileSync(join(root, 'package.json'), 'utf8'),
).packageManager.split('@')[1];
const marker = join(root, 'node_modules', '.modules.yaml');
const lockfile = join(root, 'pnpm-lock.yaml');
const stale = !existsSync(marker) || statSync(lockfile).mtimeMs > statSync(marker).mtimeMs;

if (stale || process.argv.includes('--force')) {
  const env = { ...process.env };
  // better-sqlite3 compiles from source here; build against the installed Node headers when the
  // system has them instead of downloading them.
  if (!env.npm_config_nodedir && existsSync('/usr/include/node/node.h'))
    env.npm_config_nodedir = '/usr';
  console.error(
    `[relaykit] installing the workspace with pnpm ${pnpmVersion} (first run compiles better-sqlite3: about 2 minutes)`,
  );
  const args = ['--yes', `pnpm@${pnpmVersion}`, 'install', '--frozen-lockfile'];
  const result = spawnSync('npx', args, { cwd: root, env, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('[relaykit] install failed: see the output above.');
    process.exit(result.status ?? 1);
  }
}
