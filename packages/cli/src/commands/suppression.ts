import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { suppressionReasons, type SuppressionEntry, type SuppressionReason } from '@relaykit/core';
import { suppressionAddress, suppressionCsvLines } from '@relaykit/core/adapter';
import { parseArgs } from 'node:util';
import { layoutNames, type LayoutName } from '../suppression/csv-columns.ts';
import { readSuppressionCsv } from '../suppression/import.ts';
import { parsing } from './args.ts';
import type { Command } from './command.ts';
import { line, readAll, UsageError, type CliIo } from './io.ts';
import { defaultStore, openStore, type OpenedStore } from './store.ts';

const usage = `relaykit suppression <list|add|remove|import|export> [options]

The suppression list: addresses (or @domains) that are never sent to again.

  list                         the live entries (--stream: only that stream's; --limit <n>)
  add <address...>             suppress by hand: --reason <reason> (default manual),
                               --stream <name> (only that stream; default every stream),
                               --expires <ISO date>, --by <who>
  remove <address>             lift a suppression: --by <who> and --reason <why> are required and
                               kept in the audit record; --stream for a stream-scoped entry
  import [file]                add entries from CSV (a file, or stdin when absent or '-'): a
                               relaykit export, or the suppression/bounce export of SES,
                               Postmark, Mailgun or Resend (detected from the header; --format
                               to name it; --stream to scope every entry to one stream)
  export [file]                write the list as CSV (to a file, or stdout when absent or '-');
                               --stream: only that stream's entries

Options:
  --store <spec>   sqlite:<path> (default ${defaultStore}, or RELAYKIT_STORE), redis://host:port
                   or postgres://user@host/database (schema relaykit)
  --prefix <p>     Redis key prefix (default relaykit:), or PostgreSQL table prefix (default none)
  --json           list/add/remove/import: print data as JSON
  --format <name>  import: ${layoutNames.join(', ')} (default: detected from the header)

Reasons: ${suppressionReasons.join(', ')}.
relaykit CSV columns: address (required), stream, reason, first_seen, last_seen, expires_at,
source_*. Provider exports are read as downloaded: extra columns, their own header names, reasons
in their words (BOUNCE, Hard bounce, SpamComplaint, complaint...), ',' or ';' separators, quoted
fields, a byte-order mark. A file with one bad row imports nothing and names the line.
`;

const options = {
  store: { type: 'string' },
  prefix: { type: 'string' },
  stream: { type: 'string' },
  reason: { type: 'string' },
  by: { type: 'string' },
  expires: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
  format: { type: 'string' },
} as const;

const parse = (args: readonly string[]) =>
  parsing('suppression', () =>
    parseArgs({ args: [...args], options, allowPositionals: true, strict: true }),
  );

type Values = ReturnType<typeof parse>['values'];

const key = (raw: string): string => {
  try {
    return suppressionAddress(raw);
  } catch (error) {
    throw new UsageError(
      `relaykit suppression: ${error instanceof Error ? error.message : String(error)}; give local@domain or @domain`,
    );
  }
};

const show = (e: SuppressionEntry): string =>
  [
    e.address,
    e.stream ?? '*',
    e.reason,
    e.lastSeen.toISOString(),
    e.expiresAt ? `expires ${e.expiresAt.toISOString()}` : '',
  ]
    .join('  ')
    .trimEnd();

const plain = (e: SuppressionEntry) => ({
  address: e.address,
  stream: e.stream ?? null,
  reason: e.reason,
  firstSeen: e.firstSeen.toISOString(),
  lastSeen: e.lastSeen.toISOString(),
  expiresAt: e.expiresAt?.toISOString() ?? null,
  source: e.source ?? null,
});

async function list(store: OpenedStore, values: Values, io: CliIo): Promise<number> {
  const limit = values.limit === undefined ? Number.POSITIVE_INFINITY : Number(values.limit);
  const entries: SuppressionEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.suppression.list({
      limit: Math.min(1000, limit - entries.length),
      ...(cursor === undefined ? {} : { cursor }),
      ...(values.stream === undefined ? {} : { stream: values.stream }),
    });
    entries.push(...page.entries);
    cursor = page.cursor;
  } while (cursor !== undefined && entries.length < limit);
  if (values.json) line(io.stdout, JSON.stringify(entries.map(plain)));
  else if (entries.length === 0) line(io.stderr, `no suppressions in ${store.label}`);
  else for (const e of entries) line(io.stdout, show(e));
  return 0;
}

async function add(
  store: OpenedStore,
  addresses: string[],
  values: Values,
  io: CliIo,
): Promise<number> {
  const reason = (values.reason ?? 'manual') as SuppressionReason;
  const expiresAt = values.expires === undefined ? undefined : new Date(values.expires);
  const now = new Date();
  const entries = addresses.map((raw): SuppressionEntry => ({
    address: key(raw),
    ...(values.stream === undefined ? {} : { stream: values.stream }),
    reason,
    source: {
      type: 'manual',
      detail: `relaykit suppression add${values.by ? ` by ${values.by}` : ''}`,
    },
    firstSeen: now,
    lastSeen: now,
    ...(expiresAt ? { expiresAt } : {}),
  }));
  await store.suppression.add(entries);
  if (values.json) line(io.stdout, JSON.stringify({ added: entries.map((e) => e.address) }));
  else
    line(
      io.stdout,
      `suppressed ${entries.map((e) => e.address).join(', ')}${values.stream ? ` for stream ${values.stream}` : ''} (${reason})`,
    );
  return 0;
}

