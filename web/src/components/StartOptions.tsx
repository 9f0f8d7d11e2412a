import { useEffect, useState } from "preact/hooks";
import type { ClientParams } from "../protocol.js";
import type { RpcClient } from "../rpc.js";

export interface StartOptionsValue {
  cwd: string;
  model: string;
  /** "" (configuration default), a sandbox mode, or `profile:<id>`. */
  permissions: string;
  approvalPolicy: "" | "untrusted" | "on-request" | "on-failure" | "never";
}

export const defaultStartOptions: StartOptionsValue = {
  cwd: "",
  model: "",
  permissions: "",
  approvalPolicy: "",
};

const SANDBOX_MODES = ["read-only", "workspace-write", "danger-full-access"] as const;

/** thread/start params from the form; empty fields are left to keel's configuration. */
export function startParams(options: StartOptionsValue): ClientParams<"thread/start"> {
  // Tool items are persisted too, so a resumed thread shows its commands and diffs again.
  const params: ClientParams<"thread/start"> = { persistExtendedHistory: true };
  if (options.cwd.trim() !== "") params.cwd = options.cwd.trim();
  if (options.model.trim() !== "") params.model = options.model.trim();
  if (options.approvalPolicy !== "") params.approvalPolicy = options.approvalPolicy;
  if (options.permissions.startsWith("profile:")) params.permissions = options.permissions.slice(8);
  else {
    const mode = SANDBOX_MODES.find((m) => m === options.permissions);
    if (mode !== undefined) params.sandbox = mode;
  }
  return params;
}

interface Props {
  client: RpcClient | null;
  connected: boolean;
  value: StartOptionsValue;
  onChange(value: StartOptionsValue): void;
}

export function StartOptions({ client, connected, value, onChange }: Props) {
  const [models, setModels] = useState<{ id: string; label: string }[]>([]);
  const [profiles, setProfiles] = useState<{ id: string; label: string }[]>([]);

  useEffect(() => {
    if (client === null || !connected) return;
    client
      .request("model/list", {})
      .then((r) =>
        setModels(r.data.filter((m) => !m.hidden).map((m) => ({ id: m.model, label: m.displayName }))),
      )
      .catch(() => setModels([]));
    client
      .request("permissionProfile/list", {})
      .then((r) =>
        setProfiles(r.data.filter((p) => p.allowed).map((p) => ({ id: p.id, label: p.description ?? p.id }))),
      )
      .catch(() => setProfiles([]));
  }, [client, connected]);

  return (
    <details class="start-options">
      <summary>New thread options</summary>
      <label>
        Working directory
        <input
          type="text"
          placeholder="keel's working directory"
          value={value.cwd}
          onInput={(e) => onChange({ ...value, cwd: e.currentTarget.value })}
        />
      </label>
      <label>
        Model
        <input
          type="text"
          list="keel-models"
          placeholder="configured default"
          value={value.model}
          onInput={(e) => onChange({ ...value, model: e.currentTarget.value })}
        />
        <datalist id="keel-models">
          {models.map((m) => (
            <option key={m.id} value={m.id}>
              {m.label}
            </option>
          ))}
        </datalist>
      </label>
      <label>
        Sandbox / permission profile
        <select
          value={value.permissions}
          onChange={(e) => onChange({ ...value, permissions: e.currentTarget.value })}
        >
          <option value="">configured default</option>
          {SANDBOX_MODES.map((mode) => (
            <option key={mode} value={mode}>
              sandbox: {mode}
            </option>
          ))}
          {profiles.map((p) => (
            <option key={p.id} value={`profile:${p.id}`}>
              profile: {p.id}
            </option>
          ))}
        </select>
      </label>
      <label>
        Approvals
        <select
          value={value.approvalPolicy}
          onChange={(e) =>
            onChange({
              ...value,
              approvalPolicy: e.currentTarget.value as StartOptionsValue["approvalPolicy"],
            })
          }
        >
          <option value="">configured default</option>
          <option value="untrusted">untrusted</option>
          <option value="on-request">on-request</option>
          <option value="on-failure">on-failure</option>
          <option value="never">never</option>
        </select>
      </label>
    </details>
  );
}
