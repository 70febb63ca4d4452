/**
 * Command-line parsing of `deno task stage` (pure).
 * @module
 */
import { parseArgs } from "node:util";

/** Usage text. */
export const USAGE = `Usage: deno task stage APP_DIR [options]

Stage APP_DIR like \`cf push\` with v2 buildpacks, write a droplet, optionally start it.

  -b, --buildpack PATH      buildpack directory, repeatable, in order (skips detect);
                            default: this repository's buildpack, with detect
      --detect              run detect over the named buildpacks instead
      --manifest FILE       use FILE as the (final) buildpack's manifest.yml
      --cache DIR           restore/save DIR/app-cache.tgz (saved only on success)
  -e, --env K=V             app env var, repeatable (staging and runtime)
  -s, --stack NAME          CF_STACK (default cflinuxfs4)
      --droplet FILE        droplet output (default <work dir>/droplet.tgz)
  -c, --start-command CMD   start command (cf push -c), wins over Procfile and buildpack
      --name NAME           app name in VCAP_APPLICATION (default: APP_DIR's name)
      --keep                keep the scratch staging tree
      --start               start the droplet after staging, until SIGINT/SIGTERM
      --port N              $PORT for --start (default: a free port)
  -h, --help                this help
`;

/** Parsed command line. */
export interface CliOptions {
  /** App source directory. */
  appDir: string;
  /** Buildpack directories (empty: default, with detect). */
  buildpacks: string[];
  /** `--detect`. */
  detect: boolean;
  /** `--manifest`. */
  manifest?: string;
  /** `--cache`. */
  cacheDir?: string;
  /** `--env` pairs. */
  env: Record<string, string>;
  /** `--stack`. */
  stack?: string;
  /** `--droplet`. */
  dropletPath?: string;
  /** `--start-command`. */
  startCommand?: string;
  /** `--name`. */
  appName?: string;
  /** `--keep`. */
  keep: boolean;
  /** `--start`. */
  start: boolean;
  /** `--port`. */
  port?: number;
}

/** Thrown for bad usage; the message is meant for the user. */
export class UsageError extends Error {}

/** Parse arguments; `"help"` when help was asked for. Throws {@link UsageError}. */
export function parseCli(args: string[]): CliOptions | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        buildpack: { type: "string", short: "b", multiple: true },
        detect: { type: "boolean" },
        manifest: { type: "string" },
        cache: { type: "string" },
        env: { type: "string", short: "e", multiple: true },
        stack: { type: "string", short: "s" },
        droplet: { type: "string" },
        "start-command": { type: "string", short: "c" },
        name: { type: "string" },
        keep: { type: "boolean" },
        start: { type: "boolean" },
        port: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return "help";
  if (positionals.length !== 1) {
    throw new UsageError(`expected exactly one APP_DIR, got ${positionals.length}`);
  }
  const env: Record<string, string> = {};
  for (const pair of values.env ?? []) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--env expects K=V, got '${pair}'`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new UsageError(`--port expects a port number, got '${values.port}'`);
    }
  }
  return {
    appDir: positionals[0],
    buildpacks: values.buildpack ?? [],
    detect: values.detect ?? false,
    manifest: values.manifest,
    cacheDir: values.cache,
    env,
    stack: values.stack,
    dropletPath: values.droplet,
    startCommand: values["start-command"],
    appName: values.name,
    keep: values.keep ?? false,
    start: values.start ?? false,
    port,
  };
}
