const KEY = "keel-token";

/**
 * The capability token comes in the URL fragment (`#token=…`), which never reaches the server's
 * logs nor a Referer. It is moved to sessionStorage and removed from the address bar, so a
 * reload keeps working and a copied URL does not carry it.
 */
export function takeToken(location: Location, history: History, storage: Storage): string | null {
  const match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (match?.[1] !== undefined) {
    storage.setItem(KEY, match[1]);
    history.replaceState(null, "", location.pathname + location.search);
    return match[1];
  }
  return storage.getItem(KEY);
}
