/**
 * Where `deno compile` gets its denort base binary: `DENORT_BIN`, a
 * pre-seeded `$DENO_DIR/dl/release/v<version>/denort-<target>.zip`, or a
 * download from dl.deno.land. Checked first, so a machine that has none of
 * them fails before any work is done, with instructions.
 * @module
 */
import { join } from "node:path";
import { packageDenortInvalid, packageDenortMissing } from "../../lib/errors.ts";

/** The compile target of release zips (the stacks are x86_64 Linux). */
export const TARGET = "x86_64-unknown-linux-gnu";

/** How denort will be found. */
export type DenortSource =
  | { kind: "DENORT_BIN"; path: string }
  | { kind: "DENO_DIR"; path: string }
  | { kind: "download"; url: string };

/** `$DENO_DIR/dl/release/v<version>/denort-<target>.zip`. Pure. */
export function denortCachePath(denoDir: string, denoVersion: string, target: string): string {
  return join(denoDir, "dl", "release", `v${denoVersion}`, `denort-${target}.zip`);
}

/** The dl.deno.land URL of the denort zip. Pure. */
export function denortUrl(denoVersion: string, target: string): string {
  return `https://dl.deno.land/release/v${denoVersion}/denort-${target}.zip`;
}

/** The Deno cache dir: `DENO_DIR`, else what `deno info --json` reports. */
export async function denoDir(env: Record<string, string | undefined>): Promise<string> {
  if (env.DENO_DIR) return env.DENO_DIR;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    stdout: "piped",
    stderr: "null",
    stdin: "null",
  }).output();
  return JSON.parse(new TextDecoder().decode(out.stdout)).denoDir;
}

/** Whether `url` answers at all within `timeoutMs` (any HTTP status counts). */
export async function reachable(url: string, timeoutMs = 5000): Promise<string | undefined> {
  try {
    const res = await fetch(url, { method: "HEAD", signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return undefined;
  } catch (err) {
    if (!(err instanceof Error)) return String(err);
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : "";
    return `${err.message}${cause}`.split("\n")[0];
  }
}

/**
 * Decide where denort comes from, or throw the instructions when it cannot.
 * `probe` returns why `url` is unreachable, or `undefined` when it answers.
 */
export async function resolveDenort(options: {
  env: Record<string, string | undefined>;
  denoVersion: string;
  target: string;
  denoDir: string;
  probe: (url: string) => Promise<string | undefined>;
}): Promise<DenortSource> {
  const { env, denoVersion, target } = options;
  const fromEnv = env.DENORT_BIN;
  if (fromEnv) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(fromEnv);
    } catch {
      throw packageDenortInvalid(fromEnv, "does not exist");
    }
    if (!info.isFile || ((info.mode ?? 0) & 0o111) === 0) {
      throw packageDenortInvalid(fromEnv, "is not an executable file");
    }
    if ((await Deno.realPath(fromEnv)) === (await Deno.realPath(Deno.execPath()))) {
      throw packageDenortInvalid(
        fromEnv,
        "is the deno CLI itself; a binary compiled on it ignores the buildpack's code",
      );
    }
    return { kind: "DENORT_BIN", path: fromEnv };
  }
  const cachePath = denortCachePath(options.denoDir, denoVersion, target);
  try {
    if ((await Deno.stat(cachePath)).isFile) return { kind: "DENO_DIR", path: cachePath };
  } catch { /* not seeded */ }
  const url = denortUrl(denoVersion, target);
  const reason = await options.probe(url);
  if (reason !== undefined) {
    throw packageDenortMissing({ denoVersion, target, cachePath, reason });
  }
  return { kind: "download", url };
}
