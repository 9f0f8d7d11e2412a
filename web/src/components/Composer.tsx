import { useState } from "preact/hooks";

interface Props {
  disabled: boolean;
  running: boolean;
  onSend(text: string): Promise<boolean>;
  onInterrupt(): void;
}

/** Enter sends (steers while a turn runs), Shift+Enter is a newline; Esc (anywhere) interrupts. */
export function Composer({ disabled, running, onSend, onInterrupt }: Props) {
  const [text, setText] = useState("");
  const [sending, setSending] = useState(false);

  async function submit(): Promise<void> {
    const message = text.trim();
    if (message === "" || disabled || sending) return;
    setSending(true);
    const sent = await onSend(message);
    setSending(false);
    if (sent) setText("");
  }

  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <textarea
        data-testid="composer"
        aria-label={running ? "Steer the running turn" : "Message"}
        placeholder={
          running
            ? "Add to the running turn (Enter), Esc to interrupt"
            : "Ask keel (Enter to send, Shift+Enter for a newline)"
        }
        rows={3}
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            void submit();
          }
        }}
      />
      <div class="composer-actions">
        <button
          type="submit"
          class="primary"
          data-testid="send"
          disabled={disabled || sending || text.trim() === ""}
        >
          {running ? "Steer" : "Send"}
        </button>
        {running && (
          <button type="button" data-testid="interrupt" onClick={onInterrupt}>
            Interrupt (Esc)
          </button>
        )}
      </div>
    </form>
  );
}
