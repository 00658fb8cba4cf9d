// Resident memory and CPU time of a process and all its descendants (a server: its node
// processes and workerd). CPU time per request is the fair measure on a shared machine,
// where other work decides how much wall-clock throughput a server gets.
import pidtree from "pidtree";
import pidusage from "pidusage";

export interface TreeUsage {
  /** Resident set size, bytes, summed over the tree. */
  rssBytes: number;
  /** User + system CPU time consumed so far, ms, summed over the tree's live processes. */
  cpuMs: number;
}

/** Usage of `pid` and every process below it. */
export async function treeUsage(pid: number): Promise<TreeUsage> {
  const pids = await pidtree(pid, { root: true });
  const stats = await pidusage(pids);
  pidusage.clear();
  // A process that exited between the two calls has no stats (null).
  return Object.values(stats)
    .filter((s): s is NonNullable<typeof s> => s !== null && s !== undefined)
    .reduce((total, s) => ({ rssBytes: total.rssBytes + s.memory, cpuMs: total.cpuMs + s.ctime }), { rssBytes: 0, cpuMs: 0 });
}

export const mib = (bytes: number) => bytes / 1_048_576;
