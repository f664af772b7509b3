import type { Redis } from 'ioredis';
import { RelayError, type SuppressionEntry, type SuppressionStore } from '@relaykit/core';
import { type SuppressionRemoval } from '@relaykit/core/adapter';
import type { Keys } from './keys.ts';
import { script } from './script.ts';
import { addScript, checkScript, removeScript, sweepScript } from './scripts/suppression.ts';

export interface RedisSuppressionStore extends SuppressionStore {
  /** Deletes up to `limit` entries expired before `now`; returns how many. */
  sweep(now?: Date, limit?: number): Promise<number>;
}

export interface RedisSuppressionOptions {
  /** Most removal records kept (approximately: the stream is trimmed lazily). @default 100_000 */
  maxRemovals?: number;
}

const check = script(checkScript);
const add = script(addScript);
const remove = script(removeScript);
const sweep = script(sweepScript);

// One script call checks this many addresses; bigger batches are split so no call blocks Redis long.
const checkChunk = 5_000;

// Most entries share a handful of reason/source payloads: parse each once.
const restCache = new Map<string, Pick<SuppressionEntry, 'reason' | 'source'>>();
function parseRest(json: string): Pick<SuppressionEntry, 'reason' | 'source'> {
  let rest = restCache.get(json);
  if (rest === undefined) {
    rest = JSON.parse(json) as Pick<SuppressionEntry, 'reason' | 'source'>;
    if (restCache.size >= 1_000) restCache.clear();
    restCache.set(json, rest);
  }
  return rest;
}

/** Decodes `expires|firstSeen|lastSeen|{json}` (from `start` in `value`). */
function decode(
  address: string,
  stream: string | undefined,
  value: string,
  start = 0,
): SuppressionEntry {
  const a = value.indexOf('|', start);
  const b = value.indexOf('|', a + 1);
  const c = value.indexOf('|', b + 1);
  if (a < 0 || b < 0 || c < 0) {
    throw new RelayError({
      kind: 'config',
      provider: 'redis',
      message: `suppression entry for ${address} is not in relaykit's format: is another program writing under this prefix?`,
    });
  }
  const rest = parseRest(value.slice(c + 1));
  const entry: SuppressionEntry = {
    address,
    reason: rest.reason,
    firstSeen: new Date(Number(value.slice(a + 1, b))),
    lastSeen: new Date(Number(value.slice(b + 1, c))),
  };
  if (stream !== undefined) entry.stream = stream;
  if (rest.source !== undefined) entry.source = rest.source;
  const expires = value.slice(start, a);
  if (expires !== '0') entry.expiresAt = new Date(Number(expires));
  return entry;
}

const live = (value: string, now: number) => {
  const expires = Number(value.slice(0, value.indexOf('|')));
  return expires === 0 || expires > now;
};

const memberOf = (stream: string | undefined, address: string) => `${stream ?? ''}\u0000${address}`;
const splitMember = (member: string): [string | undefined, string] => {
  const at = member.indexOf('\u0000');
  const stream = member.slice(0, at);
  return [stream === '' ? undefined : stream, member.slice(at + 1)];
};

function normalise(address: unknown): string {
  const key = typeof address === 'string' ? address.trim().toLowerCase() : '';
  if (!key.includes('@') || key.endsWith('@')) {
    throw new RelayError({
      kind: 'invalid',
      field: 'address',
      message: `cannot suppress "${String(address)}": give an address (local@domain) or a whole domain (@domain)`,
    });
  }
  return key;
}

/**
 * The suppression list in Redis. Each scope (every stream, or one stream) is one hash of
 * address or '@domain' → entry, so a batch check is one Lua call doing a few HGETs per address.
 * A lex-sorted set indexes every entry for paging, a score-sorted set holds expiries, and
 * removals go to a capped stream. Expired entries stop counting at once and are deleted by
 * `sweep`, which each first page of `list` runs too.
 */
