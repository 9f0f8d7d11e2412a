import { describe, expect, it } from "vitest";
import { eventually, fixtureToml, logFile, readLog } from "../mcp/fixture.js";
import { functionCall, textTurn, turn } from "../support/model-server.js";
import { launchBrowser, openPage, startWeb } from "./support.js";

/**
 * A URL-mode elicitation carries a URL chosen by an MCP server, which the user may not trust:
 * the page links it only when it is http(s), and shows anything else (javascript:, data:,
 * file:) as plain text.
 */
describe("keel web: an MCP server's elicitation URL", () => {
  async function elicitationOf(url: string) {
    const log = logFile();
    const web = await startWeb({
      extraToml: `\n${fixtureToml("fx", ["--log", log, "--elicit-url", url])}[mcp_servers.fx.tools.elicit]\napproval_mode = "approve"\n`,
      modelScript: [
        textTurn("hello"),
        turn([functionCall("elicit", {}, "call_elicit", "mcp__fx")]),
        textTurn("done"),
      ],
    });
    const page = await openPage(await launchBrowser(), web);
    await page.locator('[data-testid="conn-status"][data-status="connected"]').waitFor();
    // The first turn starts the thread and its MCP server; the tool is called once it is listed
    // (a turn waits only briefly for servers still starting).
    await page.getByTestId("composer").fill("hi");
    await page.getByTestId("composer").press("Enter");
    await page.getByTestId("agent-message").filter({ hasText: "hello" }).waitFor();
    await eventually(() => (readLog(log).some((e) => e.method === "tools/list") ? true : undefined), 20_000);
    await page.getByTestId("composer").fill("ask me");
    await page.getByTestId("composer").press("Enter");
    const approval = page.getByTestId("approval").filter({ hasText: "fx asks for input" });
    await approval.getByTestId("elicitation-url").waitFor();
    return approval;
  }

  it("is shown as text, not a link, when it is not http(s)", async () => {
    const url = "javascript:document.title='pwned'";
    const approval = await elicitationOf(url);
    expect(await approval.locator("a").count()).toBe(0);
    expect(await approval.getByTestId("elicitation-url").textContent()).toBe(url);
  });

  it("is a link that opens in a new tab when it is https", async () => {
    const url = "https://example.com/authorize?state=1";
    const link = (await elicitationOf(url)).locator("a");
    expect(await link.getAttribute("href")).toBe(url);
    expect(await link.getAttribute("rel")).toBe("noopener noreferrer");
    expect(await link.textContent()).toBe(url);
  });
});
