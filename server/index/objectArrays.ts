// Arrays whose hidden class does not depend on whether they are empty. V8 gives `[]` (and `[].map(...)`) another
// hidden class than an array that holds objects or strings; optimized code that has seen only one of the two is
// thrown away when the other arrives, and an index worker's per-file functions, which inline each other, were
// compiled several times over for it (the optimizing compiler ran for about a second of CPU per build). An array
// made here starts with the hidden class of an array of objects, empty or not.

/** An empty array with the hidden class of an array of objects (push to it as usual). */
export function objectArray<T>(): T[] {
  const a: T[] = [undefined as T];
  a.length = 0;
  return a;
}

/** `items.map(fn)` into an objectArray(). */
export function mapToObjects<S, T>(items: readonly S[], fn: (item: S) => T): T[] {
  const out = objectArray<T>();
  for (let i = 0; i < items.length; i++) out.push(fn(items[i]));
  return out;
}
