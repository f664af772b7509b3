import * as dns from 'node:dns/promises';
import type { MxRecord, SoaRecord } from 'node:dns';

/**
 * The DNS queries the doctor makes. `node:dns/promises` and a `new Resolver()` from it both fit, so a
 * caller can point the doctor at a specific server with `resolver.setServers([...])`.
 */
export interface DnsResolver {
  resolveTxt(name: string): Promise<string[][]>;
  resolveMx(name: string): Promise<MxRecord[]>;
  resolveCname(name: string): Promise<string[]>;
  resolveSoa(name: string): Promise<SoaRecord>;
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
  resolvePtr(name: string): Promise<string[]>;
}

export const defaultResolver: DnsResolver = dns;

/** An answer, or why there is none: the name does not exist, it has no record of that type, or the query failed. */
export type Answer<T> =
  | { ok: true; value: T }
  | { ok: false; kind: 'nxdomain' | 'nodata' | 'error'; code: string; message: string };

export async function query<T>(run: () => Promise<T>): Promise<Answer<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const text = typeof code === 'string' ? code : 'EUNKNOWN';
    const kind = text === 'ENOTFOUND' ? 'nxdomain' : text === 'ENODATA' ? 'nodata' : 'error';
    return {
      ok: false,
      kind,
      code: text,
      message: error instanceof Error ? error.message : String(error),
    };
  }
}

/** How a missing answer reads in evidence. */
export function describeMissing(
  answer: { kind: 'nxdomain' | 'nodata' | 'error'; code: string },
  what: string,
  name: string,
): string {
  if (answer.kind === 'nxdomain') return `${what} ${name}: name does not exist (NXDOMAIN)`;
  if (answer.kind === 'nodata') return `${what} ${name}: no record`;
  return `${what} ${name}: query failed (${answer.code})`;
}

/** TXT strings of one record joined as RFC 7208 §3.3 and RFC 6376 §3.6.2.2 say: with no separator. */
export async function txtRecords(resolver: DnsResolver, name: string): Promise<Answer<string[]>> {
  const answer = await query(() => resolver.resolveTxt(name));
  return answer.ok ? { ok: true, value: answer.value.map((chunks) => chunks.join('')) } : answer;
}

export interface QueryLogEntry {
  type: string;
  name: string;
  outcome: 'answer' | 'void' | 'error';
}

/**
 * mailauth calls its resolver as `(name, rrtype)` with node:dns's answer shapes; this adapts a
 * DnsResolver to that and records each query so the report can show what the evaluation looked up.
 */
export function mailauthResolver(resolver: DnsResolver, log: QueryLogEntry[]) {
  const run = (name: string, rrtype: string): Promise<unknown> => {
    switch (rrtype) {
      case 'TXT':
        return resolver.resolveTxt(name);
      case 'MX':
        return resolver.resolveMx(name);
      case 'A':
        return resolver.resolve4(name);
      case 'AAAA':
        return resolver.resolve6(name);
      case 'PTR':
        return resolver.resolvePtr(name);
      case 'CNAME':
        return resolver.resolveCname(name);
      default:
        return Promise.reject(
          Object.assign(
            new Error(`[relaykit] [doctor] unsupported DNS type ${rrtype} for ${name}`),
            { code: 'ENOTIMP' },
          ),
        );
    }
  };
  return async (name: string, rrtype: string): Promise<unknown> => {
    try {
      const answer = await run(name, rrtype);
      log.push({ type: rrtype, name, outcome: 'answer' });
      return answer;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      log.push({
        type: rrtype,
        name,
        outcome: code === 'ENOTFOUND' || code === 'ENODATA' ? 'void' : 'error',
      });
      throw error;
    }
  };
}
