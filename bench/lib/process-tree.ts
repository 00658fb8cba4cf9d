// Resident memory and CPU time of a server: a process and all its descendants (npm start's
// node processes and workerd). CPU time per request is the fair measure on a shared machine,
// where other work decides how much wall-clock throughput a server gets. For a server this
// benchmark did not start, the process is found from its listening port (Linux /proc).
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import pidtree from "pidtree";
import pidusage from "pidusage";

export interface TreeUsage {
  /** Resident set size, bytes, summed over the tree. */
  rssBytes: number;
  /** User + system CPU time consumed so far, ms, summed over the tree's live processes. */
  cpuMs: number;
}

/** Every pid in the tree below `pid`, `pid` first. */
export const treePids = (pid: number): Promise<number[]> => pidtree(pid, { root: true });

/** Usage of `pid` and every process below it. */
export async function treeUsage(pid: number): Promise<TreeUsage> {
  const stats = await pidusage(await treePids(pid));
  pidusage.clear();
  // A process that exited between the two calls has no stats (null).
  return Object.values(stats)
    .filter((s): s is NonNullable<typeof s> => s !== null && s !== undefined)
    .reduce((total, s) => ({ rssBytes: total.rssBytes + s.memory, cpuMs: total.cpuMs + s.ctime }), {
      rssBytes: 0,
      cpuMs: 0,
    });
}

export const mib = (bytes: number) => bytes / 1_048_576;

function listeningInode(port: number): string | undefined {
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let lines: string[] = [];
    try {
      lines = readFileSync(file, "utf8").split("\n").slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const cols = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT; state 0A is LISTEN; the inode is column 10.
      if (cols[1]?.endsWith(hexPort) && cols[3] === "0A") return cols[9];
    }
  }
  return undefined;
}

const parentOf = (pid: number) => Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");

/** The top process of the server listening on `port` (climbing through npm start, Miniflare, wrangler, workerd). */
export function serverPidForPort(port: number): number | undefined {
  const inode = listeningInode(port);
  if (!inode) return undefined;
  for (const entry of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    if (!fds.some((fd) => safeReadlink(`/proc/${entry}/fd/${fd}`) === `socket:[${inode}]`)) continue;
    let top = Number(entry);
    try {
      for (
        let p = parentOf(top);
        p > 1 && /start\.ts|serve\/server\.ts|wrangler|miniflare|workerd/.test(cmdline(p));
        p = parentOf(p)
      )
        top = p;
    } catch {
      // a parent exited meanwhile: the tree so far is the server
    }
    return top;
  }
  return undefined;
}

function safeReadlink(file: string): string | undefined {
  try {
    return readlinkSync(file);
  } catch {
    return undefined;
  }
}

/** CPU ms used so far by each process of the tree, by command name (e.g. workerd, node). */
export async function cpuByCommand(pid: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const p of await treePids(pid)) {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, "utf8")
        .replace(/^.*\) /, "")
        .split(" ");
      const comm = /\((.*)\)/.exec(readFileSync(`/proc/${p}/stat`, "utf8"))?.[1] ?? "?";
      // utime and stime are fields 14 and 15 of /proc/<pid>/stat (here 12 and 13 after the name), in clock ticks.
      const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
      const name =
        comm === "node"
          ? `node ${
              cmdline(p)
                .split(" ")
                .find((a) => a.endsWith(".ts"))
                ?.split("/")
                .slice(-2)
                .join("/") ?? ""
            }`
          : comm;
      out[name] = (out[name] ?? 0) + ms;
    } catch {
      // exited meanwhile
    }
  }
  return out;
}
