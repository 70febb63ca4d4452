/**
 * The emulated launcher: extracts a droplet into a NEW root's `home/vcap`
 * (never the staging paths, so a leaked staging path breaks the app as on
 * the platform), sets the container env, sources `profile.d`, `.profile.d`
 * and `.profile`, execs the start command and waits for `$PORT`.
 * @module
 */
import { join } from "node:path";
import { parse } from "yaml";
import { unpackInto } from "./droplet.ts";
import { launchEnv } from "./env.ts";
import {
  bashPath,
  freePort,
  killGroup,
  portIsFree,
  pumpLines,
  waitForPort,
  within,
} from "./process.ts";
import { removeTree } from "./tree.ts";

/**
 * The launcher's script, run as `bash -c SCRIPT launcher START_COMMAND`
 * (the start command is `$1`, as the real launcher passes it, rather than an
 * env var that would leak into the app).
 */
export const LAUNCH_SCRIPT = 'cd "$HOME"; ' +
  'for f in ../profile.d/*; do [ -f "$f" ] && source "$f"; done; ' +
  'for f in .profile.d/*; do [ -f "$f" ] && source "$f"; done; ' +
  "[ -f .profile ] && source .profile; " +
  'exec bash -c "$1"';

/** Default time the app gets to listen on `$PORT` (the platform's health check). */
export const START_TIMEOUT_MS = 60_000;

/** Options of {@link start}. */
export interface StartOptions {
  /** `$PORT` (default: a free port). */
  port?: number;
  /** User env (`cf set-env`): overrides the platform's. */
  env?: Record<string, string>;
  /** `cf push -c`: wins over staging_info.yml's start command. */
  startCommand?: string;
  /** How long the app gets to listen on `$PORT` (default 60 s). */
  timeoutMs?: number;
  /** Streamed app output, line by line (default: collected only). */
  output?: (chunk: string) => void;
  /** App name in VCAP_APPLICATION (default `app`). */
  appName?: string;
}

/** A started app. */
export interface RunningApp {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** `$PORT`. */
  port: number;
  /** Pid (and process group id) of the app. */
  pid: number;
  /** Runtime root: the droplet lives in `<root>/home/vcap`. */
  root: string;
  /** The app's output so far (stdout and stderr, by line). */
  log(): string;
  /** Resolves when the app's main process exits. */
  exited: Promise<Deno.CommandStatus>;
  /** SIGTERM the group, SIGKILL after 5 s, remove the root. Idempotent. */
  stop(): Promise<void>;
}

/** The start command recorded in a droplet's `staging_info.yml` ("" if none). */
export async function readStartCommand(vcapHome: string): Promise<string> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(vcapHome, "staging_info.yml"));
  } catch {
    return "";
  }
  const info = parse(text) as { start_command?: unknown } | null;
  return typeof info?.start_command === "string" ? info.start_command : "";
}

/** Extract `dropletPath` into a new root and start it like the platform's launcher. */
export async function start(dropletPath: string, options: StartOptions = {}): Promise<RunningApp> {
  const root = await Deno.makeTempDir({ prefix: "cf-run-" });
  const vcapHome = join(root, "home", "vcap");
  try {
    await unpackInto(dropletPath, vcapHome);
    const command = options.startCommand || await readStartCommand(vcapHome);
    if (!command) throw new Error("launcher: no start command specified or detected in droplet");
    const port = options.port ?? freePort();
    if (!portIsFree(port)) throw new Error(`port ${port} is already in use`);
    return await launch(root, { ...options, command, port });
  } catch (e) {
    await removeTree(root);
    throw e;
  }
}

async function launch(
  root: string,
  options: StartOptions & { command: string; port: number },
): Promise<RunningApp> {
  const { command, port } = options;
  const vcapHome = join(root, "home", "vcap");
  const env = launchEnv({
    app: { name: options.appName ?? "app", guid: crypto.randomUUID() },
    vcapHome,
    port,
    instanceGuid: crypto.randomUUID(),
    userEnv: options.env,
  });
  const child = new Deno.Command(bashPath(), {
    args: ["-c", LAUNCH_SCRIPT, "launcher", command],
    cwd: join(vcapHome, "app"),
    clearEnv: true,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    detached: true,
  }).spawn();
  let text = "";
  const onLine = (line: string) => {
    text += line + "\n";
    options.output?.(line + "\n");
  };
  const abort = new AbortController();
  const pumps = Promise.all([
    pumpLines(child.stdout, onLine, { signal: abort.signal }),
    pumpLines(child.stderr, onLine, { signal: abort.signal }),
  ]);
  let done = false;
  const exited = child.status.then((s) => {
    done = true;
    return s;
  });
  let stopping: Promise<void> | undefined;
  const stop = () =>
    stopping ??= (async () => {
      killGroup(child.pid, "SIGTERM");
      if (await within(exited, 5000) === undefined) killGroup(child.pid, "SIGKILL");
      await exited;
      killGroup(child.pid, "SIGKILL");
      if (await within(pumps, 2000) === undefined) abort.abort();
      await pumps;
      await removeTree(root);
    })();
  const app: RunningApp = {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid,
    root,
    log: () => text,
    exited,
    stop,
  };
  const ready = await waitForPort(port, {
    timeoutMs: options.timeoutMs ?? START_TIMEOUT_MS,
    stop: () => done,
  });
  if (ready) return app;
  const status = done ? await exited : undefined;
  await stop();
  throw new Error(
    (status
      ? `app exited (${
        status.signal ?? `exit status ${status.code}`
      }) before listening on port ${port}`
      : `app did not listen on port ${port} within ${
        (options.timeoutMs ?? START_TIMEOUT_MS) / 1000
      } s`) + `; its output:\n${text}`,
  );
}
