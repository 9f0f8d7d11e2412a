/**
 * The sandbox cannot be built for this command (a policy bwrap cannot express, a symlinked
 * protected path, too many masks, bubblewrap missing …). The command is refused, never run
 * unsandboxed; the message says why and what to change.
 */
export class SandboxSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SandboxSetupError";
  }
}

/** The command's working directory is gone (deleted or moved after the session started). */
export function missingWorkingDirectory(cwd: string): SandboxSetupError {
  return new SandboxSetupError(
    `working directory ${cwd} no longer exists (deleted or moved?); the command was not run. ` +
      "Recreate it or start from an existing directory.",
  );
}

/**
 * A writable root of the policy is missing. Dropping it would run the command with less than the
 * policy grants, and bwrap cannot bind a missing path, so this is a setup error naming the root.
 */
export function missingWritableRoot(root: string): SandboxSetupError {
  return new SandboxSetupError(
    `writable root ${root} does not exist; the command was not run. Create it, or remove it from ` +
      "the permissions (sandbox_workspace_write.writable_roots, a `write` entry of the permission " +
      "profile, or $TMPDIR).",
  );
}
