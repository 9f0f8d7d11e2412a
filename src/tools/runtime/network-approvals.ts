import { randomUUID } from "node:crypto";
import net from "node:net";
import { appendNetworkRule, networkRuleSavedMessage } from "../../execpolicy/amend.js";
import type { NetworkProtocol } from "../../execpolicy/policy.js";
import type { SessionExecPolicy } from "../../execpolicy/session-policy.js";
import type { BlockReason } from "../../network-proxy/decision.js";
import type { NetworkAskRequest, ProxyProtocol, ProxyRequestRecord } from "../../network-proxy/runtime.js";
import type { ReviewDecision } from "../../protocol/events.js";
import type { ToolContext } from "../../session/tool-router.js";

/**
 * Network approvals of one thread (network-proxy.md §6): the managed proxy asks about allowlist
 * misses, keyed by (protocol, host, port). Session caches answer first, one approval per key is
 * outstanding at a time (other requests wait for it), and without a running command of an active
 * turn, under `never` or outside a restricted profile the miss is refused unasked. A refusal is
 * charged to the command that caused it, whose item then fails (the "blocked command result").
 */

/** What the proxy's host list should become after a saved `network_rule`. */
export type PolicyChange = { host: string; action: "allow" | "deny" };

export interface NetworkApprovalsHost {
  /** Applies a saved rule to the running proxy at once. */
  updatePolicy(change: PolicyChange): Promise<void>;
}

/** One sandboxed run that goes through the proxy; `end` says why the network refused it, if so. */
export interface NetworkAttempt {
  end(): string | null;
  /**
   * The run went on in the background after its call returned (spec §6, "deferred"): it stays
   * charged for refusals until `end`, and the first one (also one already recorded) is handed to
   * `onRefused` once, so its owner can stop it and tell the model on the next poll.
   */
  defer(onRefused: (message: string) => void): void;
}

type Outcome = { by: "user" } | { by: "policy"; message: string };

interface Attempt {
  ctx: ToolContext;
  outcome: Outcome | null;
  onRefused?: ((message: string) => void) | undefined;
}

const outcomeText = (outcome: Outcome): string =>
  outcome.by === "user" ? REJECTED_BY_USER_NETWORK : outcome.message;

export const REJECTED_BY_USER_NETWORK = "rejected by user";

/** The "why" of a refusal the model is told (Codex 0.169 texts). */
const WHY: Record<BlockReason, string> = {
  not_allowed: "domain is not on the allowlist for the current sandbox mode",
  denied: "domain is explicitly denied by policy and cannot be approved from this prompt",
  not_allowed_local: "local/private network addresses are blocked by the sandbox policy",
  method_not_allowed: "request method is blocked by the current network mode",
  mitm_required: "request is blocked by network policy",
  mitm_hook_denied: "request is blocked by network policy",
};

export function blockedNetworkText(host: string, reason: BlockReason): string {
  return `Network access to ${JSON.stringify(host)} was blocked: ${WHY[reason]}.`;
}

/** The model's text for a command the network refused (Codex's unified exec error, verbatim). */
export function processFailedText(message: string): string {
  return `exec_command failed: ProcessFailed { message: ${JSON.stringify(message)} }`;
}

/** The wire spelling of the protocol (v2 `NetworkApprovalProtocol`). */
const WIRE_PROTOCOL: Record<ProxyProtocol, string> = {
  http: "http",
  https: "https",
  socks5Tcp: "socks5Tcp",
  socks5Udp: "socks5Udp",
};
/** The spelling in the approval key and item id (Codex `protocol_key_label`). */
const KEY_PROTOCOL: Record<ProxyProtocol, string> = {
  http: "http",
  https: "https",
  socks5Tcp: "socks5-tcp",
  socks5Udp: "socks5-udp",
};
/** The spelling of a saved `network_rule` (execpolicy.md §2). */
const RULE_PROTOCOL: Record<ProxyProtocol, NetworkProtocol> = {
  http: "http",
  https: "https",
  socks5Tcp: "socks5_tcp",
  socks5Udp: "socks5_udp",
};

/**
 * Whether a requested host names one host that an allow rule may hold. The host comes from the
 * sandboxed command (a CONNECT target, a SOCKS5 domain), so `*`, `**.com` or rule syntax would
 * otherwise reach the prompt, the proxy's allowlist (as a wildcard) and default.rules.
 */
export function isSpecificHost(host: string): boolean {
  return net.isIP(host) !== 0 || /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/.test(host);
}

export class ThreadNetworkApprovals {
  private readonly approved = new Set<string>();
  private readonly denied = new Set<string>();
  private readonly pending = new Map<string, Promise<boolean>>();
  private readonly attempts = new Set<Attempt>();

  constructor(
    private readonly keelHome: string,
    private readonly host: NetworkApprovalsHost,
    /** The session's exec policy: a saved rule joins it too, as the rules file would on a reload. */
    private readonly execPolicy?: SessionExecPolicy,
  ) {}

