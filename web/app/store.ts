// A minimal observable value and the hook that re-renders a component when it changes.
import { useEffect, useState } from "preact/hooks";

/** A value that components can watch. */
export class Store<T> {
  private readonly listeners = new Set<(value: T) => void>();
  constructor(private current: T) {}

  get value(): T {
    return this.current;
  }

  set(next: T): void {
    if (Object.is(next, this.current)) return;
    this.current = next;
    for (const fn of [...this.listeners]) fn(next);
  }

  update(fn: (value: T) => T): void {
    this.set(fn(this.current));
  }

  subscribe(fn: (value: T) => void): () => void {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }
}

/** The store's current value; the component re-renders when it changes. */
export function useStore<T>(store: Store<T>): T {
  const [value, setValue] = useState(store.value);
  useEffect(() => {
    setValue(store.value);
    return store.subscribe(setValue);
  }, [store]);
  return value;
}
