/** Sandboxed execution: one policy, enforced by bubblewrap + seccomp (Linux) or Seatbelt (macOS). */
export { buildCommandEnv } from "./command-env.js";
export { compileSandboxPlan, hostControlSockets, type PlanEnv } from "./compile-plan.js";
export { looksSandboxDenied, SECCOMP_KILL_EXIT } from "./denial.js";
export { SandboxSetupError } from "./errors.js";
export { closeInheritedFds } from "./inherited-fds.js";
export {
  type BwrapCommand,
  buildBwrapCommand,
  DEFAULT_MASK_LIMITS,
  type MaskLimits,
  type MaskStats,
  type SandboxNote,
} from "./linux/bwrap-command.js";
export { DEFAULT_BWRAP_PATH, findBwrap } from "./linux/bwrap-path.js";
export { type ProbeResult, probeBwrap } from "./linux/probe.js";
export { buildSeccompProgram, currentSeccompArch, type SeccompArch } from "./linux/seccomp.js";
export { buildSeatbeltCommand, buildSeatbeltProfile, type SeatbeltCommand } from "./macos/seatbelt.js";
export { isUnrestrictedPlan, type SandboxPlan, type WritableRootPlan } from "./plan.js";
export {
  type RunSandboxedOptions,
  runSandboxed,
  type SandboxRunResult,
  type SpawnedCommand,
} from "./runner.js";
export { type QuarantinedFolder, quarantineNotice } from "./linux/quarantine.js";
