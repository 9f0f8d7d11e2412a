import { useState } from "preact/hooks";
import type { RequestPermissionProfile, ServerRequest, ThreadSettings } from "../protocol.js";
import type { RequestView } from "../thread-state.js";
import { type Decision, decisionsFor, describePath, describeSandbox, httpHref } from "../approvals.js";

interface Props {
  entry: RequestView;
  settings: ThreadSettings | null;
  onAnswer(requestId: ServerRequest["id"], result: unknown, choice: string): void;
}

/** One pending server request: what is asked, the context, and every decision offered. */
export function Approval({ entry, settings, onAnswer }: Props) {
  const { request, resolved } = entry;
  const [form, setForm] = useState<Record<string, string>>({});
  const decisions = decisionsFor(request, form);
  return (
    <section
      class={`approval ${resolved === null ? "pending" : "resolved"}`}
      data-testid="approval"
      data-request-id={String(request.id)}
      aria-label="Approval request"
    >
      <h3>{heading(request)}</h3>
      <Details request={request} settings={settings} form={form} onForm={setForm} />
      {resolved === null ? (
        <div class="decisions">
          {decisions.map((d, i) => (
            <button
              key={d.key + i}
              type="button"
              class={d.primary ? "primary" : d.danger ? "danger" : ""}
              data-testid={`approval-decision-${d.key}`}
              title={d.hint}
              onClick={() => onAnswer(request.id, d.result, d.label)}
            >
              {d.label}
            </button>
          ))}
        </div>
      ) : (
        <p class="resolved-note" data-testid="approval-resolved">
          {resolved.by === "here"
            ? `Answered: ${resolved.choice}`
            : "Resolved (answered elsewhere or withdrawn)"}
        </p>
      )}
    </section>
  );
}

function heading(request: ServerRequest): string {
  switch (request.method) {
    case "item/commandExecution/requestApproval":
      return request.params.networkApprovalContext != null ? "Allow network access?" : "Run this command?";
    case "item/fileChange/requestApproval":
      return "Apply these file changes?";
    case "item/permissions/requestApproval":
      return "Grant extra permissions?";
    case "mcpServer/elicitation/request":
      return `${request.params.serverName} asks for input`;
    case "item/tool/requestUserInput":
      return "The agent has questions";
    case "item/tool/call":
      return `Tool call ${request.params.tool}`;
  }
}

