// Resident memory of a process and all its descendants (a server and its workerd children).
import pidtree from "pidtree";
import pidusage from "pidusage";

/** RSS in bytes of `pid` and every process below it. */
export async function treeRssBytes(pid: number): Promise<number> {
  const pids = await pidtree(pid, { root: true });
  const stats = await pidusage(pids);
  pidusage.clear();
  return Object.values(stats).reduce((total, s) => total + s.memory, 0);
}

export const mib = (bytes: number) => bytes / 1_048_576;
