interface Watchers {
  callbacks: Set<() => void>;
  fire: () => void;
}

const watched = new WeakMap<AbortSignal, Watchers>();

/**
 * Calls `callback` when `signal` aborts, until the returned function is called. However many
 * waits (attempts, backoff sleeps, throttle waits) run on one caller's signal at once, it carries
 * one listener of relaykit's (so 32 sends in flight on an app's shutdown signal raise no
 * MaxListenersExceededWarning), and none once they end.
 */
export function watchAbort(signal: AbortSignal, callback: () => void): () => void {
  let entry = watched.get(signal);
  if (!entry) {
    const callbacks = new Set<() => void>();
    const fire = () => {
      watched.delete(signal);
      for (const cb of callbacks) cb();
    };
    entry = { callbacks, fire };
    watched.set(signal, entry);
    signal.addEventListener('abort', fire, { once: true });
  }
  const { callbacks, fire } = entry;
  callbacks.add(callback);
  return () => {
    callbacks.delete(callback);
    if (callbacks.size === 0 && watched.get(signal) === entry) {
      watched.delete(signal);
      signal.removeEventListener('abort', fire);
    }
  };
}
