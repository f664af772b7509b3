import type { IncomingHttpHeaders } from 'node:http';
import type { Reply } from './reply.ts';

export interface SimRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly params: Readonly<Record<string, string>>;
}

export type Handler = (req: SimRequest) => Reply | Promise<Reply>;

interface PatternRoute {
  readonly method: string;
  readonly regex: RegExp;
  readonly names: readonly string[];
  readonly handler: Handler;
}

export interface Router {
  add(method: string, pattern: string, handler: Handler): void;
  match(
    method: string,
    path: string,
  ): { handler: Handler; params: Record<string, string> } | undefined;
}

/** Exact paths hit a Map (the hot JSON endpoints); `:param` patterns fall back to regexes. */
export function createRouter(): Router {
  const exact = new Map<string, Handler>();
  const patterns: PatternRoute[] = [];
  return {
    add(method, pattern, handler) {
      if (!pattern.includes(':')) {
        exact.set(`${method} ${pattern}`, handler);
        return;
      }
      const names: string[] = [];
      const source = pattern
        .split('/')
        .map((part) => {
          if (!part.startsWith(':')) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(part.slice(1));
          return '([^/]+)';
        })
        .join('/');
      patterns.push({ method, regex: new RegExp(`^${source}$`), names, handler });
    },
    match(method, path) {
      const hit = exact.get(`${method} ${path}`);
      if (hit) return { handler: hit, params: {} };
      for (const route of patterns) {
        if (route.method !== method) continue;
        const m = route.regex.exec(path);
        if (!m) continue;
        const params: Record<string, string> = {};
        route.names.forEach((name, i) => {
          params[name] = decodeURIComponent(m[i + 1] ?? '');
        });
        return { handler: route.handler, params };
      }
      return undefined;
    },
  };
}
