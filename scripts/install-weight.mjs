#!/usr/bin/env node
// What `npm install` of relaykit costs a user: for the core with each adapter or store, and for
// the CLI, the bytes on disk, the number of packages and the seconds of `npm install` from an
// empty npm cache. The packages are packed from this checkout (pnpm pack, as published) and
// installed from their tarballs with npm, so their own dependencies come from the registry as they
// would for a user. Needs `pnpm build` first.
//
//   node scripts/install-weight.mjs [--markdown]
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const markdown = process.argv.includes('--markdown');

/** What a user types after `npm i`; every set but the CLI's includes the core (the adapters' peer). */
const sets = [
  ['@relaykit/core'],
  ['@relaykit/core', '@relaykit/ses'],
  ['@relaykit/core', '@relaykit/postmark'],
  ['@relaykit/core', '@relaykit/mailgun'],
  ['@relaykit/core', '@relaykit/resend'],
  ['@relaykit/core', '@relaykit/sqlite'],
  ['@relaykit/core', '@relaykit/redis'],
  ['@relaykit/core', '@relaykit/postgres'],
  ['@relaykit/core', '@relaykit/doctor'],
  ['@relaykit/simulator'],
  ['relaykit'],
];

function run(command, args, options = {}) {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    shell: process.platform === 'win32',
    ...options,
  });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed:\n${result.stdout ?? ''}${result.stderr ?? ''}`,
    );
  }
  return result.stdout;
}

/** Bytes of the files under `dir` (their sizes, not the blocks they take). */
function bytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += bytes(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

const work = mkdtempSync(join(tmpdir(), 'relaykit-weight-'));
const tarballs = join(work, 'tarballs');
const byName = new Map();
for (const dir of readdirSync(join(root, 'packages'))) {
  const path = join(root, 'packages', dir);
  const manifest = JSON.parse(readFileSync(join(path, 'package.json'), 'utf8'));
  if (!existsSync(join(path, 'dist'))) {
    console.error(`[relaykit] no dist/ in ${manifest.name}: run \`pnpm build\` first.`);
    process.exit(1);
  }
  run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: path });
  byName.set(
    manifest.name,
    join(tarballs, `${manifest.name.replace('@', '').replace('/', '-')}-${manifest.version}.tgz`),
  );
}

/** The relaykit packages a set pulls in (its own dependencies on other relaykit packages). */
function closure(names) {
  const found = new Set();
  const visit = (name) => {
    if (found.has(name) || !byName.has(name)) return;
    found.add(name);
    const manifest = JSON.parse(run('tar', ['-xzOf', byName.get(name), 'package/package.json']));
    for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies }))
      visit(dep);
  };
  names.forEach(visit);
  return [...found];
}

const env = { ...process.env };
if (!env.npm_config_nodedir && existsSync('/usr/include/node/node.h'))
  env.npm_config_nodedir = '/usr';
const rows = [];
for (const set of sets) {
  const project = join(work, `p${rows.length}`);
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    '{ "name": "weight", "version": "0.0.0", "private": true }\n',
  );
  const cache = join(work, `cache${rows.length}`); // empty for every set
  const started = process.hrtime.bigint();
  run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      ...closure(set).map((n) => byName.get(n)),
    ],
    {
      cwd: project,
      env: { ...env, npm_config_cache: cache },
    },
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8'));
  const packages = Object.keys(lock.packages).filter((key) =>
    key.startsWith('node_modules/'),
  ).length;
  const size = bytes(join(project, 'node_modules'));
  rows.push({ set: `npm i ${set.join(' ')}`, packages, size, seconds });
  rmSync(project, { recursive: true, force: true });
  rmSync(cache, { recursive: true, force: true });
  if (!markdown)
    process.stdout.write(
      `${rows.at(-1).set}: ${packages} packages, ${(size / 1e6).toFixed(1)} MB, ${seconds.toFixed(1)} s\n`,
    );
}
rmSync(work, { recursive: true, force: true });

if (markdown) {
  const lines = [
    '| install | packages | on disk | seconds |',
    '| --- | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| \`${r.set}\` | ${r.packages} | ${(r.size / 1e6).toFixed(1)} MB | ${r.seconds.toFixed(0)} |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
