import { z } from "zod";
import { named } from "./names.js";

/** Account and authentication (spec app-server.md §11). */

export const AccountSchema = named(
  "Account",
  z.discriminatedUnion("type", [
    z.object({ type: z.literal("apiKey") }),
    z.object({ type: z.literal("chatgpt"), email: z.string().nullable(), planType: z.string() }),
  ]),
);
export type Account = z.infer<typeof AccountSchema>;

export const GetAccountParamsSchema = named(
  "GetAccountParams",
  z.object({ refreshToken: z.boolean().nullish() }),
);
export type GetAccountParams = z.infer<typeof GetAccountParamsSchema>;

export const GetAccountResponseSchema = named(
  "GetAccountResponse",
  z.object({
    account: AccountSchema.nullable(),
    requiresOpenaiAuth: z.boolean(),
    /** [cur] */
    userId: z.string().nullish(),
    /** [cur] ChatGPT workspace routing; always null in keel. */
    workspaceRouting: z.null().optional(),
  }),
);
export type GetAccountResponse = z.infer<typeof GetAccountResponseSchema>;

export const RateLimitWindowSchema = named(
  "RateLimitWindow",
  z.object({
    usedPercent: z.number().int(),
    windowDurationMins: z.number().int().nullable(),
    resetsAt: z.number().int().nullable(),
  }),
);

export const CreditsSnapshotSchema = named(
  "CreditsSnapshot",
  z.object({ hasCredits: z.boolean(), unlimited: z.boolean(), balance: z.string().nullable() }),
);

export const RateLimitSnapshotSchema = named(
  "RateLimitSnapshot",
  z.object({
    limitId: z.string().nullable(),
    limitName: z.string().nullable(),
    primary: RateLimitWindowSchema.nullable(),
    secondary: RateLimitWindowSchema.nullable(),
    credits: CreditsSnapshotSchema.nullable(),
    planType: z.string().nullable(),
    rateLimitReachedType: z.string().nullable(),
  }),
);
export type RateLimitSnapshot = z.infer<typeof RateLimitSnapshotSchema>;

export const GetAccountRateLimitsResponseSchema = named(
  "GetAccountRateLimitsResponse",
  z.object({
    rateLimits: RateLimitSnapshotSchema,
    rateLimitsByLimitId: z.record(z.string(), RateLimitSnapshotSchema).nullish(),
  }),
);
export type GetAccountRateLimitsResponse = z.infer<typeof GetAccountRateLimitsResponseSchema>;

export const GetAuthStatusParamsSchema = named(
  "GetAuthStatusParams",
  z.object({ includeToken: z.boolean().nullish(), refreshToken: z.boolean().nullish() }),
);
export const GetAuthStatusResponseSchema = named(
  "GetAuthStatusResponse",
  z.object({
    authMethod: z.string().nullable(),
    authToken: z.string().nullable(),
    requiresOpenaiAuth: z.boolean().nullable(),
  }),
);
export type GetAuthStatusResponse = z.infer<typeof GetAuthStatusResponseSchema>;

export const CheckGovCloudRequirementsResponseSchema = named(
  "CheckGovCloudRequirementsResponse",
  z.object({ isGovCloud: z.boolean(), shouldWarn: z.boolean() }),
);

export const LoginAccountParamsSchema = named(
  "LoginAccountParams",
  z.discriminatedUnion("type", [
    z.object({ type: z.literal("apiKey"), apiKey: z.string() }),
    z.object({
      type: z.literal("chatgpt"),
      appBrand: z.enum(["codex", "chatgpt"]).nullish(),
      codexStreamlinedLogin: z.boolean().optional(),
      useHostedLoginSuccessPage: z.boolean().optional(),
    }),
    z.object({ type: z.literal("chatgptDeviceCode") }),
    z.object({
      type: z.literal("chatgptAuthTokens"),
      accessToken: z.string(),
      chatgptAccountId: z.string(),
      chatgptPlanType: z.string().nullish(),
    }),
    z.object({ type: z.literal("amazonBedrock"), apiKey: z.string(), region: z.string() }),
    z.object({
      type: z.literal("amazonBedrockAccessKeys"),
      accessKeyId: z.string(),
      secretAccessKey: z.string(),
      sessionToken: z.string().nullish(),
      region: z.string(),
    }),
  ]),
);
export type LoginAccountParams = z.infer<typeof LoginAccountParamsSchema>;

/** keel only completes API-key logins, which answer `{type: "apiKey"}` at once. */
export const LoginAccountResponseSchema = named(
  "LoginAccountResponse",
  z.object({ type: z.literal("apiKey") }),
);

export const CancelLoginAccountParamsSchema = named(
  "CancelLoginAccountParams",
  z.object({ loginId: z.string() }),
);
export const CancelLoginAccountResponseSchema = named(
  "CancelLoginAccountResponse",
  z.object({ status: z.enum(["canceled", "notFound"]) }),
);

export const AccountLoginCompletedNotificationSchema = named(
  "AccountLoginCompletedNotification",
  z.object({
    loginId: z.string().nullable(),
    success: z.boolean(),
    error: z.string().nullable(),
    /** [cur] */
    onboardingEntrypoint: z.null().optional(),
  }),
);
export type AccountLoginCompletedNotification = z.infer<typeof AccountLoginCompletedNotificationSchema>;

/** Codex's AuthMode values; keel reports `apikey` or null. */
export const AuthModeSchema = named(
  "AuthMode",
  z.enum([
    "apikey",
    "chatgpt",
    "chatgptAuthTokens",
    "headers",
    "agentIdentity",
    "personalAccessToken",
    "bedrockApiKey",
    "bedrockAccessKeys",
  ]),
);

export const AccountUpdatedNotificationSchema = named(
  "AccountUpdatedNotification",
  z.object({ authMode: AuthModeSchema.nullable(), planType: z.string().nullable() }),
);
export type AccountUpdatedNotification = z.infer<typeof AccountUpdatedNotificationSchema>;

export const AccountRateLimitsUpdatedNotificationSchema = named(
  "AccountRateLimitsUpdatedNotification",
  z.object({ rateLimits: RateLimitSnapshotSchema }),
);
export type AccountRateLimitsUpdatedNotification = z.infer<typeof AccountRateLimitsUpdatedNotificationSchema>;
