import { v7 as uuidv7 } from "uuid";
import { ReviewOutputSchema } from "../protocol/review.js";
import { REVIEWER_FAILED_TEXT, renderReviewOutput } from "../review/output.js";
import type { RolloutItem } from "../protocol/rollout.js";
import { mcpToolCallItem } from "../tools/mcp-item.js";

/**
 * Projection of rollout items onto app-server v2 `Turn`s (app-server.md §5.2, §8, §8.1): one turn
 * per `task_started` … `task_complete`/`turn_aborted`, items from the persisted events, ids
 * `item-1`, `item-2`, … counted over the whole thread. Plain camelCase objects; the app-server
 * validates them with its schemas.
 */

export type V2ThreadItem = { type: string; id: string; [key: string]: unknown };

export interface V2TurnError {
  message: string;
  codexErrorInfo: unknown;
  additionalDetails: string | null;
}

export interface V2Turn {
  id: string;
  items: V2ThreadItem[];
  status: "inProgress" | "completed" | "interrupted" | "failed";
  error: V2TurnError | null;
  startedAt: number | null;
  completedAt: number | null;
  durationMs: number | null;
}

interface PendingTurn extends V2Turn {
  openedExplicitly: boolean;
  sawCompaction: boolean;
}

type Obj = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const obj = (v: unknown): Obj | null =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : null;

export const snakeToCamel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Deep snake_case → camelCase of object keys (and of string enum values when asked). */
export function camelize(value: unknown, values = false): unknown {
  if (Array.isArray(value)) return value.map((v) => camelize(v, values));
  const o = obj(value);
  if (o) return Object.fromEntries(Object.entries(o).map(([k, v]) => [snakeToCamel(k), camelize(v, values)]));
  return values && typeof value === "string" ? snakeToCamel(value) : value;
}

/** Rust `Duration` ({secs, nanos}) or a number of ms → ms. */
function durationMs(v: unknown): number | null {
  const n = num(v);
  if (n !== null) return n;
  const d = obj(v);
  if (!d) return null;
  return Math.round((num(d.secs) ?? 0) * 1000 + (num(d.nanos) ?? 0) / 1e6);
}

/** POSIX shell quoting of an argv, as `shlex::try_join` produces it. */
export function shellJoin(argv: readonly string[]): string {
  return argv
    .map((a) => {
      if (a === "") return "''";
      if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a)) return a;
      return `'${a.replace(/'/g, `'"'"'`)}'`;
    })
    .join(" ");
}

function commandAction(parsed: unknown): Obj {
  const p = obj(parsed) ?? {};
  const command = str(p.cmd) ?? str(p.command) ?? "";
  switch (p.type) {
    case "read":
      return { type: "read", command, name: str(p.name) ?? "", path: str(p.path) ?? "" };
    case "list_files":
      return { type: "listFiles", command, path: str(p.path) };
    case "search":
      return { type: "search", command, query: str(p.query), path: str(p.path) };
    default:
      return { type: "unknown", command };
  }
}

