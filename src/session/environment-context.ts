import path from "node:path";
import { localTimeZone, processLocalDate } from "./local-zone.js";
import type { AskForApproval, SandboxPolicy } from "../protocol/permissions.js";

/**
 * The `<environment_context>` user message: what the model needs to know about where it runs.
 * Injected before the first turn and again only when one of its fields changes.
 */
export interface EnvironmentContext {
  cwd: string;
  approval_policy: string;
  sandbox_mode: string;
  network_access: "enabled" | "restricted";
  writable_roots: string[];
  shell: string;
  current_date: string;
  timezone: string;
  /** Requirements `[experimental_network]` domains (network-proxy.md §8); absent without them. */
  network?: NetworkContext;
}

export interface NetworkContext {
  allowed: string[];
  denied: string[];
}

export interface EnvironmentInputs {
  cwd: string;
  approvalPolicy: AskForApproval;
  sandboxPolicy: SandboxPolicy;
  networkEnabled: boolean;
  shellPath: string;
  now: Date;
  timezone: string;
  network?: NetworkContext | null;
}

export function approvalPolicyLabel(policy: AskForApproval): string {
  return typeof policy === "string" ? policy : "granular";
}

export function buildEnvironmentContext(input: EnvironmentInputs): EnvironmentContext {
  const policy = input.sandboxPolicy;
  const writable =
    policy.type === "workspace-write"
      ? [input.cwd, ...policy.writable_roots.filter((r) => r !== input.cwd)]
      : [];
  return {
    cwd: input.cwd,
    approval_policy: approvalPolicyLabel(input.approvalPolicy),
    sandbox_mode: policy.type,
    network_access: input.networkEnabled ? "enabled" : "restricted",
    writable_roots: writable,
    shell: path.basename(input.shellPath) || input.shellPath,
    current_date: localDate(input.now, input.timezone),
    timezone: input.timezone,
    ...(input.network
      ? { network: { allowed: [...input.network.allowed], denied: [...input.network.denied] } }
      : {}),
  };
}

export function sameEnvironment(a: EnvironmentContext | null, b: EnvironmentContext): boolean {
  return a !== null && JSON.stringify(a) === JSON.stringify(b);
}

export function renderEnvironmentContext(ctx: EnvironmentContext): string {
  const lines = [
    "<environment_context>",
    `  <cwd>${escapeXml(ctx.cwd)}</cwd>`,
    `  <approval_policy>${ctx.approval_policy}</approval_policy>`,
    `  <sandbox_mode>${ctx.sandbox_mode}</sandbox_mode>`,
    `  <network_access>${ctx.network_access}</network_access>`,
  ];
  if (ctx.writable_roots.length > 0) {
    lines.push("  <writable_roots>");
    for (const root of ctx.writable_roots) lines.push(`    <root>${escapeXml(root)}</root>`);
    lines.push("  </writable_roots>");
  }
  lines.push(
    `  <shell>${escapeXml(ctx.shell)}</shell>`,
    `  <current_date>${ctx.current_date}</current_date>`,
    `  <timezone>${escapeXml(ctx.timezone)}</timezone>`,
  );
  if (ctx.network) lines.push(`  ${renderNetwork(ctx.network)}`);
  lines.push("</environment_context>");
  return lines.join("\n");
}

/** One line, each list comma-joined and left out when empty (Codex renders the domains as given). */
function renderNetwork(network: NetworkContext): string {
  const element = (name: string, domains: string[]) =>
    domains.length === 0 ? "" : `<${name}>${domains.join(",")}</${name}>`;
  return `<network enabled="true">${element("allowed", network.allowed)}${element("denied", network.denied)}</network>`;
}

/** YYYY-MM-DD in the given IANA time zone. */
function localDate(now: Date, timeZone: string): string {
  // The process's own zone needs no ICU (its first DateTimeFormat costs ~25–30 ms).
  if (timeZone === localTimeZone()) return processLocalDate(now);
  try {
    return new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    }).format(now);
  } catch {
    return now.toISOString().slice(0, 10);
  }
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
