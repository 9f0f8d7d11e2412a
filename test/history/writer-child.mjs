// Appends entries to history.jsonl until killed (or `count` entries): a second process for the
// lock and kill -9 tests. usage: node writer-child.mjs <keelHome> <label> <count|forever> [maxBytes]
import { appendHistoryEntry, messageHistoryConfig } from "../../dist/history/message-history.js";

const [home, label, count, maxBytes] = process.argv.slice(2);
const config = messageHistoryConfig(home, maxBytes ? { max_bytes: Number(maxBytes) } : {});
const limit = count === "forever" ? Number.POSITIVE_INFINITY : Number(count);
process.stdout.write("ready\n");
for (let i = 0; i < limit; i++)
  await appendHistoryEntry(config, label, `${label} ${i} ${"x".repeat(i % 50)}`);
