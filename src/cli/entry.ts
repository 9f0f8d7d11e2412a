// The CLI's process entry: runs `main` with the command line and turns its result into the exit
// code. bin/keel.js loads the esbuild bundle of this file (dist/keel.mjs) when it was built, else
// the tsc output (dist/cli/entry.js).
import { runAsProcess } from "./main.js";

runAsProcess(process.argv.slice(2));
