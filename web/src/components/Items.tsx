import { useEffect, useMemo } from "preact/hooks";
import { diffLines } from "../diff.js";
import { renderMarkdown } from "../markdown.js";
import type { FileUpdateChange, ThreadItem } from "../protocol.js";
import type { ItemView } from "../thread-state.js";
import { loadXterm, TerminalView } from "./Terminal.js";

type ItemOf<T extends ThreadItem["type"]> = Extract<ThreadItem, { type: T }>;

export function ItemBlock({ view }: { view: ItemView }) {
  const item = view.item;
  switch (item.type) {
    case "userMessage":
      return (
        <div class="msg user" data-testid="user-message">
          {item.content.map((c, i) => (
            <p key={i}>{c.type === "text" ? c.text : `[${c.type}]`}</p>
          ))}
        </div>
      );
    case "agentMessage":
      return <AgentMessage text={item.text} streaming={!view.completed} />;
    case "reasoning":
      return <Reasoning parts={view.summary} />;
    case "plan":
      return (
        <div class="plan" data-testid="plan">
          <h3>Plan</h3>
          <Markdown text={item.text} />
        </div>
      );
    case "commandExecution":
      return <CommandItem item={item} output={view.output} />;
    case "fileChange":
      return <FileChangeItem item={item} />;
    case "mcpToolCall":
      return (
        <div class="tool">
          <strong>
            {item.server}.{item.tool}
          </strong>{" "}
          <span class={`status status-${item.status}`}>{item.status}</span>
          <pre>{JSON.stringify(item.arguments, null, 2)}</pre>
          {item.error !== null && <p class="notice error">{item.error.message}</p>}
          {item.result !== null && <pre>{JSON.stringify(item.result.content, null, 2)}</pre>}
        </div>
      );
    case "webSearch":
      return <div class="tool">Web search: {item.query}</div>;
    case "contextCompaction":
      return <div class="muted">Context compacted.</div>;
    case "hookPrompt":
      return <div class="muted">{item.fragments.map((f) => f.text).join("\n")}</div>;
    default:
      return <div class="muted">{item.type}</div>;
  }
}

function Markdown({ text }: { text: string }) {
  const html = useMemo(() => renderMarkdown(text), [text]);
  // renderMarkdown escapes raw HTML and sanitises the result with DOMPurify.
  return <div class="md" dangerouslySetInnerHTML={{ __html: html }} />;
}

function AgentMessage({ text, streaming }: { text: string; streaming: boolean }) {
  return (
    <div
      class={`msg agent ${streaming ? "streaming" : ""}`}
      data-testid="agent-message"
      aria-busy={streaming}
    >
      <Markdown text={text} />
    </div>
  );
}

function Reasoning({ parts }: { parts: string[] }) {
  const text = parts.filter((p) => p !== "").join("\n\n");
  if (text === "") return null;
  return (
    <details class="reasoning" open>
      <summary>Reasoning</summary>
      <Markdown text={text} />
    </details>
  );
}

function CommandItem({ item, output }: { item: ItemOf<"commandExecution">; output: string }) {
  // Fetch xterm as soon as a command shows up, so it is ready when output arrives.
  useEffect(() => {
    void loadXterm().catch(() => undefined);
  }, []);
  return (
    <div class={`command status-${item.status}`} data-testid="command-item" data-status={item.status}>
      <div class="command-head">
        <code class="cmdline">$ {item.command}</code>
        <span class="meta">
          {item.cwd} · <span class={`status status-${item.status}`}>{item.status}</span>
          {item.exitCode !== null ? ` · exit ${item.exitCode}` : ""}
          {item.durationMs !== null ? ` · ${(item.durationMs / 1000).toFixed(1)} s` : ""}
        </span>
      </div>
      {output !== "" && <TerminalView output={output} />}
    </div>
  );
}

function FileChangeItem({ item }: { item: ItemOf<"fileChange"> }) {
  return (
    <div class={`filechange status-${item.status}`} data-status={item.status}>
      <p class="meta">
        File changes · <span class={`status status-${item.status}`}>{item.status}</span>
      </p>
      {item.changes.map((change) => (
        <FileDiff key={change.path} change={change} />
      ))}
    </div>
  );
}

export function FileDiff({ change }: { change: FileUpdateChange }) {
  const kind = change.kind.type;
  const target =
    change.kind.type === "update" && change.kind.move_path !== null ? ` → ${change.kind.move_path}` : "";
  return (
    <figure class="diff-file">
      <figcaption>
        <span class={`kind kind-${kind}`}>{kind === "add" ? "A" : kind === "delete" ? "D" : "M"}</span>{" "}
        {change.path}
        {target}
      </figcaption>
      <pre class="diff" data-testid="diff">
        {diffLines(change).map((line, i) => (
          <span key={i} class={`dl dl-${line.kind}`}>
            {line.text}
            {"\n"}
          </span>
        ))}
      </pre>
    </figure>
  );
}
