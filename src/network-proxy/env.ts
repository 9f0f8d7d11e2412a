/**
 * The variables a command gets while the managed proxy is on (network-proxy.md §5, as Codex 0.169
 * sets them on Linux): HTTP-style clients point at the HTTP listener, `ALL_PROXY`/`FTP_PROXY` at
 * the SOCKS5 one (or the HTTP one when SOCKS5 is off), and `NO_PROXY` is empty unless local
 * binding is allowed.
 */
export const HTTP_PROXY_VARIABLES = [
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "http_proxy",
  "https_proxy",
  "WS_PROXY",
  "WSS_PROXY",
  "ws_proxy",
  "wss_proxy",
  "YARN_HTTP_PROXY",
  "YARN_HTTPS_PROXY",
  "NPM_CONFIG_HTTP_PROXY",
  "NPM_CONFIG_HTTPS_PROXY",
  "NPM_CONFIG_PROXY",
  "npm_config_http_proxy",
  "npm_config_https_proxy",
  "npm_config_proxy",
  "BUNDLE_HTTP_PROXY",
  "BUNDLE_HTTPS_PROXY",
  "PIP_PROXY",
  "DOCKER_HTTP_PROXY",
  "DOCKER_HTTPS_PROXY",
] as const;

export const SOCKS_PROXY_VARIABLES = ["ALL_PROXY", "all_proxy", "FTP_PROXY", "ftp_proxy"] as const;

export const NO_PROXY_VARIABLES = [
  "NO_PROXY",
  "no_proxy",
  "NPM_CONFIG_NOPROXY",
  "npm_config_noproxy",
  "BUNDLE_NO_PROXY",
] as const;

/** Pointed at the CA bundle while HTTPS is intercepted (network-proxy.md §3). */
export const CA_BUNDLE_VARIABLES = [
  "CODEX_CA_CERTIFICATE",
  "SSL_CERT_FILE",
  "REQUESTS_CA_BUNDLE",
  "CURL_CA_BUNDLE",
  "NODE_EXTRA_CA_CERTS",
  "GIT_SSL_CAINFO",
  "PIP_CERT",
  "BUNDLE_SSL_CA_CERT",
  "npm_config_cafile",
  "NPM_CONFIG_CAFILE",
] as const;

export const LOCAL_NO_PROXY = "localhost,127.0.0.1,::1,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16";

export interface ProxyEndpoints {
  httpPort: number;
  socksPort: number | null;
  allowLocalBinding: boolean;
  /** `$KEEL_HOME/proxy/ca-bundle-<sha256>.pem` when HTTPS is intercepted. */
  caBundlePath?: string | null;
}

export function proxyEnvironment(p: ProxyEndpoints): Record<string, string> {
  const env: Record<string, string> = {
    CODEX_NETWORK_PROXY_ACTIVE: "1",
    CODEX_NETWORK_ALLOW_LOCAL_BINDING: p.allowLocalBinding ? "1" : "0",
    ELECTRON_GET_USE_PROXY: "true",
    NODE_USE_ENV_PROXY: "1",
  };
  const httpUrl = `http://127.0.0.1:${p.httpPort}`;
  const socksUrl = p.socksPort === null ? httpUrl : `socks5h://127.0.0.1:${p.socksPort}`;
  for (const name of HTTP_PROXY_VARIABLES) env[name] = httpUrl;
  for (const name of SOCKS_PROXY_VARIABLES) env[name] = socksUrl;
  for (const name of NO_PROXY_VARIABLES) env[name] = p.allowLocalBinding ? LOCAL_NO_PROXY : "";
  if (p.caBundlePath) for (const name of CA_BUNDLE_VARIABLES) env[name] = p.caBundlePath;
  return env;
}

/** Every variable the proxy sets: the ones the in-sandbox bridge rewrites to its own ports. */
export const PROXY_URL_VARIABLES: readonly string[] = [...HTTP_PROXY_VARIABLES, ...SOCKS_PROXY_VARIABLES];
