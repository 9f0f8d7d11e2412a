import { z } from "zod";
import { named } from "./names.js";
import { JsonValueSchema, PageParamsShape } from "./shared.js";

/**
 * MCP app-server methods (spec mcp.md §7), field for field as Codex 0.169's generated schema has
 * them. MCP objects the server sent (tools, resources, results) pass through unchanged, so they
 * are open (`looseObject`) past the fields the schema names.
 */

// mcpServerStatus/list

export const McpServerStatusDetailSchema = named(
  "McpServerStatusDetail",
  z.enum(["full", "toolsAndAuthOnly"]),
);

export const ListMcpServerStatusParamsSchema = named(
  "ListMcpServerStatusParams",
  z.object({
    ...PageParamsShape,
    /** Default `full`; `toolsAndAuthOnly` skips resources and templates. */
    detail: McpServerStatusDetailSchema.nullish(),
    /** Only this server (with a thread: that thread's connection). */
    serverName: z.string().nullish(),
    /** Report the loaded thread's servers; without it keel connects afresh (`runtimeStatus: null`). */
    threadId: z.string().nullish(),
  }),
);
export type ListMcpServerStatusParams = z.infer<typeof ListMcpServerStatusParamsSchema>;

export const McpAuthStatusSchema = named(
  "McpAuthStatus",
  z.enum(["unknown", "unsupported", "notLoggedIn", "bearerToken", "oAuth"]),
);
export type McpAuthStatus = z.infer<typeof McpAuthStatusSchema>;

export const McpServerConnectionStatusSchema = named(
  "McpServerConnectionStatus",
  z.enum([
    "notStarted",
    "starting",
    "connected",
    "authenticationRequired",
    "failed",
    "cancelled",
    "disabled",
  ]),
);

export const McpServerInfoSchema = named(
  "McpServerInfo",
  z.object({
    name: z.string(),
    version: z.string(),
    title: z.string().nullish(),
    description: z.string().nullish(),
    icons: z.array(JsonValueSchema).nullish(),
    websiteUrl: z.string().nullish(),
  }),
);

export const McpToolSchema = named(
  "Tool",
  z.looseObject({
    name: z.string(),
    inputSchema: JsonValueSchema,
    title: z.string().nullish(),
    description: z.string().nullish(),
    outputSchema: JsonValueSchema.optional(),
    annotations: JsonValueSchema.optional(),
    icons: z.array(JsonValueSchema).nullish(),
    _meta: JsonValueSchema.optional(),
  }),
);

export const McpResourceSchema = named(
  "Resource",
  z.looseObject({
    name: z.string(),
    uri: z.string(),
    title: z.string().nullish(),
    description: z.string().nullish(),
    mimeType: z.string().nullish(),
    size: z.number().int().nullish(),
    icons: z.array(JsonValueSchema).nullish(),
    annotations: JsonValueSchema.optional(),
    _meta: JsonValueSchema.optional(),
  }),
);

export const McpResourceTemplateSchema = named(
  "ResourceTemplate",
  z.looseObject({
    name: z.string(),
    uriTemplate: z.string(),
    title: z.string().nullish(),
    description: z.string().nullish(),
    mimeType: z.string().nullish(),
    annotations: JsonValueSchema.optional(),
  }),
);

export const McpServerStatusSchema = named(
  "McpServerStatus",
  z.object({
    name: z.string(),
    /** Keyed by the raw tool name. */
    tools: z.record(z.string(), McpToolSchema),
    resources: z.array(McpResourceSchema),
    resourceTemplates: z.array(McpResourceTemplateSchema),
    authStatus: McpAuthStatusSchema,
    /** The thread's connection state; null without a thread. */
    runtimeStatus: McpServerConnectionStatusSchema.nullish(),
    serverInfo: McpServerInfoSchema.nullish(),
    serverCapabilities: JsonValueSchema.optional(),
    toolListMeta: JsonValueSchema.optional(),
    /** Tool discovery failed (the start-up cause); null when a catalog is there. */
    toolsError: z.string().nullish(),
    /** `scheme://host:port` of an HTTP server; null for stdio. */
    httpOrigin: z.string().nullish(),
    pluginId: z.string().nullish(),
  }),
);
export type McpServerStatus = z.infer<typeof McpServerStatusSchema>;

