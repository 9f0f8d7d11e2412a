/**
 * Domain patterns of the managed network proxy (network-proxy.md §4): case-insensitive, a
 * trailing dot ignored; `host` matches exactly, `*.d` matches subdomains of `d` at any depth but
 * not `d` itself, `**.d` matches `d` and its subdomains, and a lone `*` matches every host.
 */

export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1);
  while (h.endsWith(".")) h = h.slice(0, -1);
  return h;
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