export function redisSuppressionStore(
  redis: Redis,
  keys: Keys,
  options: RedisSuppressionOptions = {},
): RedisSuppressionStore {
  const maxRemovals = options.maxRemovals ?? 100_000;

  return {
    async sweep(now = new Date(), limit = 10_000) {
      return Number(
        await sweep.run(
          redis,
          [keys.suppressionIndex, keys.suppressionExpiry, keys.suppressionDomains],
          [now.getTime(), keys.prefix, limit],
        ),
      );
    },

    async check(addresses, checkOptions = {}) {
      const now = (checkOptions.now ?? new Date()).getTime();
      const scopeKeys = [keys.suppressionGlobal, keys.suppressionDomains];
      if (checkOptions.stream !== undefined)
        scopeKeys.push(keys.suppressionScope(checkOptions.stream));
      const hits = new Map<string, SuppressionEntry>();
      const runs: Array<Promise<void>> = [];
      for (let start = 0; start < addresses.length; start += checkChunk) {
        const chunk = addresses.slice(start, start + checkChunk);
        // CR/LF cannot be in a valid address; dropping them keeps the '\n' framing intact.
        const joined = chunk.map((a) => a.toLowerCase().replace(/[\r\n]/g, '')).join('\n');
        runs.push(
          check.run(redis, scopeKeys, [now, joined]).then((reply) => {
            const text = String(reply);
            let line = 0;
            while (line < text.length) {
              const end = text.indexOf('\n', line);
              const stop = end === -1 ? text.length : end;
              const bar = text.indexOf('|', line);
              const address = chunk[Number(text.slice(line, bar)) - 1] as string;
              const how = text.charCodeAt(bar + 1) - 48;
              const key =
                how < 2
                  ? address.toLowerCase()
                  : address.toLowerCase().slice(address.lastIndexOf('@'));
              hits.set(
                address,
                decode(
                  key,
                  how % 2 === 1 ? checkOptions.stream : undefined,
                  text.slice(bar + 3, stop),
                ),
              );
              line = stop + 1;
            }
          }),
        );
      }
      await Promise.all(runs);
      return hits;
    },

    async add(entries) {
      if (entries.length === 0) return;
      const batch = 1_000;
      for (let start = 0; start < entries.length; start += batch) {
        const slice = entries.slice(start, start + batch);
        const scopeKeys: string[] = [];
        const args: Array<string | number> = [Date.now()];
        for (const e of slice) {
          scopeKeys.push(keys.suppressionScope(e.stream));
          const rest = JSON.stringify({
            reason: e.reason,
            ...(e.source ? { source: e.source } : {}),
          });
          args.push(
            e.stream ?? '',
            normalise(e.address),
            e.expiresAt?.getTime() ?? 0,
            e.firstSeen.getTime(),
            e.lastSeen.getTime(),
            rest,
          );
        }
        await add.run(
          redis,
          [keys.suppressionIndex, keys.suppressionExpiry, keys.suppressionDomains, ...scopeKeys],
          args,
        );
      }
    },

    async remove(address, removeOptions) {
      const key = address.trim().toLowerCase();
      const removed = await remove.run(
        redis,
        [
          keys.suppressionScope(removeOptions.stream),
          keys.suppressionIndex,
          keys.suppressionExpiry,
          keys.suppressionDomains,
          keys.suppressionRemovals,
        ],
        [
          removeOptions.stream ?? '',
          key,
          (removeOptions.now ?? new Date()).getTime(),
          removeOptions.by,
          removeOptions.reason,
          maxRemovals,
        ],
      );
      return removed === 1;
    },

    async list(listOptions = {}) {
      const limit = Math.max(1, Math.min(listOptions.limit ?? 100, 10_000));
      const now = Date.now();
      if (listOptions.cursor === undefined) await this.sweep(new Date(now), 1_000);
      const stream = listOptions.stream;
      // Within one stream the members share the `stream\0` prefix; '\u0001' is the next byte.
      const end = stream === undefined ? '+' : `(${stream}\u0001`;
      let after =
        listOptions.cursor === undefined
          ? stream === undefined
            ? '-'
            : `[${stream}\u0000`
          : `(${parseCursor(listOptions.cursor)}`;
      const entries: SuppressionEntry[] = [];
      for (;;) {
        const want = limit - entries.length + 1;
        const members = await redis.zrangebylex(
          keys.suppressionIndex,
          after,
          end,
          'LIMIT',
          0,
          want,
        );
        const values = members.length === 0 ? [] : await valuesOf(members);
        for (let i = 0; i < members.length; i += 1) {
          const member = members[i] as string;
          if (entries.length === limit)
            return {
              entries,
              cursor: Buffer.from(
                memberOf(entries.at(-1)?.stream, (entries.at(-1) as SuppressionEntry).address),
              ).toString('base64url'),
            };
          const value = values[i];
          after = `(${member}`;
          if (typeof value !== 'string' || !live(value, now)) continue;
          const [s, address] = splitMember(member);
          entries.push(decode(address, s, value));
        }
        if (members.length < want) return { entries };
      }
    },

    async removals(removalOptions = {}) {
      const address = removalOptions.address?.trim().toLowerCase();
      const limit = removalOptions.limit ?? 100;
      const out: SuppressionRemoval[] = [];
      let end = '+';
      for (;;) {
        const page = await redis.xrevrange(keys.suppressionRemovals, end, '-', 'COUNT', 500);
        for (const [id, fields] of page) {
          const f: Record<string, string> = {};
          for (let i = 0; i < fields.length; i += 2)
            f[fields[i] as string] = fields[i + 1] as string;
          end = `(${id}`;
          if (address !== undefined && f['address'] !== address) continue;
          const stream = f['stream'] === '' ? undefined : f['stream'];
          out.push({
            address: f['address'] as string,
            ...(stream === undefined ? {} : { stream }),
            removedAt: new Date(Number(f['at'])),
            by: f['by'] as string,
            reason: f['reason'] as string,
            entry: decode(f['address'] as string, stream, f['entry'] as string),
          });
          if (out.length >= limit) return out;
        }
        if (page.length < 500) return out;
      }
    },
  };

  async function valuesOf(members: readonly string[]): Promise<Array<string | null>> {
    const pipeline = redis.pipeline();
    for (const member of members) {
      const [stream, address] = splitMember(member);
      pipeline.hget(keys.suppressionScope(stream), address);
    }
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([error, value]) => {
      if (error) throw error;
      return value as string | null;
    });
  }
}

function parseCursor(cursor: string): string {
  const member = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!member.includes('\u0000')) {
    throw new RelayError({
      kind: 'invalid',
      field: 'cursor',
      message:
        'suppression list cursor is not one this store returned; list again without a cursor',
    });
  }
  return member;
}
