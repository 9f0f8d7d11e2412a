import { FileThreadStore } from "../../src/rollout/store.js";
import { tempDir } from "../support/tmp.js";
import { storeConformance } from "./conformance.js";

storeConformance("files + SQLite", {
  async open() {
    const home = tempDir();
    return { store: new FileThreadStore({ home }), reopen: () => new FileThreadStore({ home }) };
  },
});
