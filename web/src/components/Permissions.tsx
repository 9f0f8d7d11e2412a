import { useState } from "preact/hooks";
import { describePath, describeSandbox } from "../approvals.js";
import type { ClientRequestResult } from "../protocol.js";
import type { RpcClient } from "../rpc.js";
import type { ThreadView } from "../thread-state.js";

/** The thread's active permissions as a table, and `permissions/explain` for a typed path. */
export function PermissionsView({ view, client }: { view: ThreadView; client: RpcClient | null }) {
  const settings = view.settings;
  const [path, setPath] = useState("");
  const [result, setResult] = useState<
    { ok: true; value: ClientRequestResult<"permissions/explain"> } | { ok: false; value: string } | null
  >(null);

  async function explain(): Promise<void> {
    if (client === null || path.trim() === "") return;
    try {
      const value = await client.request("permissions/explain", {
        threadId: view.thread.id,
        path: path.trim(),
      });
      setResult({ ok: true, value });
    } catch (e) {
      setResult({ ok: false, value: e instanceof Error ? e.message : String(e) });
    }
  }

  if (settings === null) return <p class="muted">No settings known for this thread.</p>;
  const entries = settings.permissionProfile?.fileSystem?.entries ?? [];
  const network = settings.permissionProfile?.network?.enabled;
  return (
    <div class="permissions" data-testid="permissions-view">
      <table class="kv">
        <tbody>
          <tr>
            <th scope="row">Profile</th>
            <td>
              {settings.activePermissionProfile?.id ?? "(none named)"}
              {settings.activePermissionProfile?.extends != null
                ? ` extends ${settings.activePermissionProfile.extends}`
                : ""}
            </td>
          </tr>
          <tr>
            <th scope="row">Sandbox</th>
            <td>{describeSandbox(settings.sandbox)}</td>
          </tr>
          <tr>
            <th scope="row">Approvals</th>
            <td>
              {typeof settings.approvalPolicy === "string" ? settings.approvalPolicy : "granular"} (reviewer{" "}
              {settings.approvalsReviewer})
            </td>
          </tr>
          <tr>
            <th scope="row">Network</th>
            <td>{network == null ? "per sandbox" : network ? "enabled" : "restricted"}</td>
          </tr>
          <tr>
            <th scope="row">Working directory</th>
            <td>{settings.cwd}</td>
          </tr>
        </tbody>
      </table>
      {entries.length > 0 && (
        <table class="entries">
          <thead>
            <tr>
              <th scope="col">Path</th>
              <th scope="col">Access</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e, i) => (
              <tr key={i} class={`access-${e.access}`}>
                <td>{describePath(e.path)}</td>
                <td>{e.access}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        class="explain"
        onSubmit={(e) => {
          e.preventDefault();
          void explain();
        }}
      >
        <label>
          Why can (or can't) a command touch…
          <input
            data-testid="explain-input"
            placeholder="/path/to/file"
            value={path}
            onInput={(e) => setPath(e.currentTarget.value)}
          />
        </label>
        <button type="submit">Explain</button>
      </form>
      {result !== null && (
        <div class={`explain-result ${result.ok ? "" : "error"}`} data-testid="explain-result">
          {result.ok ? <ExplainResult value={result.value} /> : <p>{result.value}</p>}
        </div>
      )}
    </div>
  );
}

function ExplainResult({ value }: { value: ClientRequestResult<"permissions/explain"> }) {
  return (
    <dl>
      <dt>Path</dt>
      <dd>{value.path}</dd>
      <dt>Read</dt>
      <dd>{value.read ? "allowed" : "denied"}</dd>
      <dt>Write</dt>
      <dd>{value.write ? "allowed" : "denied"}</dd>
      <dt>Why</dt>
      <dd>{value.reason}</dd>
      <dt>Set by</dt>
      <dd>{value.source ?? "built-in default"}</dd>
    </dl>
  );
}
