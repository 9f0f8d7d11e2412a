import { describe, expect, it } from "vitest";
import { launchBrowser, openPage, shot, startWeb } from "./support.js";

describe("keel web in a real browser", () => {
  it("loads the page, which connects with the token from the URL fragment", async () => {
    const web = await startWeb();
    const page = await openPage(await launchBrowser(), web);
    await page
      .getByTestId("conn-status")
      .filter({ hasText: /^connected$/ })
      .waitFor();
    // The token leaves the address bar once read (kept in sessionStorage for reloads).
    expect(page.url()).not.toContain(web.token);
    await shot(page, "connected");
  });

  it("stays disconnected when the URL carries a wrong token", async () => {
    const web = await startWeb();
    const page = await openPage(await launchBrowser(), { url: `${web.origin}/#token=wrong` });
    await page
      .getByTestId("conn-status")
      .filter({ hasText: /^disconnected$/ })
      .waitFor();
    expect(web.stderr()).toContain("refused a WebSocket upgrade: invalid websocket token");
  });
});