  /** A sandboxed run with the proxy starts; its refusals are recorded until `end`. */
  begin(ctx: ToolContext): NetworkAttempt {
    const attempt: Attempt = { ctx, outcome: null };
    this.attempts.add(attempt);
    return {
      end: () => {
        this.attempts.delete(attempt);
        attempt.onRefused = undefined;
        return attempt.outcome === null ? null : outcomeText(attempt.outcome);
      },
      defer: (onRefused) => {
        if (!this.attempts.has(attempt)) return;
        attempt.onRefused = onRefused;
        if (attempt.outcome !== null) this.reportDeferred(attempt);
      },
    };
  }

  /** The proxy's request log: a refused request is charged to the running command. */
  observe(record: ProxyRequestRecord): void {
    if (record.allowed || record.reason === undefined) return;
    this.charge({ by: "policy", message: blockedNetworkText(record.host, record.reason) });
  }

  /** The proxy's decider: may this allowlist miss go through? */
  decide(request: NetworkAskRequest): Promise<boolean> {
    if (!isSpecificHost(request.host)) return Promise.resolve(false);
    const key = `${KEY_PROTOCOL[request.protocol]}#${request.host}#${request.port}`;
    if (this.denied.has(key)) return Promise.resolve(false);
    if (this.approved.has(key)) return Promise.resolve(true);
    const waiting = this.pending.get(key);
    if (waiting) return waiting;
    const asked = this.ask(request, key).finally(() => this.pending.delete(key));
    this.pending.set(key, asked);
    return asked;
  }

  /** A refusal belongs to a command only when exactly one is running (Codex does the same). */
  private charge(outcome: Outcome): void {
    if (this.attempts.size !== 1) return;
    const [attempt] = this.attempts;
    // The user's own decline is what the command reports, whatever the proxy logs after it.
    if (attempt!.outcome?.by === "user") return;
    attempt!.outcome = outcome;
    this.reportDeferred(attempt!);
  }

  /** A background run's first refusal goes to its owner, once. */
  private reportDeferred(attempt: Attempt): void {
    const onRefused = attempt.onRefused;
    if (!onRefused || attempt.outcome === null) return;
    attempt.onRefused = undefined;
    onRefused(outcomeText(attempt.outcome));
  }

  /** The turn to ask in: the latest running command's, unless that turn is over. */
  private activeContext(): ToolContext | null {
    let latest: Attempt | null = null;
    for (const attempt of this.attempts) latest = attempt;
    if (!latest || latest.ctx.signal.aborted) return null;
    return latest.ctx;
  }

  private async ask(request: NetworkAskRequest, key: string): Promise<boolean> {
    const ctx = this.activeContext();
    if (!ctx) return false;
    if (ctx.config.approvalPolicy.value === "never") return false;
    if (ctx.config.fileSystemSandboxPolicy.kind !== "restricted") return false;
    const { host } = request;
    const allowRule = { host, action: "allow" as const };
    const decisions: ReviewDecision[] = [
      "approved",
      "approved_for_session",
      { network_policy_amendment: { network_policy_amendment: allowRule } },
      "abort",
    ];
    let decision: ReviewDecision;
    try {
      const response = await ctx.requestApproval({
        kind: "exec",
        callId: `network#local#${KEY_PROTOCOL[request.protocol]}#${host}#${request.port}#${randomUUID()}`,
        command: [],
        cwd: ctx.cwd,
        reason: `Network access to ${host} requires approval`,
        network: {
          context: { host, protocol: WIRE_PROTOCOL[request.protocol] },
          proposedAmendments: [allowRule, { host, action: "deny" }],
        },
        availableDecisions: decisions,
      });
      decision = response.decision;
    } catch {
      // The turn ended while the question was open.
      return false;
    }
    if (typeof decision === "object" && "network_policy_amendment" in decision) {
      const action = decision.network_policy_amendment.network_policy_amendment.action;
      await this.saveRule(ctx, request, action);
      if (action === "allow") {
        this.remember(key, true);
        return true;
      }
      this.charge({ by: "user" });
      this.remember(key, false);
      return false;
    }
    if (decision === "approved_for_session") {
      this.remember(key, true);
      return true;
    }
    if (decision === "approved" || typeof decision === "object") return true;
    this.charge({ by: "user" });
    return false;
  }

  private remember(key: string, allowed: boolean): void {
    (allowed ? this.denied : this.approved).delete(key);
    (allowed ? this.approved : this.denied).add(key);
  }

  /**
   * Appends the `network_rule` to default.rules; only once it is written is the model told and
   * the proxy's lists changed (a failed write is a warning, and the answer still holds for now).
   */
  private async saveRule(
    ctx: ToolContext,
    request: NetworkAskRequest,
    action: "allow" | "deny",
  ): Promise<void> {
    const rule = { host: request.host, protocol: RULE_PROTOCOL[request.protocol], action };
    try {
      if (this.execPolicy) this.execPolicy.amendNetwork(rule);
      else appendNetworkRule(this.keelHome, rule);
    } catch (error) {
      ctx.emit({
        type: "warning",
        message: `Failed to apply network policy amendment: ${(error as Error)?.message ?? String(error)}`,
      });
      return;
    }
    ctx.recordDeveloperMessage?.(networkRuleSavedMessage(request.host, action));
    await this.host.updatePolicy({ host: request.host, action });
  }
}
