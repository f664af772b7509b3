import { RelayError } from '@relaykit/core';

/**
 * SQLite result codes (https://www.sqlite.org/rescode.html) as better-sqlite3 reports them on a
 * SqliteError's `code` (better-sqlite3 lib/sqlite-error.js), extended codes included
 * (SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_WRITE, …).
 */
function sqliteCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : '';
}

/** Another connection holds the lock: worth waiting for within the bound. */
export function isBusy(error: unknown): boolean {
  return /^SQLITE_(BUSY|LOCKED)(_|$)/.test(sqliteCode(error));
}

/** What to do about a fault that waiting will not cure, by primary result code. */
function advice(code: string): string | undefined {
  if (/^SQLITE_FULL/.test(code))
    return 'the disk (or the PRAGMA max_page_count limit) is full: free space on the volume holding the file, or raise the limit; the call was not completed';
  if (/^SQLITE_READONLY/.test(code))
    return 'the file is read-only: check its and its directory’s permissions (the -wal and -shm files are written beside it) and that the volume is mounted read-write';
  if (/^SQLITE_IOERR/.test(code))
    return 'the operating system reported an I/O error: check the disk and the volume holding the file';
  if (/^SQLITE_CANTOPEN/.test(code))
    return 'the file cannot be opened: check the path exists and its directory is writable';
  return undefined;
}

/** The typed error of a store call that found the database locked for the whole bound. */
export function storeBusy(
  store: string,
  path: string,
  limitMs: number,
  cause: unknown,
): RelayError {
  return new RelayError({
    kind: 'transient',
    provider: 'sqlite',
    message: `the ${store} store could not write to SQLite at ${path} within ${limitMs} ms (storeTimeoutMs): another connection held the database locked (${sqliteCode(cause)}); check for a long transaction in another process; the call was not completed`,
    cause,
  });
}

/**
 * A SQLite failure as the typed error relaykit raises: busy and locked ones after the bound,
 * disk full, read-only and I/O ones at once with what to do; anything else (a constraint, a bug)
 * unchanged.
 */
export function storeFault(store: string, path: string, error: unknown): unknown {
  if (error instanceof RelayError) return error;
  const code = sqliteCode(error);
  const todo = advice(code);
  if (todo === undefined) return error;
  return new RelayError({
    kind: 'transient',
    provider: 'sqlite',
    message: `the ${store} store cannot write to SQLite at ${path} (${code}): ${todo}`,
    cause: error,
  });
}

/**
 * Wraps a store so each call that meets a locked database (SQLITE_BUSY, SQLITE_LOCKED) is tried
 * again until `timeoutMs` has passed since it began, then fails with a typed error naming the
 * store and the file. Within one attempt the connection's busy handler waits (better-sqlite3's
 * `timeout` option, https://github.com/WiseLibs/better-sqlite3/blob/master/docs/api.md#new-databasepath-options,
 * which sets sqlite3_busy_timeout); SQLITE_LOCKED and the busy results SQLite returns without
 * calling the handler (https://www.sqlite.org/c3ref/busy_handler.html: a deadlock, a WAL
 * snapshot gone stale) are retried here, after a short pause that lets the event loop run. A
 * call that throws is rolled back whole (better-sqlite3's transaction wrapper), so trying it
 * again is safe.
 */
export function boundedSqlite<T extends object>(
  target: T,
  store: string,
  path: string,
  timeoutMs: number,
  setBusyTimeout: (ms: number) => void,
): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const started = Date.now();
        // A batch gets 1 ms more per item, as on Redis and PostgreSQL.
        const limit = timeoutMs + (Array.isArray(args[0]) ? args[0].length : 0);
        const call = (): unknown => (value as (...a: unknown[]) => unknown).apply(object, args);
        const retry = async (first: unknown): Promise<unknown> => {
          let last = first;
          for (let pause = 5; ; pause = Math.min(pause * 2, 50)) {
            const left = limit - (Date.now() - started);
            if (left <= 0) throw storeBusy(store, path, limit, last);
            await new Promise((r) => setTimeout(r, Math.min(pause, left)));
            const remaining = Math.max(1, limit - (Date.now() - started));
            setBusyTimeout(remaining);
            try {
              return await call();
            } catch (error) {
              if (!isBusy(error)) throw storeFault(store, path, error);
              last = error;
            } finally {
              setBusyTimeout(timeoutMs);
            }
          }
        };
        let result: unknown;
        try {
          result = call();
        } catch (error) {
          if (isBusy(error)) return retry(error);
          throw storeFault(store, path, error);
        }
        if (!(result instanceof Promise)) return result;
        return result.catch((error: unknown) => {
          if (isBusy(error)) return retry(error);
          throw storeFault(store, path, error);
        });
      };
    },
  });
}
