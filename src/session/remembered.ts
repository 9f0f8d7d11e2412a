import { createHash } from "node:crypto";
import { parseMcpApprovalKey } from "./mcp-tools.js";
import type { RememberedGrant } from "./tool-router.js";

/**
 * The listable view of what a session remembers granting: the router's grants (commands and
 * patches approved for the session, exec policy amendments) plus the MCP tools approved for the
 * session, which only the session's approval cache knows. Each gets an id derived from its key,
 * so the same grant keeps its id across listings and a revoke names exactly one grant.
 */

export type RememberedApproval = RememberedGrant & { id: string };

export function rememberedApprovals(
  routerGrants: readonly RememberedGrant[],
  cacheKeys: Iterable<string>,
): RememberedApproval[] {
  const mcp: RememberedGrant[] = [];
  for (const key of cacheKeys) {
    const parsed = parseMcpApprovalKey(key);
    if (parsed) mcp.push({ kind: "mcpTool", key, ...parsed });
  }
  return [...routerGrants, ...mcp].map((grant) => ({ ...grant, id: rememberedId(grant) }));
}

function rememberedId(grant: RememberedGrant): string {
  return `${grant.kind}-${createHash("sha256").update(grant.key).digest("hex").slice(0, 16)}`;
}
