// Which Web Push endpoints Plaza will send to. The inbox POSTs to a subscription's endpoint and
// deletes it on 404/410, so an endpoint aimed at a private address is a blind SSRF with a
// one-bit answer. Only public hosts pass, and (when configured) only known push services.

export { DEFAULT_PUSH_SERVICE_HOSTS } from "../config";

export type PushEndpointRefusal =
  | { code: "push_endpoint_not_public"; detail: string }
  | { code: "push_service_not_allowed"; detail: string };

/** IPv4 ranges that are not public unicast (IANA special-purpose registry, multicast, reserved). */
const PRIVATE_V4: [string, number][] = [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // CGNAT
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local (cloud metadata)
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation
  ["192.88.99.0", 24], // 6to4 relay anycast
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation
  ["203.0.113.0", 24], // documentation
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
];

function v4ToInt(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

function isPrivateV4(address: number): boolean {
  return PRIVATE_V4.some(([base, bits]) => {
    const size = 2 ** (32 - bits);
    const start = v4ToInt(base) ?? 0;
    return address >= start && address < start + size;
  });
}

/** The eight 16-bit groups of an IPv6 literal (brackets removed), or undefined. */
function v6Groups(text: string): number[] | undefined {
  let head = text;
  const tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(head);
  if (v4) {
    const n = v4ToInt(v4[1]!);
    if (n === undefined) return undefined;
    tail.push(Math.floor(n / 65536), n % 65536);
    head = head.slice(0, -v4[1]!.length);
    if (head.endsWith(":") && !head.endsWith("::")) head = head.slice(0, -1);
  }
  const parse = (s: string) =>
    s === "" ? [] : s.split(":").map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN));
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const left = parse(halves[0]!);
  const right = [...(halves.length === 2 ? parse(halves[1]!) : []), ...tail];
  const fill = 8 - left.length - right.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return undefined;
  const groups = halves.length === 1 ? [...left, ...right] : [...left, ...new Array<number>(fill).fill(0), ...right];
  return groups.some(Number.isNaN) ? undefined : groups;
}

/** Public IPv6 is global unicast (2000::/3) minus documentation, Teredo/ORCHID and 6to4. */
function isPrivateV6(g: number[]): boolean {
  const first = g[0]!;
  if ((first & 0xe000) !== 0x2000) return true; // ::1, ::, mapped ::ffff:0:0/96, NAT64, ULA fc00::/7, fe80::/10, ff00::/8...
  if (first === 0x2001 && g[1]! === 0x0db8) return true; // 2001:db8::/32 documentation
  if (first === 0x2001 && g[1]! < 0x0200) return true; // 2001::/23 IETF protocol assignments (Teredo, ORCHID)
  if (first === 0x2002) return true; // 6to4 embeds any IPv4 address
  return false;
}

/** True when `host` (a URL hostname) is an IP literal or name that is not a public host. */
export function isNonPublicHost(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, "");
  if (name.startsWith("[") && name.endsWith("]")) {
    const groups = v6Groups(name.slice(1, -1));
    return groups === undefined || isPrivateV6(groups);
  }
  const v4 = v4ToInt(name);
  if (v4 !== undefined) return isPrivateV4(v4);
  if (!name.includes(".")) return true; // localhost, intranet single labels
  return [".localhost", ".local", ".internal", ".localdomain", ".home.arpa", ".arpa"].some(
    (suffix) => name.endsWith(suffix) || name === suffix.slice(1),
  );
}

/** True when `host` is on the allow-list (`name` exactly, `*.name` for any name below it). */
export function isAllowedPushHost(host: string, allowed: readonly string[]): boolean {
  const name = host.toLowerCase().replace(/\.$/, "");
  return allowed.some((entry) => {
    const rule = entry.toLowerCase();
    return rule.startsWith("*.") ? name.endsWith(rule.slice(1)) && name.length > rule.length - 1 : name === rule;
  });
}

/**
 * Why Plaza refuses to push to `endpoint`, or undefined when it may. `allowed` empty means any
 * public host (names are not resolved here: a name resolving to a private address is only
 * stopped by the allow-list, which is why one is on by default).
 */
export function pushEndpointRefusal(endpoint: string, allowed: readonly string[]): PushEndpointRefusal | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return { code: "push_endpoint_not_public", detail: "The endpoint is not a URL." };
  }
  if (url.username || url.password || isNonPublicHost(url.hostname)) {
    return {
      code: "push_endpoint_not_public",
      detail: "The endpoint must be on a public host (no private, loopback or reserved addresses).",
    };
  }
  if (allowed.length > 0 && !isAllowedPushHost(url.hostname, allowed)) {
    return {
      code: "push_service_not_allowed",
      detail: "The endpoint is not on a push service this server sends to (PUSH_SERVICE_HOSTS).",
    };
  }
  return undefined;
}
