import type { EventMsg } from "../protocol/events.js";
import { joinShellWords } from "../tools/shell-words.js";

/** Lines of command output shown in the transcript (the model still sees all of it). */
const MAX_OUTPUT_LINES = 20;

export interface TranscriptHeader {
  version: string;
  workdir: string;
  model: string;
  provider: string;
  approval: string;
  sandbox: string;
}

/**
 * The human-readable transcript `keel exec` writes to stderr: a header, then each step of the
 * turn (user prompt, reasoning, commands with their result, file changes, the agent's answer).
 */
export class HumanTranscript {
  constructor(
    private readonly write: (text: string) => void,
    private readonly header: TranscriptHeader,
  ) {}

  handle(msg: EventMsg): void {
    switch (msg.type) {
      case "session_configured": {
        const h = this.header;
        this.write(
          [
            `keel exec v${h.version}`,
            "--------",
            `workdir: ${h.workdir}`,
            `model: ${h.model}`,
            `provider: ${h.provider}`,
            `approval: ${h.approval}`,
            `sandbox: ${h.sandbox}`,
            `session id: ${msg.session_id}`,
            "--------",
            "",
          ].join("\n"),
        );
        return;
      }
      case "user_message":
        // A review is named once, as Codex does; its reviewer's own prompt is not repeated.
        if (!this.reviewing) this.write(`user\n${msg.message}\n\n`);
        return;
      case "entered_review_mode":
        this.reviewing = true;
        this.write(`user\n${msg.user_facing_hint}\n\n`);
        return;
      case "exited_review_mode":
        this.reviewing = false;
        return;
      case "agent_reasoning":
        this.write(`thinking\n${msg.text}\n\n`);
        return;
      case "exec_command_begin":
        this.write(`exec\n${joinShellWords(msg.command)} in ${msg.cwd}\n`);
        return;
      case "exec_command_end": {
        const ms = msg.duration ? Math.round(msg.duration.secs * 1000 + msg.duration.nanos / 1e6) : 0;
        const verdict =
          msg.status === "declined"
            ? "declined"
            : msg.exit_code === 0
              ? "succeeded"
              : `exited ${msg.exit_code}`;
        this.write(`${verdict} in ${ms}ms:\n${clip(msg.aggregated_output ?? "")}\n`);
        return;
      }
      case "patch_apply_end": {
        const lines = Object.entries(msg.changes ?? {}).map(
          ([path, c]) => `${c.type[0]?.toUpperCase()} ${path}`,
        );
        this.write(`file update${msg.success ? "" : " failed"}\n${lines.join("\n")}\n\n`);
        return;
      }
      case "web_search_begin":
        // Codex prints the line twice: empty at the start, with the query at the end.
        this.write("web search: \n");
        return;
      case "web_search_end":
        this.write(`web search: ${msg.query ?? ""}\n`);
        return;
      case "plan_update":
        this.write(
          `plan\n${msg.plan.map((s) => `${s.status === "completed" ? "[x]" : "[ ]"} ${s.step}`).join("\n")}\n\n`,
        );
        return;
      case "agent_message":
        this.write(`keel\n${msg.message}\n\n`);
        return;
      case "warning":
        this.write(`warning: ${msg.message}\n`);
        return;
      case "deprecation_notice":
        this.write(`deprecated: ${msg.summary}${msg.details ? ` ${msg.details}` : ""}\n`);
        return;
      case "stream_error":
        this.write(`${msg.message}\n`);
        return;
      case "error":
        this.write(`ERROR: ${msg.message}\n`);
        return;
      case "turn_aborted":
        this.write(`turn aborted (${msg.reason})\n`);
        return;
      case "token_count":
        if (msg.info) this.tokens = msg.info.total_token_usage.total_tokens;
        return;
      case "task_complete":
        if (this.tokens !== null) this.write(`tokens used\n${this.tokens.toLocaleString("en-US")}\n`);
        return;
      default:
        return;
    }
  }

  private tokens: number | null = null;
  private reviewing = false;
}

function clip(output: string): string {
  const lines = output.replace(/\n$/, "").split("\n");
  if (lines.length <= MAX_OUTPUT_LINES) return lines.join("\n");
  const head = lines.slice(0, MAX_OUTPUT_LINES / 2);
  const tail = lines.slice(-MAX_OUTPUT_LINES / 2);
  return [...head, `… +${lines.length - MAX_OUTPUT_LINES} lines`, ...tail].join("\n");
}
