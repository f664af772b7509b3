export type Listener<T> = (payload: T) => void;

export interface Emitter<TEvents extends object> {
  on<K extends keyof TEvents>(name: K, listener: Listener<TEvents[K]>): () => void;
  emit<K extends keyof TEvents>(name: K, payload: TEvents[K]): void;
  listenerCount(name: keyof TEvents): number;
}

/**
 * A small typed emitter. A listener that throws never breaks the pipeline that emitted: its error
 * goes to `onListenerError` (console.error by default).
 */
export function createEmitter<TEvents extends object>(
  onListenerError: (error: unknown, name: keyof TEvents) => void = (error, name) =>
    console.error(`[relaykit] a '${String(name)}' listener threw`, error),
): Emitter<TEvents> {
  const listeners = new Map<keyof TEvents, Set<Listener<never>>>();
  return {
    on(name, listener) {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      set.add(listener as Listener<never>);
      return () => set.delete(listener as Listener<never>);
    },
    emit(name, payload) {
      const set = listeners.get(name);
      if (!set) return;
      for (const listener of set) {
        try {
          (listener as Listener<typeof payload>)(payload);
        } catch (error) {
          onListenerError(error, name);
        }
      }
    },
    listenerCount(name) {
      return listeners.get(name)?.size ?? 0;
    },
  };
}
