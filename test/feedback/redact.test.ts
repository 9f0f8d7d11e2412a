import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { redactText } from "../../src/config/redact.js";

/**
 * Secrets as they land in a rollout: a command printed them (`cat ~/.keel/auth.json`, `env`,
 * a key file), then the line was JSON-encoded once more into the rollout record.
 */
const PLANTED: Record<string, string> = {
  accessToken: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEyMyJ9.c2lnbmF0dXJlLXBhcnQtMQ",
  refreshToken: "rt_refresh-secret-0001",
  awsSecret: "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY9",
  awsKeyId: "AKIAIOSFODNN7EXAMPLE",
  password: "hunter2-pass-0002",
  apiKeyHeader: "x-api-key-secret-0003",
  authHeader: "token-scheme-secret-0004",
  githubPat: "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
  pemBody: "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
};

const printed = [
  `{"OPENAI_API_KEY": null, "tokens": {"access_token": "${PLANTED.accessToken}", "refresh_token": "${PLANTED.refreshToken}"}}`,
  `AWS_SECRET_ACCESS_KEY=${PLANTED.awsSecret}`,
  `AWS_ACCESS_KEY_ID=${PLANTED.awsKeyId}`,
  `DB_PASSWORD=${PLANTED.password}`,
  `curl -H 'X-Api-Key: ${PLANTED.apiKeyHeader}' https://example.com`,
  `Authorization: Token ${PLANTED.authHeader}`,
  `GH=${PLANTED.githubPat}`,
  `-----BEGIN PRIVATE KEY-----\n${PLANTED.pemBody}\n-----END PRIVATE KEY-----`,
].join("\n");

describe("redactText", () => {
  it("removes every planted secret, raw and JSON-encoded as in a rollout line", () => {
    const rollout = JSON.stringify({ type: "function_call_output", payload: { output: printed } });
    for (const text of [printed, rollout]) {
      const out = redactText(text);
      for (const [kind, secret] of Object.entries(PLANTED)) expect(out, kind).not.toContain(secret);
    }
  });

  it("keeps token counts and ordinary words", () => {
    const usage =
      '{"type":"token_count","info":{"total_token_usage":{"input_tokens":1200,"output_tokens":34}}}';
    expect(redactText(usage)).toBe(usage);
    expect(redactText("the author wrote a password policy")).toBe("the author wrote a password policy");
  });

  it("removes the value of any credential-named assignment, in any of its printed shapes", () => {
    const name = fc.constantFrom("API_KEY", "access_token", "clientSecret", "DB_PASSWORD", "x-api-key");
    const secret = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_./+-]{11,40}$/);
    const shape = fc.constantFrom("%n=%s", '"%n": "%s"', "%n: %s", "%n = '%s'", "export %n=%s");
    fc.assert(
      fc.property(name, secret, shape, fc.boolean(), (n, s, form, encoded) => {
        const line = `before ${form.replace("%n", n).replace("%s", s)} after`;
        const text = encoded ? JSON.stringify({ output: line }) : line;
        expect(redactText(text)).not.toContain(s);
      }),
    );
  });
});
