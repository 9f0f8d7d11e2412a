import net from "node:net";

/**
 * Loopback, private and otherwise non-public addresses (network-proxy.md §4 step 2): the proxy
 * keeps commands off them unless `allow_local_binding` says otherwise.
 */
let blockList: net.BlockList | null = null;

/**
 * Built on first use: a BlockList is a native handle, which cannot live in keel's V8 start-up
 * snapshot (a module-level one makes the snapshot build fail).
 */
function nonPublic(): net.BlockList {
  if (blockList) return blockList;
  const blocked = new net.BlockList();
  for (const [prefix, bits] of [
    ["0.0.0.0", 8],
    ["10.0.0.0", 8],
    ["100.64.0.0", 10],
    ["127.0.0.0", 8],
    ["169.254.0.0", 16],
    ["172.16.0.0", 12],
    ["192.0.0.0", 24],
    ["192.168.0.0", 16],
    ["198.18.0.0", 15],
    ["224.0.0.0", 4],
    ["240.0.0.0", 4],
  ] as const)
    blocked.addSubnet(prefix, bits, "ipv4");
  for (const [prefix, bits] of [
    ["::", 128],
    ["::1", 128],
    ["fc00::", 7],
    ["fe80::", 10],
    ["ff00::", 8],
  ] as const)
    blocked.addSubnet(prefix, bits, "ipv6");
  blockList = blocked;
  return blocked;
}

export function isNonPublicAddress(ip: string): boolean {
  const family = net.isIP(ip);
  if (family === 0) return false;
  if (family === 6) {
    // An IPv4-mapped address is judged as the IPv4 address it carries.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    if (mapped) return nonPublic().check(mapped[1]!, "ipv4");
    return nonPublic().check(ip, "ipv6");
  }
  return nonPublic().check(ip, "ipv4");
}

/** `localhost` names and non-public IP literals: judged without any lookup. */
export function isLocalHostLiteral(host: string): boolean {
  return host === "localhost" || host.endsWith(".localhost") || isNonPublicAddress(host);
}
