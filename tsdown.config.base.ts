import type { UserConfig } from 'tsdown';

/** Shared build settings: ESM + CJS with types per condition, checked by publint and attw. */
export function packageConfig(entry: Record<string, string>): UserConfig {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    clean: true,
    publint: true,
    attw: { profile: 'node16', level: 'error' },
  };
}
