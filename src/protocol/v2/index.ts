// Codex app-server protocol v2: zod schemas, one module per resource, and the method registry.
export * from "./account.js";
export * from "./approvals.js";
export * from "./config.js";
export * from "./initialize.js";
export * from "./items.js";
export * from "./mcp.js";
export * from "./misc.js";
export * from "./model.js";
export { v2TypeNames } from "./names.js";
export * from "./permissionProfile.js";
export * from "./registry.js";
export * from "./remembered-approvals.js";
export * from "./review.js";
export * from "./shared.js";
export * from "./thread.js";
export * from "./thread-manage.js";
export * from "./turn.js";
