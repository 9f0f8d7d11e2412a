import path from "node:path";
import { ON_FAILURE_DEPRECATION_WARNING } from "../config/effective-permissions.js";
import type { EventMsg } from "../protocol/events.js";
import type { AskForApproval } from "../protocol/permissions.js";
import type { RolloutWarning } from "../rollout/reader.js";

export { ON_FAILURE_DEPRECATION_WARNING };
export { messageHistoryMetadata } from "../history/message-history.js";

export interface DeprecationNotice {
  summary: string;
  details: string | null;
}

export interface StartupNotices {
  /** Legacy feature flags and keys in use (DeprecationNotice events, emitted first). */
  deprecationNotices?: readonly DeprecationNotice[];
  /** Config start-up warnings (config load, requirement downgrades, AGENTS.md). */
  startupWarnings?: readonly string[];
  /** Enabled under-development features, unless the user suppressed the warning. */
  unstableFeatures?: readonly string[];
  /** Config file named in the unstable-features warning. */
  configFile?: string;
  /** Hook discovery problems: Codex emits them after every other start-up warning. */
  hookWarnings?: readonly string[];
}

export function unstableFeaturesWarning(features: readonly string[], configFile: string): string {
  return (
    `Under-development features enabled: ${features.join(", ")}. Under-development features are incomplete and ` +
    `may behave unpredictably. To suppress this warning, set \`suppress_unstable_features_warning = true\` in ${configFile}.`
  );
}

export function modelMismatchWarning(previous: string, current: string): string {
  return (
    `This session was recorded with model \`${previous}\` but is resuming with \`${current}\`. ` +
    `Consider switching back to \`${previous}\` if the results get worse.`
  );
}
/** Lines named one by one before the rest are summed up (a damaged file may have thousands). */
const NAMED_ROLLOUT_WARNINGS = 3;

/**
 * What resuming (or forking) told the reader about lines it skipped: a torn last line left by a
 * writer that stopped mid-write, or lines that do not parse. One message per named line.
 */
export function rolloutReadWarnings(file: string, warnings: readonly RolloutWarning[]): string[] {
  const messages = warnings
    .slice(0, NAMED_ROLLOUT_WARNINGS)
    .map((w) =>
      w.kind === "torn_final_line"
        ? `The last line of ${file} (line ${w.line}) was incomplete — keel stopped in the middle of ` +
          "writing it — and was skipped; nothing recorded before it is lost, and new items start on a fresh line."
        : `Line ${w.line} of ${file} could not be read and was skipped: ${w.message}`,
    );
  const rest = warnings.length - NAMED_ROLLOUT_WARNINGS;
  if (rest > 0)
    messages.push(`${rest} more unreadable line${rest === 1 ? "" : "s"} of ${file} were skipped.`);
  return messages;
}

/**
 * The events queued during start-up, in the order session.md §5 fixes: deprecation notices,
 * config warnings, the unstable-features warning, the deprecated `on-failure` warning, then the
 * hook warnings. The
 * config module may already have put the on-failure text among its warnings; it is moved to its
 * own slot so it appears exactly once, last.
 */
export function startupEvents(
  notices: StartupNotices,
  approvalPolicy: AskForApproval,
  keelHome: string,
): EventMsg[] {
  const events: EventMsg[] = [];
  for (const n of notices.deprecationNotices ?? []) {
    events.push({ type: "deprecation_notice", summary: n.summary, details: n.details });
  }
  const warnings = notices.startupWarnings ?? [];
  const onFailure = approvalPolicy === "on-failure" || warnings.includes(ON_FAILURE_DEPRECATION_WARNING);
  for (const message of warnings) {
    if (message !== ON_FAILURE_DEPRECATION_WARNING) events.push({ type: "warning", message });
  }
  if (notices.unstableFeatures && notices.unstableFeatures.length > 0) {
    const file = notices.configFile ?? path.join(keelHome, "config.toml");
    events.push({ type: "warning", message: unstableFeaturesWarning(notices.unstableFeatures, file) });
  }
  if (onFailure) events.push({ type: "warning", message: ON_FAILURE_DEPRECATION_WARNING });
  for (const message of notices.hookWarnings ?? []) events.push({ type: "warning", message });
  return events;
}
