/**
 * Insertion order for bounded memory stores. Evicting through `map.keys().next()` gets slow once
 * many keys were deleted (the iterator walks the deleted slots), so the order is kept here: an
 * array with a moving head, compacted now and then.
 */
export function fifo<T>() {
  let items: T[] = [];
  let head = 0;
  return {
    push(item: T): void {
      items.push(item);
    },
    shift(): T | undefined {
      if (head >= items.length) return undefined;
      const item = items[head] as T;
      head += 1;
      if (head > 1024 && head * 2 > items.length) {
        items = items.slice(head);
        head = 0;
      }
      return item;
    },
    get size(): number {
      return items.length - head;
    },
  };
}
