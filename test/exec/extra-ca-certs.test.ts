// NODE_EXTRA_CA_CERTS is deferred by bin/keel (Node would parse the file before keel starts) and
// honoured by keel itself: its HTTPS model requests trust the extra certificates, and the commands
// it runs see the variable as the user set it.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  DEFERRED_EXTRA_CA_CERTS,
  deferredCaSecureContext,
  restoreDeferredExtraCaCerts,
} from "../../src/lib/extra-ca-certs.js";
import { functionCall, textTurn, turn } from "../support/model-server.js";
import { inputItems, keel, REPO_ROOT, setup } from "./support.js";

const TLS_DIR = path.join(REPO_ROOT, "test/fixtures/tls");
const tls = {
  key: fs.readFileSync(path.join(TLS_DIR, "key.pem"), "utf8"),
  cert: fs.readFileSync(path.join(TLS_DIR, "cert.pem"), "utf8"),
};
const CERT_FILE = path.join(TLS_DIR, "cert.pem");

describe("NODE_EXTRA_CA_CERTS", () => {
  it("keel's HTTPS model requests trust the extra certificate; commands see the variable", async () => {
    const s = await setup({ tls });
    expect(s.server.url).toMatch(/^https:/);
    s.server.enqueue(
      turn([functionCall("exec_command", { cmd: 'printf "extra=%s" "$NODE_EXTRA_CA_CERTS"' }, "call_1")]),
      textTurn("Done."),
    );
    const r = await keel(["exec", "--sandbox", "workspace-write", "show it"], {
      cwd: s.repo,
      env: { ...s.env, NODE_EXTRA_CA_CERTS: CERT_FILE },
    });
    expect(r.stderr).not.toMatch(/certificate|Ignoring extra certs/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("Done.\n");
    const [output] = inputItems(s.server.modelRequests()[1]!.body, "function_call_output");
    expect(output.output).toContain(`extra=${CERT_FILE}`);
  });

  it("without it the self-signed model server is refused", async () => {
    const s = await setup({ tls });
    s.server.enqueue(textTurn("never sent"));
    const r = await keel(["exec", "hi"], { cwd: s.repo, env: s.env });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/SELF_SIGNED_CERT|self[- ]signed certificate/i);
    expect(s.server.modelRequests()).toHaveLength(0);
  });

  it("an unreadable file is ignored with Node's warning, as Node does, and requests still verify", async () => {
    const s = await setup({ tls });
    s.server.enqueue(textTurn("never sent"));
    const missing = path.join(s.home, "no-such-bundle.pem");
    const r = await keel(["exec", "hi"], { cwd: s.repo, env: { ...s.env, NODE_EXTRA_CA_CERTS: missing } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`Ignoring extra certs from \`${missing}\``);
    expect(r.stderr).toMatch(/SELF_SIGNED_CERT|self[- ]signed certificate/i);
  });
});

describe("restoreDeferredExtraCaCerts", () => {
  it("puts the variable back, unless the caller set NODE_EXTRA_CA_CERTS again (then Node loaded that)", () => {
    const warnings: string[] = [];
    const env: NodeJS.ProcessEnv = {};
    restoreDeferredExtraCaCerts(env);
    expect(env).toEqual({});
    expect(deferredCaSecureContext((m) => warnings.push(m))).toBeUndefined();

    const again: NodeJS.ProcessEnv = { [DEFERRED_EXTRA_CA_CERTS]: "/a.pem", NODE_EXTRA_CA_CERTS: "/b.pem" };
    restoreDeferredExtraCaCerts(again);
    expect(again).toEqual({ NODE_EXTRA_CA_CERTS: "/b.pem" });
    expect(deferredCaSecureContext((m) => warnings.push(m))).toBeUndefined();

    const deferred: NodeJS.ProcessEnv = { [DEFERRED_EXTRA_CA_CERTS]: CERT_FILE };
    restoreDeferredExtraCaCerts(deferred);
    expect(deferred).toEqual({ NODE_EXTRA_CA_CERTS: CERT_FILE });
    const context = deferredCaSecureContext((m) => warnings.push(m));
    expect(context).toBeDefined();
    expect(deferredCaSecureContext((m) => warnings.push(m))).toBe(context); // built once
    expect(warnings).toEqual([]);
  });
});