async function remove(
  store: OpenedStore,
  addresses: string[],
  values: Values,
  io: CliIo,
): Promise<number> {
  const address = key(addresses[0] as string);
  const by = values.by ?? '';
  const removed = await store.suppression.remove(address, {
    by,
    reason: values.reason ?? '',
    ...(values.stream === undefined ? {} : { stream: values.stream }),
  });
  // Soft-bounce strikes go with the entry, so one more soft bounce does not suppress it again at once.
  if (removed && !address.startsWith('@')) await store.strikes.clear(address);
  if (values.json) line(io.stdout, JSON.stringify({ address, removed }));
  else if (removed)
    line(
      io.stdout,
      `removed ${address}${values.stream ? ` (stream ${values.stream})` : ''}; audited as by ${by}: ${values.reason ?? ''}`,
    );
  else
    line(
      io.stderr,
      `[relaykit] no suppression for ${address}${values.stream ? ` in stream ${values.stream}` : ''}; 'relaykit suppression list' shows what is there`,
    );
  return removed ? 0 : 1;
}

async function importCsv(
  store: OpenedStore,
  file: string | undefined,
  values: Values,
  io: CliIo,
): Promise<number> {
  const text =
    file === undefined || file === '-' ? await readAll(io.stdin) : await readFile(file, 'utf8');
  // Every row is read and checked before the store is touched: nothing is half imported.
  const { layout, entries } = readSuppressionCsv(text, {
    ...(values.format === undefined ? {} : { format: values.format as LayoutName }),
    ...(values.stream === undefined ? {} : { stream: values.stream }),
  });
  if (entries.length > 0) await store.suppression.add(entries);
  const imported = entries.length;
  if (values.json) line(io.stdout, JSON.stringify({ imported, format: layout.name }));
  else
    line(
      io.stdout,
      `imported ${imported} suppression${imported === 1 ? '' : 's'} (${layout.label}) into ${store.label}`,
    );
  return 0;
}

async function exportCsv(
  store: OpenedStore,
  file: string | undefined,
  values: Values,
  io: CliIo,
): Promise<number> {
  const lines = suppressionCsvLines(
    store.suppression,
    values.stream === undefined ? {} : { stream: values.stream },
  );
  if (file === undefined || file === '-') {
    for await (const text of lines) io.stdout.write(text);
    return 0;
  }
  const out = createWriteStream(file);
  let rows = -1;
  for await (const text of lines) {
    rows += 1;
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await finished(out);
  line(io.stderr, `exported ${rows} suppression${rows === 1 ? '' : 's'} to ${file}`);
  return 0;
}

/** Every mistake in the call is reported before the store is opened (or a file created). */
function check(action: string, rest: string[], values: Values): void {
  const fail = (text: string) => {
    throw new UsageError(`relaykit suppression ${action}: ${text}`);
  };
  if (
    (action === 'list' && rest.length > 0) ||
    ((action === 'import' || action === 'export') && rest.length > 1)
  )
    fail(`unexpected argument '${rest.at(-1) ?? ''}'`);
  if (values.format !== undefined && action !== 'import') fail('--format is for import only');
  if (values.format !== undefined && !(layoutNames as readonly string[]).includes(values.format))
    fail(`--format must be one of ${layoutNames.join(', ')}, not '${values.format}'`);
  if (action === 'list' && values.limit !== undefined && !(Number(values.limit) > 0))
    fail(`--limit must be a positive number, not '${values.limit}'`);
  if (action === 'add') {
    if (rest.length === 0)
      fail('name the address(es) to suppress, e.g. ada@example.org or @example.org');
    for (const address of rest) key(address);
    if (
      values.reason !== undefined &&
      !(suppressionReasons as readonly string[]).includes(values.reason)
    )
      fail(`--reason must be one of ${suppressionReasons.join(', ')}`);
    if (values.expires !== undefined && Number.isNaN(new Date(values.expires).getTime()))
      fail('--expires must be an ISO date, e.g. 2030-01-31T00:00:00Z');
  }
  if (action === 'remove') {
    if (rest.length !== 1) fail('name exactly one address');
    for (const address of rest) key(address);
    if (!values.by || !values.reason)
      fail('--by <who> and --reason <why> are required (kept in the audit record)');
  }
}

export const suppression: Command = {
  name: 'suppression',
  summary: 'list, add, remove, import and export suppressed addresses',
  usage,
  async run(args, io) {
    const { values, positionals } = parse(args);
    const [action, ...rest] = positionals;
    const actions = ['list', 'add', 'remove', 'import', 'export'];
    if (action === undefined || !actions.includes(action)) {
      throw new UsageError(
        `relaykit suppression: ${action === undefined ? 'name an action' : `unknown action '${action}'`}: ${actions.join(', ')}`,
      );
    }
    check(action, rest, values);
    const store = await openStore(
      values.store ?? io.env['RELAYKIT_STORE'] ?? defaultStore,
      values.prefix === undefined ? {} : { redisPrefix: values.prefix },
    );
    try {
      switch (action) {
        case 'list':
          return await list(store, values, io);
        case 'add':
          return await add(store, rest, values, io);
        case 'remove':
          return await remove(store, rest, values, io);
        case 'import':
          return await importCsv(store, rest[0], values, io);
        default:
          return await exportCsv(store, rest[0], values, io);
      }
    } finally {
      await store.close();
    }
  },
};
