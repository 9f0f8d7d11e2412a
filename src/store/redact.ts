/**
 * Store URLs may carry a password (`postgres://user:secret@host/db`); no message keel prints,
 * logs or sends to a client may contain it. Every message that could mention the URL or the
 * password goes through `redactSecrets`.
 */

/** The URL with its password (if any) replaced by `***`; unparsable input is hidden whole. */
export function redactUrl(url: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*:\/\/)/i.exec(url)?.[1] ?? "";
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return `${scheme}…`;
  }
}

/** `text` with any `scheme://user:password@` credentials and every given secret masked. */
export function redactSecrets(text: string, secrets: readonly (string | null | undefined)[] = []): string {
  let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]*@/gi, "$1***@");
  for (const secret of secrets) {
    if (secret && secret.length > 0) out = out.split(secret).join("***");
  }
  return out;
}
