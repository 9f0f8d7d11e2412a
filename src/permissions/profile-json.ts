import type { z } from "zod";
import { UserError } from "../lib/errors.js";
import {
  type PermissionProfile,
  PermissionProfileCoreInputSchema,
  PermissionProfileWireInputSchema,
} from "../protocol/permissions.js";
import { profileFromV2 } from "./profile.js";

/**
 * Parses a PermissionProfile given on the command line. Both spellings are accepted, so
 * `keel permissions explain` and `keel sandbox` take the same text; an unknown key is an error
 * naming it (exit 2), never a silently empty profile.
 */
export function parsePermissionProfileJson(text: string, flag = "--permission-profile"): PermissionProfile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${flag} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new UserError(
      `${flag} must be a JSON object with \`network\` and \`file_system\` (or \`fileSystem\`)`,
    );
  }
  if ("file_system" in json && "fileSystem" in json) {
    throw new UserError(`${flag} sets both \`file_system\` and \`fileSystem\`; use one spelling`);
  }
  if ("fileSystem" in json) {
    const parsed = PermissionProfileWireInputSchema.safeParse(json);
    if (!parsed.success) throw new UserError(`${flag}: ${describe(parsed.error)}`);
    return profileFromV2(parsed.data);
  }
  const parsed = PermissionProfileCoreInputSchema.safeParse(json);
  if (!parsed.success) throw new UserError(`${flag}: ${describe(parsed.error)}`);
  return parsed.data;
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0]!;
  const at = issue.path.length > 0 ? ` in \`${issue.path.join(".")}\`` : "";
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys.map((k) => `\`${k}\``).join(", ");
    const expected =
      issue.path.length === 0 ? "; expected `network` and `file_system` (or `fileSystem`)" : "";
    return `unknown key${issue.keys.length === 1 ? "" : "s"} ${keys}${at}${expected}`;
  }
  return `invalid value${at}: ${issue.message}`;
}
