import { normalizeDomain } from './address.ts';
import { RelayError } from './errors.ts';
import type { RoutingStrategy } from './routing.ts';

export interface StreamOptions {
  /** From domains this stream owns. No other stream may use them. */
  domains: string[];
  /** Providers that may carry this stream, in order of preference (all when absent). */
  providers?: string[];
  /** How this stream spreads over its providers; the relay's routing strategy when absent. */
  routing?: RoutingStrategy;
}

export interface StreamPolicy {
  /** The stream a message belongs to, after checking its From domain against the stream's own. */
  resolve(
    stream: string | undefined,
    fromDomain: string,
  ): { name: string | undefined; providers: string[] | undefined; routing?: RoutingStrategy };
  readonly names: string[];
}

/**
 * Streams keep transactional and outreach mail apart: each owns its From domains, and a message is
 * refused (kind 'config') when its From domain belongs to no stream or to another stream.
 */
export function createStreamPolicy(
  streams: Record<string, StreamOptions> | undefined,
  options: { defaultStream?: string; providerNames: readonly string[] },
): StreamPolicy {
  const entries = Object.entries(streams ?? {});
  const owner = new Map<string, string>();
  for (const [name, stream] of entries) {
    if (stream.domains.length === 0) {
      throw new RelayError({
        kind: 'config',
        message: `stream '${name}' lists no From domains; give it at least one`,
      });
    }
    for (const raw of stream.domains) {
      const domain = normalizeDomain(raw);
      if (domain === '')
        throw new RelayError({
          kind: 'config',
          message: `stream '${name}' has an invalid domain '${raw}'`,
        });
      const other = owner.get(domain);
      if (other !== undefined) {
        throw new RelayError({
          kind: 'config',
          message: `streams '${other}' and '${name}' share the From domain ${domain}; give each stream its own domain (e.g. a subdomain) so one stream's reputation cannot harm the other`,
        });
      }
      owner.set(domain, name);
    }
    for (const p of stream.providers ?? []) {
      if (!options.providerNames.includes(p)) {
        throw new RelayError({
          kind: 'config',
          message: `stream '${name}' names provider '${p}', which is not configured`,
        });
      }
    }
  }
  if (options.defaultStream !== undefined && !(streams && options.defaultStream in streams)) {
    throw new RelayError({
      kind: 'config',
      message: `defaultStream '${options.defaultStream}' is not a configured stream`,
    });
  }

  return {
    names: entries.map(([n]) => n),
    resolve(requested, fromDomain) {
      if (entries.length === 0) {
        return { name: requested, providers: undefined };
      }
      const name = requested ?? options.defaultStream ?? owner.get(fromDomain);
      if (name === undefined) {
        throw new RelayError({
          kind: 'config',
          field: 'stream',
          message: `no stream owns the From domain ${fromDomain}; set message.stream or add the domain to a stream`,
        });
      }
      const stream = streams?.[name];
      if (!stream) {
        throw new RelayError({
          kind: 'config',
          field: 'stream',
          message: `unknown stream '${name}'; configured streams: ${entries.map(([n]) => n).join(', ')}`,
        });
      }
      const domainOwner = owner.get(fromDomain);
      if (domainOwner !== name) {
        throw new RelayError({
          kind: 'config',
          field: 'from',
          message:
            domainOwner === undefined
              ? `stream '${name}' may not send from ${fromDomain}; use one of its domains (${stream.domains.join(', ')})`
              : `${fromDomain} belongs to stream '${domainOwner}', not '${name}'; send ${name} mail from ${stream.domains.join(', ')}`,
        });
      }
      return {
        name,
        providers: stream.providers,
        ...(stream.routing ? { routing: stream.routing } : {}),
      };
    },
  };
}
