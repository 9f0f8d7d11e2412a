export type ThemeChoice = "auto" | "light" | "dark";

const KEY = "keel-theme";
const ORDER: ThemeChoice[] = ["auto", "light", "dark"];

/** `auto` follows prefers-color-scheme (CSS); light/dark pin it via `data-theme`. */
export function applyTheme(root: HTMLElement, choice: ThemeChoice): void {
  if (choice === "auto") root.removeAttribute("data-theme");
  else root.setAttribute("data-theme", choice);
}

export function initTheme(root: HTMLElement, storage: Storage): ThemeChoice {
  const stored = storage.getItem(KEY);
  const choice: ThemeChoice = stored === "light" || stored === "dark" ? stored : "auto";
  applyTheme(root, choice);
  return choice;
}

export function nextTheme(root: HTMLElement, storage: Storage, current: ThemeChoice): ThemeChoice {
  const next = ORDER[(ORDER.indexOf(current) + 1) % ORDER.length]!;
  storage.setItem(KEY, next);
  applyTheme(root, next);
  return next;
}
