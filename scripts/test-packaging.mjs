#!/usr/bin/env node
// What a user installs from npm, checked the way they will use it: each package is packed with
// pnpm (which writes the published manifest: publishConfig applied, workspace: ranges resolved),
// its tarball checked for README.md, LICENSE, its metadata and export targets that exist, then all
// tarballs are installed with npm into a fresh project and loaded with require() (CommonJS,
// without require(esm)), in a Jest 30 test (Jest's module loader cannot require ES modules), and
// with import (ESM). Needs `pnpm build` first, and the npm registry (nothing else) for the
// packages' own dependencies and Jest.
//
//   node scripts/test-packaging.mjs [--keep]     (npm run test:packaging)
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const jestVersion = '30';
const failures = [];

const print = (text) => process.stdout.write(`${text}\n`);

const ok = (text) => print(`  ok   ${text}`);
const fail = (text) => {
  failures.push(text);
  print(`  FAIL ${text}`);
};
const check = (condition, text) => (condition ? ok(text) : fail(text));

function run(command, args, options = {}) {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    shell: process.platform === 'win32',
    ...options,
  });
  if (result.status !== 0 && !options.allowFailure) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stdout ?? ''}${result.stderr ?? ''}`,
    );
  }
  return result;
}

const packages = readdirSync(join(root, 'packages'))
  .map((dir) => join(root, 'packages', dir))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
  .filter(({ manifest }) => !manifest.private);

const missingBuild = packages.filter(({ dir }) => !existsSync(join(dir, 'dist')));
if (missingBuild.length > 0) {
  console.error(
    `[relaykit] no dist/ in ${missingBuild.map((p) => p.manifest.name).join(', ')}: run \`pnpm build\` first.`,
  );
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'relaykit-packaging-'));
const tarballs = join(work, 'tarballs');
const project = join(work, 'project');

/** Every string an `exports` (or `bin`) value points at. */
function targets(value) {
  if (typeof value === 'string') return [value];
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap(targets);
}

