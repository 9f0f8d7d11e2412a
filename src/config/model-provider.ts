import { z } from "zod";

/**
 * One `[model_providers.<id>]` table of config.toml, as Codex reads it (snake_case keys).
 * Built-in providers are defined in the config module and merged with user ones there.
 */
export const WireApiSchema = z.enum(["responses", "chat"]);
export type WireApi = z.infer<typeof WireApiSchema>;

export const ModelProviderInfoSchema = z.object({
  name: z.string(),
  base_url: z.string().optional(),
  /** Environment variable holding the API key; absent = no Authorization header. */
  env_key: z.string().optional(),
  env_key_instructions: z.string().optional(),
  wire_api: WireApiSchema.default("responses"),
  query_params: z.record(z.string(), z.string()).optional(),
  http_headers: z.record(z.string(), z.string()).optional(),
  /** Header name → environment variable whose value is sent when set. */
  env_http_headers: z.record(z.string(), z.string()).optional(),
  request_max_retries: z.number().int().min(0).optional(),
  stream_max_retries: z.number().int().min(0).optional(),
  stream_idle_timeout_ms: z.number().int().min(1).optional(),
  requires_openai_auth: z.boolean().optional(),
});
export type ModelProviderInfo = z.infer<typeof ModelProviderInfoSchema>;

/** A `[model_providers.<id>]` table as written: `name` may be left out (it defaults to the id). */
export const ModelProviderTomlSchema = ModelProviderInfoSchema.extend({ name: z.string().optional() });

/** A provider together with the id it was configured under. */
export interface ResolvedModelProvider {
  id: string;
  info: ModelProviderInfo;
}
