import net from "node:net";

/**
 * Domain patterns of the managed network proxy (network-proxy.md §4): case-insensitive, a
 * trailing dot ignored; `host` matches exactly, `*.d` matches subdomains of `d` at any depth but
 * not `d` itself, `**.d` matches `d` and its subdomains, and a lone `*` matches every host.
 */

export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1);
  while (h.endsWith(".")) h = h.slice(0, -1);
  return net.isIPv6(h) ? canonicalIpv6(h) : h;
}

/**
 * One spelling per IPv6 address, so `0:0:0:0:0:0:0:1` meets a `::1` pattern, and an IPv4-mapped
 * address (`::ffff:7f00:1`, `::ffff:127.0.0.1`) is the IPv4 address it reaches: otherwise a
 * denied IP literal would be reached by writing it another way.
 */
function canonicalIpv6(ip: string): string {
  let compressed: string;
  try {
    compressed = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return ip; // a scoped address (`fe80::1%eth0`): no URL form
  }
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(compressed);
  if (!mapped) return compressed;
  const high = Number.parseInt(mapped[1]!, 16);
  const low = Number.parseInt(mapped[2]!, 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join(".");
}

export function hostMatches(pattern: string, host: string): boolean {
  const p = normalizeHost(pattern);
  const h = normalizeHost(host);
  if (p === "*") return true;
  if (p.startsWith("**.")) {
    const base = p.slice(3);
    return h === base || h.endsWith(`.${base}`);
  }
  if (p.startsWith("*.")) return h.endsWith(`.${p.slice(2)}`);
  return h === p;
}

export function matchesAny(patterns: readonly string[], host: string): boolean {
  return patterns.some((p) => hostMatches(p, host));
}