print('\n==> The tarballs (npm pack --dry-run, then pnpm pack as published)');
for (const { dir, manifest } of packages) {
  const name = manifest.name;
  const [dry] = JSON.parse(
    run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir }).stdout,
  );
  const dryFiles = new Set(dry.files.map((f) => f.path));
  for (const file of ['README.md', 'LICENSE', 'package.json']) {
    check(dryFiles.has(file), `${name}: npm pack --dry-run ships ${file}`);
  }
  check(
    [...dryFiles].every((f) => f.startsWith('dist/') || !f.includes('/')),
    `${name}: ships dist/ and top-level files only (no src/, no tests)`,
  );

  run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: dir });
  const tarball = join(
    tarballs,
    `${name.replace('@', '').replace('/', '-')}-${manifest.version}.tgz`,
  );
  const listing = run('tar', ['-tzf', tarball]).stdout.split('\n').filter(Boolean);
  const files = new Set(listing.map((f) => f.replace(/^package\//u, '')));
  const published = JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json']).stdout);
  for (const file of ['README.md', 'LICENSE'])
    check(files.has(file), `${name}: tarball has ${file}`);
  check(
    readFileSync(join(dir, 'LICENSE'), 'utf8').startsWith(
      readFileSync(join(root, 'LICENSE'), 'utf8'),
    ),
    `${name}: LICENSE is the project's`,
  );
  check(Boolean(published.repository?.url), `${name}: repository (${published.repository?.url})`);
  check(Boolean(published.homepage), `${name}: homepage`);
  check(Boolean(published.bugs?.url), `${name}: bugs`);
  check(Array.isArray(published.keywords) && published.keywords.length > 0, `${name}: keywords`);
  check(published.license === 'MIT', `${name}: license MIT`);
  const conditions = new Set();
  (function walk(value) {
    if (value && typeof value === 'object')
      for (const [key, inner] of Object.entries(value)) {
        if (!key.startsWith('.')) conditions.add(key);
        walk(inner);
      }
  })(published.exports);
  check(!conditions.has('source'), `${name}: no source condition in the published exports`);
  const pointed = [
    ...targets(published.exports),
    ...targets(published.bin),
    ...['main', 'module', 'types'].map((k) => published[k]).filter(Boolean),
  ].map((t) => t.replace(/^\.\//u, ''));
  const absent = pointed.filter((t) => !files.has(t));
  check(
    absent.length === 0,
    `${name}: every export, bin, main and types target is in the tarball${absent.length ? ` (missing: ${absent.join(', ')})` : ''}`,
  );
  const ranges = JSON.stringify([published.dependencies, published.peerDependencies]);
  check(!ranges.includes('workspace:'), `${name}: no workspace: ranges left`);
}

print(`\n==> npm install of the tarballs and jest@${jestVersion} into a fresh project`);
mkdirSync(project);
writeFileSync(
  join(project, 'package.json'),
  `${JSON.stringify(
    {
      name: 'relaykit-packaging-check',
      version: '0.0.0',
      private: true,
      description: 'A plain CommonJS project (no "type") that installs relaykit from its tarballs.',
      jest: { testEnvironment: 'node', transform: {} },
    },
    null,
    2,
  )}\n`,
);
const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
// better-sqlite3 builds from source when no prebuilt binary can be fetched; use the installed
// Node headers when the system has them instead of downloading them.
if (!env.npm_config_nodedir && existsSync('/usr/include/node/node.h'))
  env.npm_config_nodedir = '/usr';
const tgz = readdirSync(tarballs).map((f) => join(tarballs, f));
const started = Date.now();
run(
  'npm',
  ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tgz, `jest@${jestVersion}`],
  {
    cwd: project,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  },
);
ok(`installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);

copyFileSync(join(root, 'scripts', 'packaging', 'exercise.cjs'), join(project, 'exercise.cjs'));
const entries = {
  core: '@relaykit/core',
  adapter: '@relaykit/core/adapter',
  testing: '@relaykit/core/testing',
  ses: '@relaykit/ses',
  postmark: '@relaykit/postmark',
  mailgun: '@relaykit/mailgun',
  resend: '@relaykit/resend',
  postmarkClient: '@relaykit/postmark/client',
  sesClient: '@relaykit/ses/client',
  mailgunClient: '@relaykit/mailgun/client',
  resendClient: '@relaykit/resend/client',
  simulator: '@relaykit/simulator',
  sqlite: '@relaykit/sqlite',
  redis: '@relaykit/redis',
  postgres: '@relaykit/postgres',
  doctor: '@relaykit/doctor',
  cli: 'relaykit',
};
const requires = Object.entries(entries)
  .map(([key, spec]) => `  ${key}: require('${spec}'),`)
  .join('\n');
writeFileSync(
  join(project, 'load.cjs'),
  `'use strict';\nconst exercise = require('./exercise.cjs');\nconst m = {\n${requires}\n};\nexercise(m, (s) => console.log('  ok   require: ' + s)).catch((error) => {\n  console.error(error);\n  process.exit(1);\n});\n`,
);
writeFileSync(
  join(project, 'load.test.js'),
  `'use strict';\nconst exercise = require('./exercise.cjs');\n\ntest('every relaykit package loads and works under Jest', async () => {\n  const m = {\n${requires.replace(/^/gmu, '  ')}\n  };\n  await exercise(m);\n}, 120000);\n`,
);
const imports = Object.entries(entries)
  .map(([key, spec]) => `import * as ${key} from '${spec}';`)
  .join('\n');
writeFileSync(
  join(project, 'load.mjs'),
  `${imports}\nimport exercise from './exercise.cjs';\n\nawait exercise({ ${Object.keys(entries).join(', ')} }, (s) => console.log('  ok   import: ' + s));\n`,
);

// Node 20.19+ can require() ES modules; turn that off so the check holds for every Node 20 and
// for loaders without it.
const noRequireEsm = process.allowedNodeEnvironmentFlags.has('--experimental-require-module')
  ? ['--no-experimental-require-module']
  : [];

const attempt = (label, command, args) => {
  print(`\n==> ${label}`);
  const result = run(command, args, { cwd: project, env, allowFailure: true, stdio: 'inherit' });
  check(result.status === 0, label);
};
attempt('CommonJS: require() of every package', process.execPath, [...noRequireEsm, 'load.cjs']);
attempt(`Jest ${jestVersion}: require() of every package in a test`, process.execPath, [
  join(project, 'node_modules', 'jest', 'bin', 'jest.js'),
  '--ci',
  '--colors=false',
  'load.test.js',
]);
attempt('ESM: import of every package', process.execPath, ['load.mjs']);
const cli = join(project, 'node_modules', 'relaykit');
const bin = JSON.parse(readFileSync(join(cli, 'package.json'), 'utf8')).bin.relaykit;
attempt('the relaykit bin runs', process.execPath, [join(cli, bin), '--help']);

print('');
if (failures.length > 0) {
  print(`${failures.length} packaging check(s) failed; the project is kept in ${project}`);
  process.exit(1);
}
if (keep) print(`all packaging checks passed; the project is in ${project}`);
else {
  rmSync(work, { recursive: true, force: true });
  print('all packaging checks passed');
}
