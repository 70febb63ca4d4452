/**
 * Running a buildpack's `bin/supply` directly (no emulator), for tests that
 * need what the emulator hides: a cache that stays in place, a kill at a
 * chosen moment, a process with fewer privileges.
 * @module
 */
import { join } from "node:path";

/** What a direct supply run left. */
export interface SupplyRun {
  /** Exit code (a SIGKILL gives non-zero). */
  code: number;
  /** stdout and stderr together. */
  log: string;
  /** It was killed because `killAt` matched. */
  killed: boolean;
}

/**
 * Run `bin/supply` of `buildpack` on `dirs.app` (deps index 0, stack
 * cflinuxfs4) in its own process group; when `killAt` matches the output so
 * far, SIGKILL the whole group (pip included). `wrapper` runs it under
 * another command (`setpriv ...`).
 */
export async function runSupply(
  buildpack: string,
  dirs: { app: string; cache: string; deps: string },
  options: { env: Record<string, string>; killAt?: RegExp; wrapper?: string[] },
): Promise<SupplyRun> {
  await Deno.mkdir(join(dirs.deps, "0"), { recursive: true });
  const command = [
    ...(options.wrapper ?? []),
    join(buildpack, "bin", "supply"),
    dirs.app,
    dirs.cache,
    dirs.deps,
    "0",
  ];
  const child = new Deno.Command("setsid", {
    args: command,
    env: {
      ...options.env,
      CF_STACK: "cflinuxfs4",
      NO_COLOR: "1",
      BUILDPACK_DENO: Deno.execPath(),
    },
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  let log = "";
  let killed = false;
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      log += chunk;
      if (!killed && options.killAt?.test(log)) {
        killed = true;
        try {
          Deno.kill(-child.pid, "SIGKILL");
        } catch { /* already gone */ }
      }
    }
  };
  await Promise.all([pump(child.stdout), pump(child.stderr)]);
  const status = await child.status;
  return { code: status.code, log, killed };
}
