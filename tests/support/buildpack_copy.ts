/**
 * A copy of this buildpack as a release would lay it out (what staging needs,
 * no dev dirs), with its own manifest, VERSION or `dependencies/`, for tests
 * of cached (offline) buildpacks and buildpack upgrades.
 * @module
 */
import { join } from "node:path";
import { REPO } from "./staging.ts";

const RUNTIME_FILES = ["bin", "cmd", "lib", "mod.ts", "deno.json", "deno.lock", "VERSION"];

/** Copy the buildpack to a temp dir; the caller removes it. */
export async function buildpackCopy(
  options: { manifest: string; version?: string },
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "e2e-buildpack-" });
  const out = await new Deno.Command("cp", {
    args: ["-a", ...RUNTIME_FILES.map((f) => join(REPO, f)), dir],
  }).output();
  if (!out.success) throw new Error("copying the buildpack failed");
  await Deno.writeTextFile(join(dir, "manifest.yml"), options.manifest);
  if (options.version) await Deno.writeTextFile(join(dir, "VERSION"), options.version + "\n");
  return dir;
}
