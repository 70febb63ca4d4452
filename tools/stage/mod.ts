/**
 * Local `cf push` emulator: stages an app with any v2 buildpacks into a
 * droplet and starts it, reproducing the platform's builder and launcher
 * (see /work/shared/reference/cf-buildpack-contract.md).
 *
 * ```sh
 * deno task stage APP_DIR [--buildpack PATH]... [--manifest FILE] [--cache DIR]
 *   [--env K=V]... [--stack cflinuxfs4] [--droplet FILE] [--start] [--port N]
 *   [--start-command CMD]
 * ```
 * @module
 */
import { stage } from "./builder.ts";
import { type CliOptions, parseCli, USAGE, UsageError } from "./cli.ts";
import { start } from "./launcher.ts";
import { writeStdout } from "./stage_log.ts";

export {
  DEFAULT_BUILDPACK,
  EXIT,
  MESSAGES,
  stage,
  type StageOptions,
  type StageResult,
} from "./builder.ts";
export type { BuildpackMetadata, StagingInfo, StagingResultJson } from "./staging_result.ts";
export { LAUNCH_SCRIPT, type RunningApp, start, type StartOptions } from "./launcher.ts";
export { launchEnv, stagingEnv } from "./env.ts";
export { depsIndex, supplyCacheName } from "./layout.ts";

/** Run the CLI; resolves with the process exit code. */
export async function main(args: string[]): Promise<number> {
  let cli: CliOptions | "help";
  try {
    cli = parseCli(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`stage: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (cli === "help") {
    writeStdout(USAGE);
    return 0;
  }
  const staged = await stage({
    appDir: cli.appDir,
    buildpacks: cli.buildpacks,
    detect: cli.detect || undefined,
    manifest: cli.manifest,
    cacheDir: cli.cacheDir,
    env: cli.env,
    stack: cli.stack,
    dropletPath: cli.dropletPath,
    startCommand: cli.startCommand,
    appName: cli.appName,
    keepWorkDir: cli.keep,
  });
  if (staged.exitCode !== 0 || !cli.start) return staged.exitCode;
  return await runUntilSignal(staged.dropletPath!, cli);
}

/** Start the droplet, forward its output, stop it on SIGINT/SIGTERM. */
async function runUntilSignal(dropletPath: string, cli: CliOptions): Promise<number> {
  let app;
  try {
    app = await start(dropletPath, {
      port: cli.port,
      env: cli.env,
      startCommand: cli.startCommand,
      appName: cli.appName,
      output: writeStdout,
    });
  } catch (e) {
    console.error(`[start] ${(e as Error).message}`);
    return 1;
  }
  writeStdout(`listening on ${app.url}\n`);
  const signalled = new Promise<"signal">((resolve) => {
    for (const sig of ["SIGINT", "SIGTERM"] as const) {
      Deno.addSignalListener(sig, () => resolve("signal"));
    }
  });
  const outcome = await Promise.race([signalled, app.exited]);
  await app.stop();
  if (outcome === "signal") return 0;
  writeStdout(`[start] app exited (${outcome.signal ?? `exit status ${outcome.code}`})\n`);
  return outcome.code || 1;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
