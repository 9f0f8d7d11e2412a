import { useEffect, useRef, useState } from "preact/hooks";

type XtermModules = {
  Terminal: typeof import("@xterm/xterm").Terminal;
  FitAddon: typeof import("@xterm/addon-fit").FitAddon;
};

let loading: Promise<XtermModules> | null = null;
const MAX_ROWS = 16;
const ROW_PX = 17;

/** xterm is most of the page's weight: it is fetched when the first command appears. */
export function loadXterm(): Promise<XtermModules> {
  loading ??= Promise.all([
    import("@xterm/xterm"),
    import("@xterm/addon-fit"),
    import("@xterm/xterm/css/xterm.css"),
  ]).then(([xterm, fit]) => ({ Terminal: xterm.Terminal, FitAddon: fit.FitAddon }));
  return loading;
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/**
 * A read-only terminal showing a command's output as it streams. Until xterm has loaded (or if
 * it cannot), the output is shown as plain text.
 */
export function TerminalView({ output }: { output: string }) {
  const host = useRef<HTMLDivElement>(null);
  const term = useRef<{ write(data: string): void; dispose(): void } | null>(null);
  const written = useRef(0);
  const [ready, setReady] = useState(false);

  useEffect(() => {
    let disposed = false;
    let observer: ResizeObserver | null = null;
    loadXterm()
      .then(({ Terminal, FitAddon }) => {
        if (disposed || host.current === null) return;
        const terminal = new Terminal({
          convertEol: true,
          disableStdin: true,
          cursorBlink: false,
          scrollback: 5000,
          fontSize: 13,
          fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
          theme: { background: cssVar("--term-bg"), foreground: cssVar("--term-fg") },
        });
        const fit = new FitAddon();
        terminal.loadAddon(fit);
        terminal.open(host.current);
        fit.fit();
        observer = new ResizeObserver(() => fit.fit());
        observer.observe(host.current);
        term.current = terminal;
        written.current = 0;
        setReady(true);
      })
      .catch(() => setReady(false));
    return () => {
      disposed = true;
      observer?.disconnect();
      term.current?.dispose();
      term.current = null;
    };
  }, []);

  useEffect(() => {
    if (!ready || term.current === null) return;
    // Output only grows while streaming; write just the new part.
    if (output.length < written.current) written.current = 0;
    term.current.write(output.slice(written.current));
    written.current = output.length;
  }, [output, ready]);

  // Grow with the output up to a cap; the terminal scrolls beyond it.
  const lines = Math.min(MAX_ROWS, Math.max(2, output.split("\n").length + 1));
  return (
    <div class="terminal" data-testid="command-output" data-output-length={output.length}>
      <div ref={host} class="xterm-host" style={{ height: `${lines * ROW_PX}px` }} />
      {!ready && <pre class="plain-output">{output}</pre>}
    </div>
  );
}
