import { randomBytes } from "node:crypto";
import type { OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from "@modelcontextprotocol/sdk/shared/auth.js";
import type { McpServerConfig } from "../types.js";
import { deleteMcpOAuth, loadMcpOAuth, saveMcpOAuth, type StoredMcpOAuth } from "./token-store.js";

export interface McpOAuthProviderOptions {
  home: string;
  serverName: string;
  serverUrl: string;
  /** The login's redirect URI; absent for a connection, which never starts a browser flow. */
  redirectUrl?: string;
  /** `oauth.client_id` from config: skips dynamic client registration. */
  clientId?: string | null;
  scopes?: readonly string[];
  /** A login starts from scratch: stored tokens are not offered (nor refreshed). */
  ignoreStoredTokens?: boolean;
}

/**
 * The SDK's `OAuthClientProvider` over keel's credentials file. A login uses it to register,
 * run PKCE and save the tokens; an HTTP connection uses it to send the access token and refresh
 * it (the refreshed tokens are saved). The PKCE verifier, state and a freshly registered client
 * live only in memory, for one login.
 */
export class McpOAuthProvider implements OAuthClientProvider {
  private verifier: string | null = null;
  private registered: OAuthClientInformationMixed | null = null;
  private readonly expectedState = randomBytes(16).toString("base64url");
  /** The authorization URL the SDK asked to open (logins only). */
  authorizationUrl: URL | null = null;

  constructor(private readonly options: McpOAuthProviderOptions) {}

  get redirectUrl(): string | undefined {
    return this.options.redirectUrl;
  }

  get clientMetadata(): OAuthClientMetadata {
    const scope = this.options.scopes?.length ? this.options.scopes.join(" ") : undefined;
    return {
      client_name: "keel",
      redirect_uris: this.options.redirectUrl ? [this.options.redirectUrl] : [],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
      ...(scope ? { scope } : {}),
    };
  }

  state(): string {
    return this.expectedState;
  }

  /** The callback's `state` must be the one this login sent (CSRF). */
  stateMatches(state: string): boolean {
    return state === this.expectedState;
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    if (this.registered) return this.registered;
    const stored = this.stored();
    if (stored) {
      return {
        client_id: stored.client_id,
        ...(stored.client_secret ? { client_secret: stored.client_secret } : {}),
      };
    }
    const configured = this.options.clientId?.trim();
    return configured ? { client_id: configured } : undefined;
  }

  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.registered = info;
  }

  tokens(): OAuthTokens | undefined {
    if (this.options.ignoreStoredTokens) return undefined;
    const stored = this.stored();
    if (!stored) return undefined;
    const expiresIn =
      stored.expires_at == null
        ? undefined
        : Math.max(0, Math.floor((stored.expires_at - Date.now()) / 1000));
    return {
      access_token: stored.access_token,
      token_type: "Bearer",
      ...(stored.refresh_token ? { refresh_token: stored.refresh_token } : {}),
      ...(expiresIn === undefined ? {} : { expires_in: expiresIn }),
      ...(stored.scopes.length ? { scope: stored.scopes.join(" ") } : {}),
    };
  }

  saveTokens(tokens: OAuthTokens): void {
    const client = this.clientInformation();
    if (!client) throw new Error("OAuth tokens arrived before a client was registered");
    const previous = this.stored();
    const entry: StoredMcpOAuth = {
      server_name: this.options.serverName,
      server_url: this.options.serverUrl,
      client_id: client.client_id,
      client_secret: client.client_secret ?? null,
      access_token: tokens.access_token,
      expires_at: tokens.expires_in === undefined ? null : Date.now() + tokens.expires_in * 1000,
      // A refresh response may omit the refresh token: the old one stays valid.
      refresh_token: tokens.refresh_token ?? previous?.refresh_token ?? null,
      scopes: tokens.scope ? tokens.scope.split(" ").filter(Boolean) : [...(this.options.scopes ?? [])],
    };
    saveMcpOAuth(this.options.home, entry);
    // Later reads in this login see the saved entry.
    this.options.ignoreStoredTokens = false;
  }

  redirectToAuthorization(url: URL): void {
    this.authorizationUrl = url;
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }

  codeVerifier(): string {
    if (this.verifier === null) throw new Error("no PKCE code verifier: the login was not started");
    return this.verifier;
  }

  invalidateCredentials(scope: "all" | "client" | "tokens" | "verifier" | "discovery"): void {
    if (scope === "all" || scope === "client") this.registered = null;
    if (scope === "all" || scope === "verifier") this.verifier = null;
    if (scope === "all" || scope === "tokens") {
      // The server rejected them (e.g. invalid_grant on refresh): they are of no further use.
      deleteMcpOAuth(this.options.home, this.options.serverName, this.options.serverUrl);
    }
  }

  private stored(): StoredMcpOAuth | null {
    return loadMcpOAuth(this.options.home, this.options.serverName, this.options.serverUrl);
  }
}

/**
 * The provider an HTTP connection to `server` uses: only when a login stored tokens for it (and
 * no `bearer_token_env_var` says otherwise), so a server that never asked for OAuth is never sent
 * through discovery or registration.
 */
export function mcpOAuthProviderFor(home: string, server: McpServerConfig): McpOAuthProvider | undefined {
  const t = server.transport;
  if (t.type !== "streamable_http" || t.bearerTokenEnvVar !== null) return undefined;
  try {
    if (!loadMcpOAuth(home, server.name, t.url)) return undefined;
  } catch {
    return undefined; // an unreadable credentials file: connect without tokens, the status says `unknown`
  }
  return new McpOAuthProvider({
    home,
    serverName: server.name,
    serverUrl: t.url,
    clientId: server.oauthClientId,
    scopes: server.scopes ?? [],
  });
}