export const ListMcpServerStatusResponseSchema = named(
  "ListMcpServerStatusResponse",
  z.object({ data: z.array(McpServerStatusSchema), nextCursor: z.string().nullable() }),
);
export type ListMcpServerStatusResponse = z.infer<typeof ListMcpServerStatusResponseSchema>;

// config/mcpServer/reload

export const McpServerRefreshResponseSchema = named("McpServerRefreshResponse", z.object({}));

// mcpServer/tool/call

export const McpServerToolCallParamsSchema = named(
  "McpServerToolCallParams",
  z.object({
    threadId: z.string(),
    server: z.string(),
    tool: z.string(),
    arguments: JsonValueSchema.optional(),
    _meta: JsonValueSchema.optional(),
  }),
);
export type McpServerToolCallParams = z.infer<typeof McpServerToolCallParamsSchema>;

/** The MCP `CallToolResult` as the server sent it. */
export const McpServerToolCallResponseSchema = named(
  "McpServerToolCallResponse",
  z.looseObject({
    content: z.array(JsonValueSchema),
    isError: z.boolean().nullish(),
    structuredContent: JsonValueSchema.optional(),
    _meta: JsonValueSchema.optional(),
  }),
);

// mcpServer/resource/read

export const McpResourceReadTargetSchema = named(
  "McpResourceReadTarget",
  z.object({ connectorId: z.string(), linkId: z.string().nullable() }),
);

export const McpResourceReadParamsSchema = named(
  "McpResourceReadParams",
  z.object({
    threadId: z.string().nullish(),
    server: z.string(),
    uri: z.string(),
    _meta: z.record(z.string(), JsonValueSchema).nullish(),
    /** Hosted apps only (not part of keel): accepted and ignored. */
    connectorId: z.string().nullish(),
    originCallId: z.string().nullish(),
    target: McpResourceReadTargetSchema.nullish(),
  }),
);
export type McpResourceReadParams = z.infer<typeof McpResourceReadParamsSchema>;

export const ResourceContentSchema = named(
  "ResourceContent",
  z.union([
    z.looseObject({
      uri: z.string(),
      text: z.string(),
      mimeType: z.string().nullish(),
      _meta: JsonValueSchema.optional(),
    }),
    z.looseObject({
      uri: z.string(),
      blob: z.string(),
      mimeType: z.string().nullish(),
      _meta: JsonValueSchema.optional(),
    }),
  ]),
);

export const McpResourceReadResponseSchema = named(
  "McpResourceReadResponse",
  z.object({ contents: z.array(ResourceContentSchema), originCallId: z.string().nullish() }),
);

// mcpServer/oauth/login

export const McpServerOauthClientRegistrationSchema = named(
  "McpServerOauthClientRegistration",
  z.enum(["auto", "cimd", "dcr"]),
);

export const McpServerOauthLoginParamsSchema = named(
  "McpServerOauthLoginParams",
  z.object({
    name: z.string(),
    scopes: z.array(z.string()).nullish(),
    timeoutSecs: z.number().int().nullish(),
    threadId: z.string().nullish(),
    clientRegistration: McpServerOauthClientRegistrationSchema.nullish(),
  }),
);
export type McpServerOauthLoginParams = z.infer<typeof McpServerOauthLoginParamsSchema>;

export const McpServerOauthLoginResponseSchema = named(
  "McpServerOauthLoginResponse",
  z.object({ authorizationUrl: z.string(), loginId: z.string().nullish() }),
);

export const McpServerOauthLoginCompletedNotificationSchema = named(
  "McpServerOauthLoginCompletedNotification",
  z.object({
    name: z.string(),
    success: z.boolean(),
    error: z.string().nullish(),
    loginId: z.string().nullish(),
    threadId: z.string().nullish(),
  }),
);
export type McpServerOauthLoginCompletedNotification = z.infer<
  typeof McpServerOauthLoginCompletedNotificationSchema
>;
