// `keel exec --oss` finds a running local server by asking each local provider's port. Real keel
// processes; the local model server plays LM Studio or Ollama on its own port.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { startModelServer, textTurn } from "../support/model-server.js";
import { tempDir } from "../support/tmp.js";
import { closedPort, keel } from "./support.js";

/** A KEEL_HOME whose built-in local providers are moved to the given base URLs, and a repository. */
function localSetup(urls: { lmstudio?: string; ollama?: string }) {
  const home = tempDir("keel-oss-home-");
  const repo = path.join(tempDir("keel-oss-"), "repo");
  fs.mkdirSync(path.join(repo, ".git"), { recursive: true });
  const tables = Object.entries(urls).map(
    ([id, url]) =>
      `[model_providers.${id}]\nname = "${id}"\nbase_url = "${url}"\nwire_api = "chat"\nrequest_max_retries = 0\n`,
  );
  fs.writeFileSync(path.join(home, "config.toml"), `model = "local-model"\n\n${tables.join("\n")}`);
  return { home, repo, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, KEEL_HOME: home } };
}

describe("keel exec --oss", () => {
  it("uses the local server that answers (here LM Studio), without oss_provider configured", async () => {
    const server = await startModelServer();
    try {
      const s = localSetup({ lmstudio: server.url, ollama: `http://127.0.0.1:${await closedPort()}/v1` });
      server.enqueue(textTurn("Hello from the local model."));
      const r = await keel(["exec", "--oss", "hi"], { cwd: s.repo, env: s.env });
      expect(r.stderr).toContain("provider: lmstudio");
      expect(r.stdout).toBe("Hello from the local model.\n");
      expect(r.code).toBe(0);
      expect(server.requests.map((q) => `${q.method} ${q.path}`)).toEqual([
        "GET /v1/models",
        "POST /v1/chat/completions",
      ]);
    } finally {
      await server.close();
    }
  });

  it("no server on the documented ports: a clear error naming what was probed, exit 1", async () => {
    // The built-in providers: Ollama on 11434, LM Studio on 1234 (nothing listens there in tests).
    const s = localSetup({});
    const r = await keel(["exec", "--oss", "hi"], { cwd: s.repo, env: s.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "keel: --oss: no local model server answered (probed LM Studio at http://localhost:1234/v1/models and Ollama at http://localhost:11434/v1/models). Start Ollama or LM Studio, or choose one with --local-provider or oss_provider in config.toml.\n",
    );
    expect(fs.existsSync(path.join(s.home, "sessions"))).toBe(false);
  });

  it("--local-provider and oss_provider skip the probe", async () => {
    const server = await startModelServer();
    try {
      const s = localSetup({ ollama: server.url });
      server.enqueue(textTurn("From ollama."));
      const r = await keel(["exec", "--oss", "--local-provider", "ollama", "hi"], {
        cwd: s.repo,
        env: s.env,
      });
      expect(r.stdout).toBe("From ollama.\n");
      server.enqueue(textTurn("Configured."));
      const c = await keel(["exec", "--oss", "-c", 'oss_provider="ollama"', "hi"], {
        cwd: s.repo,
        env: s.env,
      });
      expect(c.stdout).toBe("Configured.\n");
      expect(server.requests.map((q) => `${q.method} ${q.path}`)).toEqual([
        "POST /v1/chat/completions",
        "POST /v1/chat/completions",
      ]);
    } finally {
      await server.close();
    }
  });
});
