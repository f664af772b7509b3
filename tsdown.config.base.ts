import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import type { UserConfig } from 'tsdown';

/**
 * Shared build settings: ESM + CJS with types per condition, checked by publint and attw.
 *
 * The CJS build bundles every dependency that ships only ESM (p-retry, is-network-error, ...):
 * `require()` of ESM is missing before Node 20.19 and in Jest's module loader, so a CJS build
 * that requires one breaks those consumers. Dependencies that have a CJS entry stay external.
 */
export function packageConfig(entry: Record<string, string>): UserConfig {
  return {
    entry,
    format: {
      esm: {},
      cjs: {
        deps: {
          alwaysBundle: (id, importer) => esmOnly(id, importer),
          skipNodeModulesBundle: false,
        },
      },
    },
    dts: true,
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    clean: true,
    publint: true,
    attw: { profile: 'node16', level: 'error' },
  };
}

const builtins = new Set(builtinModules);

/** True when the bare specifier `id`, seen from `importer`, resolves only to an ES module. */
export function esmOnly(id: string, importer: string | undefined): boolean {
  if (id.startsWith('.') || id.startsWith('/') || id.startsWith('node:') || id.startsWith('\0')) {
    return false;
  }
  const parts = id.split('/');
  const name = id.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
  if (builtins.has(name)) return false;
  const manifest = findManifest(name, importer ? dirname(importer) : process.cwd());
  if (!manifest) return false;
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
    type?: string;
    main?: string;
    exports?: unknown;
  };
  const subpath = `.${id.slice(name.length)}`;
  const target =
    pkg.exports === undefined ? (pkg.main ?? 'index.js') : requireTarget(pkg.exports, subpath);
  // No `require` (or `default`) target at all: the package refuses require().
  if (target === undefined) return pkg.exports !== undefined;
  if (target.endsWith('.mjs')) return true;
  if (target.endsWith('.cjs')) return false;
  return pkg.type === 'module';
}

/** node_modules/<name>/package.json in the nearest directory up from `from` (Node's lookup). */
function findManifest(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The file `require(subpath)` loads under the `node`/`require`/`default` conditions (Node's ESM spec, PACKAGE_EXPORTS_RESOLVE). */
function requireTarget(exports: unknown, subpath: string): string | undefined {
  const map =
    exports !== null &&
    typeof exports === 'object' &&
    !Array.isArray(exports) &&
    Object.keys(exports).some((key) => key.startsWith('.'))
      ? (exports as Record<string, unknown>)[subpath]
      : subpath === '.'
        ? exports
        : undefined;
  return conditional(map);
}

function conditional(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = conditional(item);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'node' || key === 'require' || key === 'default') {
      const found = conditional(inner);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
