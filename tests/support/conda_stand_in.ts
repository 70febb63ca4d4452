/**
 * A STAND-IN for the Miniforge installer, for the conda tests: no conda
 * distribution can be downloaded here. `stand_in_miniforge.sh` (read its
 * header) with a real CPython runtime tarball from {@link pythonRuntime}
 * appended as its payload, as Miniforge's installer appends its own. It takes
 * the real installer's command line and its `bin/conda` implements the conda
 * commands the buildpack runs, so the buildpack's code path is the one it
 * takes with real Miniforge. Built once into `tests/.cache/conda/`.
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { fileUri } from "../../tools/python_dep/manifest_entry.ts";
import { type BuiltRuntime, pythonRuntime } from "./runtimes.ts";
import { REPO } from "./staging.ts";

/** The Miniforge version the stand-in claims (the official manifest's). */
export const STAND_IN_VERSION = "24.7.1";

/** The stand-in's source script. */
export const STAND_IN_SCRIPT = join(REPO, "tests", "support", "stand_in_miniforge.sh");

const CACHE = join(REPO, "tests", ".cache", "conda");

/** A built stand-in installer, ready for a manifest. */
export interface StandInInstaller {
  /** Absolute path of the `.sh` (script + payload). */
  path: string;
  /** Its sha256, hex. */
  sha256: string;
  /** `file://` URI of it. */
  uri: string;
  /** The Python version of its base and of the envs it creates. */
  pythonVersion: string;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

async function build(runtime: BuiltRuntime): Promise<StandInInstaller> {
  const script = await Deno.readFile(STAND_IN_SCRIPT);
  const key = createHash("sha256").update(script).update(runtime.sha256).digest("hex").slice(0, 16);
  const path = join(CACHE, `stand-in-miniforge-${STAND_IN_VERSION}-${key}-Linux-x86_64.sh`);
  try {
    await Deno.stat(path);
  } catch {
    await Deno.mkdir(CACHE, { recursive: true });
    const tmp = `${path}.tmp-${crypto.randomUUID().slice(0, 8)}`;
    try {
      {
        using out = await Deno.open(tmp, { write: true, createNew: true });
        await out.write(script);
        using payload = await Deno.open(runtime.tarball);
        await payload.readable.pipeTo(out.writable, { preventClose: true });
      }
      await Deno.rename(tmp, path);
    } finally {
      await Deno.remove(tmp).catch(() => {});
    }
  }
  return { path, sha256: await sha256Of(path), uri: fileUri(path), pythonVersion: runtime.version };
}

/**
 * The stand-in Miniforge installer with the newest pyenv CPython 3.11, or
 * `undefined` where no such CPython exists (see `skipReason("3.11")`).
 */
export async function standInMiniforge(): Promise<StandInInstaller | undefined> {
  const runtime = await pythonRuntime("3.11");
  return runtime ? await build(runtime) : undefined;
}

/** The `miniforge` manifest entry (raw YAML item for `testManifest`'s `extra`). */
export function miniforgeEntry(standIn: StandInInstaller, stack = "cflinuxfs4"): string {
  return `- name: miniforge
  version: ${STAND_IN_VERSION}
  uri: ${standIn.uri}
  sha256: ${standIn.sha256}
  cf_stacks:
  - ${stack}
`;
}
