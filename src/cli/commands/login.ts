import { type Command, Option } from "commander";
import { guardOutput } from "../output.js";

interface LoginFlags {
  withApiKey?: boolean;
  deviceAuth?: boolean;
  withAccessToken?: boolean;
}

/** What every login command needs from the process: the home (checked) and stderr. */
async function processIo() {
  const { requireUsableKeelHome, resolveKeelHome } = await import("../../config/home.js");
  const home = resolveKeelHome(process.env);
  requireUsableKeelHome(home, process.env);
  return { home, stderr: guardOutput(process.stderr).write };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * `keel login --with-api-key`, `keel login status`, `keel logout`: an API key in
 * `$KEEL_HOME/auth.json`, Codex's texts and exit codes. ChatGPT sign-in is not available.
 */
export function registerLoginCommands(program: Command): void {
  const login = program
    .command("login")
    .description("Store an OpenAI API key in $KEEL_HOME/auth.json (read from stdin)")
    .option(
      "--with-api-key",
      "read the API key from stdin (e.g. `printenv OPENAI_API_KEY | keel login --with-api-key`)",
    )
    .addOption(new Option("--device-auth", "ChatGPT device-code sign-in (not available in keel)").hideHelp())
    .addOption(new Option("--with-access-token", "ChatGPT access token (not available in keel)").hideHelp())
    .action(async (flags: LoginFlags) => {
      const io = await processIo();
      const cli = await import("../../auth/login-cli.js");
      process.exitCode =
        flags.withApiKey === true && flags.deviceAuth !== true && flags.withAccessToken !== true
          ? await cli.runLoginWithApiKey({
              ...io,
              stdinIsTTY: process.stdin.isTTY === true,
              readStdin: () => readAll(process.stdin),
            })
          : cli.runChatgptLogin(io);
    });
  login
    .command("status")
    .description("Show login status")
    .action(async () => {
      const io = await processIo();
      const { runLoginStatus } = await import("../../auth/login-cli.js");
      process.exitCode = runLoginStatus(io);
    });
  program
    .command("logout")
    .description("Remove the stored API key ($KEEL_HOME/auth.json)")
    .action(async () => {
      const io = await processIo();
      const { runLogout } = await import("../../auth/login-cli.js");
      process.exitCode = runLogout(io);
    });
}