function fileChanges(changes: unknown): Obj[] {
  const entries = Object.entries(obj(changes) ?? {});
  return entries
    .map(([path, change]) => {
      const c = obj(change) ?? {};
      if (c.type === "add") return { path, kind: { type: "add" }, diff: str(c.content) ?? "" };
      if (c.type === "delete") return { path, kind: { type: "delete" }, diff: str(c.content) ?? "" };
      const movePath = str(c.move_path);
      const diff = str(c.unified_diff) ?? "";
      return {
        path,
        kind: { type: "update", move_path: movePath },
        diff: movePath ? `${diff}\n\nMoved to: ${movePath}` : diff,
      };
    })
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** v2 `UserInput`s from a core `UserMessage` turn item's content (already nearly v2-shaped). */
function userInputs(content: unknown): Obj[] {
  return arr(content).flatMap((c): Obj[] => {
    const o = obj(c) ?? {};
    switch (o.type) {
      case "text":
        return [{ type: "text", text: str(o.text) ?? "", text_elements: camelize(arr(o.text_elements)) }];
      case "image":
        return [{ type: "image", url: str(o.image_url) ?? str(o.url) ?? "" }];
      case "local_image":
      case "localImage":
        return [{ type: "localImage", path: str(o.path) ?? "" }];
      default:
        return [camelize(o) as Obj];
    }
  });
}

const ERROR_INFOS_NOT_FAILING_TURN = new Set(["thread_rollback_failed", "active_turn_not_steerable"]);

/** The error's info kind, whether written as a string or a single-key object. */
function errorInfoKind(info: unknown): string | null {
  if (typeof info === "string") return info;
  const o = obj(info);
  return o ? (Object.keys(o)[0] ?? null) : null;
}

export class TurnProjection {
  private turns: V2Turn[] = [];
  private current: PendingTurn | null = null;
  private nextItem = 1;

  finish(): V2Turn[] {
    this.finishCurrent();
    return this.turns;
  }

  private itemId(): string {
    return `item-${this.nextItem++}`;
  }

  private newTurn(id: string | null): PendingTurn {
    return {
      id: id ?? uuidv7(),
      items: [],
      status: "completed",
      error: null,
      startedAt: null,
      completedAt: null,
      durationMs: null,
      openedExplicitly: false,
      sawCompaction: false,
    };
  }

  private finishCurrent(): void {
    const t = this.current;
    this.current = null;
    if (!t) return;
    if (t.items.length === 0 && !t.openedExplicitly && !t.sawCompaction) return;
    const { openedExplicitly: _o, sawCompaction: _s, ...turn } = t;
    this.turns.push(turn);
  }

  private ensureTurn(): PendingTurn {
    this.current ??= this.newTurn(null);
    return this.current;
  }

  private push(item: Omit<V2ThreadItem, "id">, turnId?: string | null): void {
    // `type` and `id` first, for readable output.
    const ordered = { type: item.type, id: this.itemId(), ...item } as V2ThreadItem;
    if (turnId) {
      const target =
        this.current && this.current.id === turnId ? this.current : this.turns.find((t) => t.id === turnId);
      if (target) {
        target.items.push(ordered);
        return;
      }
    }
    this.ensureTurn().items.push(ordered);
  }

  private findTurn(turnId: string | null | undefined): V2Turn | null {
    if (!turnId) return null;
    if (this.current?.id === turnId) return this.current;
    return this.turns.find((t) => t.id === turnId) ?? null;
  }

  handle(item: RolloutItem): void {
    if (item.type === "compacted") {
      this.ensureTurn().sawCompaction = true;
      return;
    }
    if (item.type !== "event_msg") return;
    const ev = item.payload as Obj & { type: string };
    switch (ev.type) {
      case "task_started": {
        this.finishCurrent();
        const turn = this.newTurn(str(ev.turn_id));
        turn.openedExplicitly = true;
        turn.status = "inProgress";
        turn.startedAt = num(ev.started_at);
        this.current = turn;
        return;
      }
      case "task_complete": {
        const turn = this.findTurn(str(ev.turn_id)) ?? this.current;
        if (!turn) return;
        if (turn.status === "inProgress" || turn.status === "completed") turn.status = "completed";
        turn.completedAt = num(ev.completed_at) ?? turn.completedAt;
        turn.durationMs = num(ev.duration_ms) ?? turn.durationMs;
        if (turn === this.current) this.finishCurrent();
        return;
      }
      case "turn_aborted": {
        const turn = this.findTurn(str(ev.turn_id)) ?? this.current;
        if (!turn) return;
        turn.status = "interrupted";
        turn.completedAt = num(ev.completed_at) ?? turn.completedAt;
        turn.durationMs = num(ev.duration_ms) ?? turn.durationMs;
        return;
      }
      case "user_message": {
        // Input outside an explicit turn (older rollouts) starts a turn of its own.
        const cur = this.current;
        if (cur && !cur.openedExplicitly && !(cur.sawCompaction && cur.items.length === 0))
          this.finishCurrent();
        const content: Obj[] = [];
        const message = str(ev.message) ?? "";
        if (message.trim() !== "") {
          const elements = arr(ev.text_elements).map((e) => {
            const o = obj(e) ?? {};
            return {
              byteRange: camelize(o.byte_range ?? o.byteRange ?? null),
              placeholder: str(o.placeholder),
            };
          });
          content.push({ type: "text", text: message, text_elements: elements });
        }
        for (const url of arr(ev.images)) if (typeof url === "string") content.push({ type: "image", url });
        for (const path of arr(ev.local_images)) {
          if (typeof path === "string") content.push({ type: "localImage", path });
        }
        this.ensureTurn();
        this.push({ type: "userMessage", content });
        return;
      }
      case "agent_message": {
        const text = str(ev.message) ?? "";
        if (text === "") return;
        const citation = obj(ev.memory_citation);
        this.push({
          type: "agentMessage",
          text,
          phase: str(ev.phase),
          memoryCitation: citation
            ? {
                entries: camelize(arr(citation.entries)),
                threadIds: arr(citation.rollout_ids ?? citation.thread_ids),
              }
            : null,
        });
        return;
      }
      case "agent_reasoning":
      case "agent_reasoning_raw_content": {
        const text = str(ev.text) ?? "";
        if (text === "") return;
        const field = ev.type === "agent_reasoning" ? "summary" : "content";
        const last = this.ensureTurn().items.at(-1);
        if (last?.type === "reasoning") {
          (last[field] as string[]).push(text);
          return;
        }
        this.push({
          type: "reasoning",
          summary: field === "summary" ? [text] : [],
          content: field === "content" ? [text] : [],
        });
        return;
      }
      case "item_completed": {
        const it = obj(ev.item) ?? {};
        const kind = String(it.type).toLowerCase();
        if (kind === "plan" && str(it.text)) this.push({ type: "plan", text: it.text }, str(ev.turn_id));
        // Newer Codex (0.169) records messages only as completed turn items.
        else if (kind === "usermessage")
          this.push({ type: "userMessage", content: userInputs(it.content) }, str(ev.turn_id));
        else if (kind === "agentmessage") {
          const text = arr(it.content)
            .map((c) => str(obj(c)?.text) ?? "")
            .join("");
          if (text !== "") {
            this.push(
              { type: "agentMessage", text, phase: str(it.phase), memoryCitation: null },
              str(ev.turn_id),
            );
          }
        }
        return;
      }
      case "context_compacted":
        this.push({ type: "contextCompaction" });
        return;
      case "entered_review_mode":
        this.push({ type: "enteredReviewMode", review: str(ev.user_facing_hint) ?? "Review requested." });
        return;
      case "exited_review_mode": {
        // As the live item: the explanation and the findings (Codex 0.169 rebuilds it so too).
        const output = ReviewOutputSchema.safeParse(ev.review_output);
        this.push({
          type: "exitedReviewMode",
          review: output.success ? renderReviewOutput(output.data) : REVIEWER_FAILED_TEXT,
        });
        return;
      }
      case "error": {
        const kind = errorInfoKind(ev.codex_error_info);
        if (kind && ERROR_INFOS_NOT_FAILING_TURN.has(kind)) return;
        if (!this.current) return;
        this.current.status = "failed";
        this.current.error = {
          message: str(ev.message) ?? "",
          codexErrorInfo: ev.codex_error_info == null ? null : camelize(ev.codex_error_info, true),
          additionalDetails: null,
        };
        return;
      }
      case "thread_rolled_back": {
        this.finishCurrent();
        const n = Math.max(0, Math.floor(num(ev.num_turns) ?? 0));
        this.turns = n >= this.turns.length ? [] : this.turns.slice(0, this.turns.length - n);
        this.nextItem = this.turns.reduce((sum, t) => sum + t.items.length, 0) + 1;
        return;
      }
      case "exec_command_end": {
        const output = str(ev.aggregated_output) ?? "";
        const exitCode = num(ev.exit_code);
        const status = str(ev.status) ?? (exitCode === 0 ? "completed" : "failed");
        this.push(
          {
            type: "commandExecution",
            command: shellJoin(arr(ev.command).map(String)),
            cwd: str(ev.cwd) ?? "",
            processId: str(ev.process_id),
            source: snakeToCamel(str(ev.source) ?? "agent"),
            status: snakeToCamel(status),
            commandActions: arr(ev.parsed_cmd).map(commandAction),
            aggregatedOutput: output === "" ? null : output,
            exitCode,
            durationMs: durationMs(ev.duration),
          },
          str(ev.turn_id),
        );
        return;
      }
      case "patch_apply_end": {
        const status = str(ev.status) ?? (ev.success === false ? "failed" : "completed");
        this.push(
          { type: "fileChange", changes: fileChanges(ev.changes), status: snakeToCamel(status) },
          str(ev.turn_id),
        );
        return;
      }
      case "mcp_tool_call_end": {
        const inv = obj(ev.invocation) ?? {};
        const result = obj(ev.result);
        const { id: _id, ...item } = mcpToolCallItem("", {
          invocation: { server: str(inv.server) ?? "", tool: str(inv.tool) ?? "", arguments: inv.arguments },
          readOnlyHint: typeof ev.read_only_hint === "boolean" ? ev.read_only_hint : null,
          result:
            result && "Ok" in result
              ? { Ok: obj(result.Ok) ?? {} }
              : { Err: typeof result?.Err === "string" ? result.Err : JSON.stringify(result?.Err ?? null) },
          durationMs: durationMs(ev.duration),
        });
        this.push(item, str(ev.turn_id));
        return;
      }
      case "web_search_end": {
        const action = obj(ev.action);
        this.push({
          type: "webSearch",
          query: str(ev.query) ?? "",
          action: action ? { ...(camelize(action) as Obj), type: snakeToCamel(String(action.type)) } : null,
        });
        return;
      }
      case "view_image_tool_call":
        this.push({ type: "imageView", path: str(ev.path) ?? "" });
        return;
      case "image_generation_end": {
        const item: Obj = {
          type: "imageGeneration",
          status: str(ev.status) ?? "",
          revisedPrompt: str(ev.revised_prompt),
          result: str(ev.result) ?? "",
        };
        if (str(ev.saved_path)) item.savedPath = ev.saved_path;
        this.push(item as V2ThreadItem);
        return;
      }
      case "dynamic_tool_call_response": {
        const success = typeof ev.success === "boolean" ? ev.success : null;
        this.push(
          {
            type: "dynamicToolCall",
            namespace: str(ev.namespace),
            tool: str(ev.tool) ?? "",
            arguments: ev.arguments ?? null,
            status: success === false ? "failed" : "completed",
            contentItems: arr(ev.content_items).map((c) => {
              const o = obj(c) ?? {};
              return o.type === "input_image"
                ? { type: "inputImage", imageUrl: str(o.image_url) ?? "" }
                : { type: "inputText", text: str(o.text) ?? "" };
            }),
            success,
            durationMs: durationMs(ev.duration),
          },
          str(ev.turn_id),
        );
        return;
      }
      default:
        return;
    }
  }
}

/** `thread.turns` for resume/fork/read, rebuilt from the rollout. */
export function buildTurns(items: readonly RolloutItem[]): V2Turn[] {
  const projection = new TurnProjection();
  for (const item of items) projection.handle(item);
  return projection.finish();
}
