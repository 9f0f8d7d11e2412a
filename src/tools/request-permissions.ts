import path from "node:path";
import { z } from "zod";
import type { RequestedPermissions } from "../protocol/events.js";
import type { FunctionToolSpec } from "./specs.js";

/**
 * The `request_permissions` tool (feature `request_permissions_tool`): the model asks the user
 * for extra filesystem or network access that later commands of the turn (or the session) get.
 * Parameters as Codex 0.169 offers them (captured); the descriptions are keel's.
 */

export const REQUEST_PERMISSIONS_TOOL_NAME = "request_permissions";

/** keel's one environment (Codex 0.169 names its local one `local`). */
export const LOCAL_ENVIRONMENT_ID = "local";

const pathList = (what: string) => ({
  type: "array" as const,
  items: { type: "string" as const },
  description: `Absolute paths that need ${what} access; leave out when none do.`,
});

export function requestPermissionsToolSpec(): FunctionToolSpec {
  return {
    type: "function",
    name: REQUEST_PERMISSIONS_TOOL_NAME,
    description:
      "Asks the user for more filesystem or network access and waits for the answer; the user may grant only part of it. What is granted applies to later commands of this turn, or of the whole session when the user grants it for the session. `environment_id` picks an environment (default: the primary one); relative paths resolve against its cwd.",
    strict: false,
    parameters: {
      type: "object",
      properties: {
        environment_id: {
          type: "string",
          description: "An environment id from <environment_context>; leave out for the primary environment.",
        },
        permissions: {
          type: "object",
          description: "The access wanted.",
          properties: {
            file_system: {
              type: "object",
              description: "Filesystem access wanted.",
              properties: { read: pathList("read"), write: pathList("write") },
              additionalProperties: false,
            },
            network: {
              type: "object",
              description: "Network access wanted.",
              properties: {
                enabled: { type: "boolean", description: "true asks for network access." },
              },
              additionalProperties: false,
            },
          },
          additionalProperties: false,
        },
        reason: { type: "string", description: "A short reason shown to the user." },
      },
      required: ["permissions"],
      additionalProperties: false,
    },
  };
}

export const RequestPermissionsArgsSchema = z.object({
  environment_id: z.string().optional(),
  reason: z.string().optional(),
  permissions: z.object({
    file_system: z
      .object({ read: z.array(z.string()).optional(), write: z.array(z.string()).optional() })
      .strict()
      .optional(),
    network: z.object({ enabled: z.boolean().optional() }).strict().optional(),
  }),
});
export type RequestPermissionsArgs = z.infer<typeof RequestPermissionsArgsSchema>;

export const REQUEST_PERMISSIONS_TEXT = {
  empty:
    "request_permissions requires at least one permission: file_system read/write paths or network.enabled",
  unknownEnvironment: (id: string) =>
    `unknown environment_id \`${id}\`; omit it to use the primary environment`,
  refusedWrite: (path: string, reason: string) =>
    `write access to ${path} was not granted: ${reason}. Commands still cannot write there.`,
} as const;

/** What the model asked for, paths made absolute against `cwd`, duplicates dropped. */
export function requestedFromArgs(args: RequestPermissionsArgs, cwd: string): RequestedPermissions {
  const absolute = (list: readonly string[] | undefined) =>
    list && list.length > 0 ? [...new Set(list.map((p) => path.resolve(cwd, p)))] : null;
  const read = absolute(args.permissions.file_system?.read);
  const write = absolute(args.permissions.file_system?.write);
  return {
    network: args.permissions.network?.enabled === true ? { enabled: true } : null,
    file_system: read || write ? { read, write } : null,
  };
}

/** Whether anything is asked (or granted) at all. */
export function isEmptyPermissions(p: RequestedPermissions): boolean {
  return (
    p.network?.enabled !== true &&
    (p.file_system?.read?.length ?? 0) === 0 &&
    (p.file_system?.write?.length ?? 0) === 0
  );
}

/** The granted part of a request: only what was asked survives; the rest of the answer is ignored. */
export function grantedSubset(
  requested: RequestedPermissions,
  answer: RequestedPermissions,
): RequestedPermissions {
  const within = (
    asked: readonly string[] | null | undefined,
    given: readonly string[] | null | undefined,
  ) => {
    const kept = (given ?? []).filter((p) => (asked ?? []).includes(p));
    return kept.length > 0 ? [...new Set(kept)] : null;
  };
  const read = within(requested.file_system?.read, answer.file_system?.read);
  const write = within(requested.file_system?.write, answer.file_system?.write);
  return {
    network:
      requested.network?.enabled === true && answer.network?.enabled === true ? { enabled: true } : null,
    file_system: read || write ? { read, write } : null,
  };
}

/**
 * The model's output, as Codex 0.169 writes it (captured): `network` always present (null when
 * not granted), `file_system` null or holding only the granted lists. Write paths the user
 * granted but keel refuses to open (`refused`) are left out of it and named on a line after it.
 */
export function grantOutput(
  granted: RequestedPermissions,
  scope: "turn" | "session",
  refused: readonly { path: string; reason: string }[] = [],
): string {
  const fs = granted.file_system;
  const fileSystem = fs
    ? { ...(fs.read ? { read: fs.read } : {}), ...(fs.write ? { write: fs.write } : {}) }
    : null;
  const json = JSON.stringify({ permissions: { network: granted.network, file_system: fileSystem }, scope });
  return [json, ...refused.map((r) => REQUEST_PERMISSIONS_TEXT.refusedWrite(r.path, r.reason))].join("\n");
}