function Field({ label, children }: { label: string; children: preact.ComponentChildren }) {
  return (
    <div class="field">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function Permissions({ permissions }: { permissions: RequestPermissionProfile }) {
  const fs = permissions.fileSystem;
  return (
    <ul class="perm-list">
      {permissions.network?.enabled != null && <li>network: {permissions.network.enabled ? "on" : "off"}</li>}
      {(fs?.read ?? []).map((p) => (
        <li key={`r${p}`}>read {p}</li>
      ))}
      {(fs?.write ?? []).map((p) => (
        <li key={`w${p}`}>write {p}</li>
      ))}
      {(fs?.entries ?? []).map((e, i) => (
        <li key={`e${i}`}>
          {e.access} {describePath(e.path)}
        </li>
      ))}
    </ul>
  );
}

function Details({
  request,
  settings,
  form,
  onForm,
}: {
  request: ServerRequest;
  settings: ThreadSettings | null;
  form: Record<string, string>;
  onForm(form: Record<string, string>): void;
}) {
  const sandbox = settings === null ? null : describeSandbox(settings.sandbox);
  switch (request.method) {
    case "item/commandExecution/requestApproval": {
      const p = request.params;
      return (
        <dl>
          {p.command != null && (
            <Field label="Command">
              <code>{p.command}</code>
            </Field>
          )}
          {p.cwd != null && <Field label="In">{p.cwd}</Field>}
          {p.reason != null && <Field label="Reason">{p.reason}</Field>}
          {p.networkApprovalContext != null && (
            <Field label="Network">
              {p.networkApprovalContext.protocol}://{p.networkApprovalContext.host}
            </Field>
          )}
          {p.additionalPermissions != null && (
            <Field label="Also asks">
              <Permissions permissions={p.additionalPermissions} />
            </Field>
          )}
          {sandbox !== null && <Field label="Sandbox">{sandbox}</Field>}
        </dl>
      );
    }
    case "item/fileChange/requestApproval": {
      const p = request.params;
      return (
        <dl>
          {p.reason != null && <Field label="Reason">{p.reason}</Field>}
          {p.grantRoot != null && <Field label="Make writable">{p.grantRoot}</Field>}
          {sandbox !== null && <Field label="Sandbox">{sandbox}</Field>}
        </dl>
      );
    }
    case "item/permissions/requestApproval": {
      const p = request.params;
      return (
        <dl>
          <Field label="In">{p.cwd}</Field>
          {p.reason !== null && <Field label="Reason">{p.reason}</Field>}
          <Field label="Asks">
            <Permissions permissions={p.permissions} />
          </Field>
          {sandbox !== null && <Field label="Sandbox">{sandbox}</Field>}
        </dl>
      );
    }
    case "mcpServer/elicitation/request": {
      const p = request.params;
      if (p.mode === "url") {
        const href = httpHref(p.url);
        return (
          <dl>
            <Field label="Message">{p.message}</Field>
            <Field label="Open">
              {href === null ? (
                <code data-testid="elicitation-url">{p.url}</code>
              ) : (
                <a href={href} target="_blank" rel="noopener noreferrer" data-testid="elicitation-url">
                  {p.url}
                </a>
              )}
            </Field>
          </dl>
        );
      }
      return (
        <div>
          <p>{p.message}</p>
          <ElicitationForm schema={p.requestedSchema} form={form} onForm={onForm} />
        </div>
      );
    }
    case "item/tool/requestUserInput":
      return (
        <div>
          {request.params.questions.map((q) => (
            <div key={q.id} class="question">
              <strong>{q.header}</strong> {q.question}
              {q.options !== null && q.options.length > 0 && !q.isOther ? (
                <select
                  value={form[q.id] ?? ""}
                  onChange={(e) => onForm({ ...form, [q.id]: e.currentTarget.value })}
                >
                  <option value="">choose…</option>
                  {q.options.map((o) => (
                    <option key={o.label} value={o.label} title={o.description}>
                      {o.label}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  aria-label={q.question}
                  type={q.isSecret ? "password" : "text"}
                  value={form[q.id] ?? ""}
                  onInput={(e) => onForm({ ...form, [q.id]: e.currentTarget.value })}
                />
              )}
            </div>
          ))}
        </div>
      );
    case "item/tool/call":
      return null;
  }
}

function ElicitationForm({
  schema,
  form,
  onForm,
}: {
  schema: unknown;
  form: Record<string, string>;
  onForm(form: Record<string, string>): void;
}) {
  const properties = (
    schema as { properties?: Record<string, { title?: string; description?: string; enum?: unknown[] }> }
  )?.properties;
  if (properties === undefined) return null;
  return (
    <div class="elicitation">
      {Object.entries(properties).map(([name, prop]) => (
        <div key={name} class="question">
          {prop.title ?? name}
          {prop.description !== undefined && <small> {prop.description}</small>}
          {Array.isArray(prop.enum) ? (
            <select
              aria-label={prop.title ?? name}
              value={form[name] ?? ""}
              onChange={(e) => onForm({ ...form, [name]: e.currentTarget.value })}
            >
              <option value="">choose…</option>
              {prop.enum.map((v) => (
                <option key={String(v)} value={String(v)}>
                  {String(v)}
                </option>
              ))}
            </select>
          ) : (
            <input
              aria-label={prop.title ?? name}
              value={form[name] ?? ""}
              onInput={(e) => onForm({ ...form, [name]: e.currentTarget.value })}
            />
          )}
        </div>
      ))}
    </div>
  );
}

export type { Decision };
