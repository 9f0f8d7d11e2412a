import { createHash } from "node:crypto";
import { amendmentLine, savedAmendments } from "../execpolicy/amend.js";
import type { RememberedApproval as WireRemembered } from "../protocol/v2/remembered-approvals.js";
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

/**
 * What any session started now would remember before the user grants anything: the amendments
 * saved in `$KEEL_HOME/rules/default.rules` (session approvals die with their session). The ids
 * are the ones `thread/approvals/list` gives the same amendments.
 */
export function savedApprovals(keelHome: string): RememberedApproval[] {
  return rememberedApprovals(
    savedAmendments(keelHome).map((prefix) => ({
      kind: "execpolicyAmendment",
      key: amendmentLine(prefix),
      prefix,
    })),
    [],
  );
}

function rememberedId(grant: RememberedGrant): string {
  return `${grant.kind}-${createHash("sha256").update(grant.key).digest("hex").slice(0, 16)}`;
}

/** Drops the internal cache key; an amendment lives in default.rules, the rest in the session. */
export function rememberedToWire(grant: RememberedApproval): WireRemembered {
  const { id } = grant;
  switch (grant.kind) {
    case "command":
      return {
        kind: "command",
        id,
        command: grant.command,
        cwd: grant.cwd,
        unsandboxed: grant.unsandboxed,
        source: "session",
      };
    case "patch":
      return { kind: "patch", id, path: grant.path, source: "session" };
    case "execpolicyAmendment":
      return { kind: "execpolicyAmendment", id, prefix: grant.prefix, source: "defaultRules" };
    case "mcpTool":
      return { kind: "mcpTool", id, server: grant.server, tool: grant.tool, source: "session" };
  }
}
