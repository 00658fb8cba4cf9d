// Counts the D1 statements each request runs. The D1 binding is wrapped once per isolate (so
// the database client built over it stays cached); every statement that reaches D1 (first,
// all, run, raw, each statement of a batch, sessions too) adds one to the count of the request
// it runs in, found through AsyncLocalStorage. The count is answered in `Plaza-D1-Queries`
// (docs/API.md): it is how the tests and bench:feed show that a warm read touches no database.
import { AsyncLocalStorage } from "node:async_hooks";

interface Tally {
  queries: number;
}

const requests = new AsyncLocalStorage<Tally>();

/** Runs `work` with a fresh tally; `count()` inside it is the number of D1 statements so far. */
export function withQueryCount<T>(work: (count: () => number) => Promise<T>): Promise<T> {
  const tally: Tally = { queries: 0 };
  return requests.run(tally, () => work(() => tally.queries));
}

function add(n: number): void {
  const tally = requests.getStore();
  if (tally) tally.queries += n;
}

const RUNS = new Set<PropertyKey>(["first", "all", "run", "raw"]);

/** The real statement behind each counted one (D1's batch takes only its own statements). */
const originals = new WeakMap<D1PreparedStatement, D1PreparedStatement>();

function counted(statement: D1PreparedStatement): D1PreparedStatement {
  const wrapped = new Proxy(statement, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (prop === "bind") return (...values: unknown[]) => counted(target.bind(...values));
      const method = value as (...a: unknown[]) => unknown;
      if (!RUNS.has(prop)) return method.bind(target);
      return (...args: unknown[]) => {
        add(1);
        return method.apply(target, args);
      };
    },
  });
  originals.set(wrapped, statement);
  return wrapped;
}

const unwrap = (statement: D1PreparedStatement) => originals.get(statement) ?? statement;

interface Preparer {
  prepare(query: string): D1PreparedStatement;
  batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]>;
}

function countedPreparer<P extends Preparer>(target: P, extra: (prop: PropertyKey) => unknown): P {
  return new Proxy(target, {
    get(t, prop) {
      if (prop === "prepare") return (query: string) => counted(t.prepare(query));
      if (prop === "batch")
        return (statements: D1PreparedStatement[]) => {
          add(statements.length);
          return t.batch(statements.map(unwrap));
        };
      const special = extra(prop);
      if (special !== undefined) return special;
      const value: unknown = Reflect.get(t, prop, t);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(t) : value;
    },
  });
}

const wrappers = new WeakMap<D1Database, D1Database>();

/** `d1` with every statement counted against the running request (one wrapper per binding). */
export function countingD1(d1: D1Database): D1Database {
  let wrapped = wrappers.get(d1);
  if (!wrapped) {
    wrapped = countedPreparer(d1, (prop) =>
      prop === "withSession"
        ? (constraint?: string) => countedPreparer(d1.withSession(constraint), () => undefined)
        : undefined,
    );
    wrappers.set(d1, wrapped);
  }
  return wrapped;
}
