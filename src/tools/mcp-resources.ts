import type { ToolSpec } from "../protocol/model.js";

/**
 * The three resource tools Codex 0.169 offers once an MCP server is configured (texts as its
 * request carries them), and how their arguments read.
 */

export const LIST_MCP_RESOURCES = "list_mcp_resources";
export const LIST_MCP_RESOURCE_TEMPLATES = "list_mcp_resource_templates";
export const READ_MCP_RESOURCE = "read_mcp_resource";
export const MCP_RESOURCE_TOOL_NAMES: ReadonlySet<string> = new Set([
  LIST_MCP_RESOURCES,
  LIST_MCP_RESOURCE_TEMPLATES,
  READ_MCP_RESOURCE,
]);

function listSpec(name: string, what: string, kinds: string): ToolSpec {
  return {
    type: "function",
    name,
    description: `Lists ${what} provided by MCP servers. ${kinds} allow servers to share data that ${
      name === LIST_MCP_RESOURCES ? "provides" : "takes parameters and provides"
    } context to language models, such as files, database schemas, or application-specific information. Prefer ${what} over web search when possible.`,
    strict: false,
    parameters: {
      type: "object",
      properties: {
        cursor: {
          type: "string",
          description: `Opaque cursor from a previous ${name} call; omit for the first page.`,
        },
        server: {
          type: "string",
          description: `MCP server name. Omit to list ${what} from every configured server.`,
        },
      },
      additionalProperties: false,
    },
  };
}

export function mcpResourceToolSpecs(): ToolSpec[] {
  return [
    listSpec(LIST_MCP_RESOURCES, "resources", "Resources"),
    listSpec(LIST_MCP_RESOURCE_TEMPLATES, "resource templates", "Parameterized resource templates"),
    {
      type: "function",
      name: READ_MCP_RESOURCE,
      description: "Read a specific resource from an MCP server given the server name and resource URI.",
      strict: false,
      parameters: {
        type: "object",
        properties: {
          server: {
            type: "string",
            description:
              "MCP server name exactly as configured. Must match the 'server' field returned by list_mcp_resources.",
          },
          uri: {
            type: "string",
            description: "Resource URI to read. Must be one of the URIs returned by list_mcp_resources.",
          },
        },
        required: ["server", "uri"],
        additionalProperties: false,
      },
    },
  ];
}

export interface ResourceArgs {
  server?: string;
  cursor?: string;
  uri?: string;
}

/** The call's arguments, or the text the model reads when they are not an object of strings. */
export function parseResourceArgs(
  input: string,
): { ok: true; args: ResourceArgs } | { ok: false; message: string } {
  let value: unknown = {};
  if (input.trim() !== "") {
    try {
      value = JSON.parse(input);
    } catch (error) {
      return { ok: false, message: `failed to parse function arguments: ${(error as Error).message}` };
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return { ok: false, message: "failed to parse function arguments: expected an object" };
  const args: ResourceArgs = {};
  for (const key of ["server", "cursor", "uri"] as const) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== "string")
      return { ok: false, message: `failed to parse function arguments: \`${key}\` must be a string` };
    args[key] = v;
  }
  return { ok: true, args };
}
