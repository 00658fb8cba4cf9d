// Memory of a local server: find the process listening on a port (Linux /proc), climb to the
// top of its server process tree, and sum the RSS of its workerd processes.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

function listeningInode(port: number): string | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let lines: string[];
    try {
      lines = readFileSync(file, "utf8").split("\n").slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const cols = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT; state 0A is LISTEN; inode is column 10.
      if (cols[1]?.endsWith(`:${hexPort}`) && cols[3] === "0A") return cols[9];
    }
  }
  return undefined;
}

const pids = () => readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number);

function stat(pid: number): { ppid: number; comm: string; rssKb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (name: string) => status.match(new RegExp(`^${name}:\\s+(.*)$`, "m"))?.[1] ?? "";
    return { ppid: Number(field("PPid")), comm: field("Name"), rssKb: Number.parseInt(field("VmRSS") || "0", 10) };
  } catch {
    return undefined;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return "";
  }
}

/** The pid that owns the listening socket on `port`. */
export function listenerPid(port: number): number | undefined {
  const inode = listeningInode(port);
  if (!inode) return undefined;
  for (const pid of pids()) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`) return pid;
      } catch {
        // fd closed meanwhile
      }
    }
  }
  return undefined;
}

/** RSS (bytes) of every workerd process in the server tree serving `port`, or undefined. */
export function serverWorkerdRss(port: number): { bytes: number; processes: number } | undefined {
  const listener = listenerPid(port);
  if (listener === undefined) return undefined;
  // Climb while the parent is still part of the server (npm start, wrangler, miniflare, workerd).
  let top = listener;
  for (let parent = stat(top)?.ppid; parent && parent > 1 && /start\.ts|wrangler|miniflare|workerd/.test(cmdline(parent)); parent = stat(parent)?.ppid) {
    top = parent;
  }
  const children = new Map<number, number[]>();
  const info = new Map<number, NonNullable<ReturnType<typeof stat>>>();
  for (const pid of pids()) {
    const s = stat(pid);
    if (!s) continue;
    info.set(pid, s);
    children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  }
  let bytes = 0;
  let processes = 0;
  const stack = [top];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    const s = info.get(pid);
    if (s?.comm === "workerd") {
      bytes += s.rssKb * 1024;
      processes++;
    }
    stack.push(...(children.get(pid) ?? []));
  }
  return { bytes, processes };
}
