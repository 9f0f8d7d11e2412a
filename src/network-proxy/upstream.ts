import net from "node:net";

/**
 * Upstream proxies (`allow_upstream_proxy`, network-proxy.md §2): the managed proxy forwards
 * what it allowed through the proxy keel itself was given, chosen as Codex does from keel's
 * environment: plain HTTP uses `HTTP_PROXY`/`http_proxy`; tunnels (CONNECT, intercepted HTTPS)
 * use `HTTPS_PROXY`/`https_proxy`, then the HTTP one, then `ALL_PROXY`/`all_proxy`. Only
 * `http://` proxies count (a `socks5://` value is ignored); an empty value is unset.
 */
export interface UpstreamProxy {
  host: string;
  port: number;
  /** `Proxy-Authorization` value from the URL's user info. */
  authorization: string | null;
}

export interface UpstreamProxies {
  http: UpstreamProxy | null;
  https: UpstreamProxy | null;
}

function parseProxy(value: string | undefined): UpstreamProxy | null {
  const text = value?.trim() ?? "";
  if (text === "") return null;
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" || url.hostname === "") return null;
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  return {
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port === "" ? 80 : Number(url.port),
    authorization:
      user === "" && password === ""
        ? null
        : `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
  };
}

function firstProxy(env: Readonly<Record<string, string | undefined>>, names: readonly string[]) {
  for (const name of names) {
    const proxy = parseProxy(env[name]);
    if (proxy) return proxy;
  }
  return null;
}

export function upstreamProxiesFromEnv(env: Readonly<Record<string, string | undefined>>): UpstreamProxies {
  const http = firstProxy(env, ["HTTP_PROXY", "http_proxy"]);
  const all = firstProxy(env, ["ALL_PROXY", "all_proxy"]);
  return {
    http: http ?? all,
    https: firstProxy(env, ["HTTPS_PROXY", "https_proxy"]) ?? http ?? all,
  };
}

/** Longest CONNECT reply head read from an upstream proxy. */
const MAX_REPLY_HEAD = 16 * 1024;

function connected(socket: net.Socket): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

/** A CONNECT tunnel to `host:port` through `proxy`; rejects with the proxy's status line. */
async function tunnelThrough(proxy: UpstreamProxy, host: string, port: number): Promise<net.Socket> {
  const socket = await connected(net.connect({ host: proxy.host, port: proxy.port }));
  const authority = `${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
  socket.write(
    `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n` +
      (proxy.authorization ? `Proxy-Authorization: ${proxy.authorization}\r\n` : "") +
      "\r\n",
  );
  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0);
    const fail = (message: string) => {
      socket.destroy();
      reject(new Error(message));
    };
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) {
        if (head.length > MAX_REPLY_HEAD) fail("the upstream proxy sent an oversized reply");
        return;
      }
      cleanup();
      const status = head.subarray(0, head.indexOf("\r\n")).toString("latin1");
      if (!/^HTTP\/1\.[01] 2\d\d\b/.test(status)) return fail(`the upstream proxy answered "${status}"`);
      // Paused until the caller attaches: bytes must not flow to no listener.
      socket.pause();
      const rest = head.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      resolve(socket);
    };
    const onEnd = () => {
      cleanup();
      fail("the upstream proxy closed the connection");
    };
    const onError = (error: Error) => {
      cleanup();
      fail(`the upstream proxy failed: ${error.message}`);
    };
    const cleanup = () => {
      socket.off("data", onData);
      socket.off("end", onEnd);
      socket.off("error", onError);
    };
    socket.on("data", onData);
    socket.on("end", onEnd);
    socket.on("error", onError);
  });
}

/**
 * A byte stream to an allowed target: through the upstream proxy (which resolves the name
 * itself) or straight to the first address the host decision resolved.
 */
export function openStream(
  target: { host: string; port: number; addresses: readonly string[] },
  via: UpstreamProxy | null,
): Promise<net.Socket> {
  if (via) return tunnelThrough(via, target.host, target.port);
  return connected(net.connect({ host: target.addresses[0]!, port: target.port }));
}
