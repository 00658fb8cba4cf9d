// The one Node module the Worker uses (workerd provides it under nodejs_compat). Declared here
// rather than pulling @types/node into the Worker's types, which would bring Node's globals.
declare module "node:async_hooks" {
  export class AsyncLocalStorage<T> {
    getStore(): T | undefined;
    run<R>(store: T, callback: () => R): R;
  }
}
