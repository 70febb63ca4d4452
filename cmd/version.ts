/**
 * `buildpack version` / `--version`: what this artifact is, for audits.
 * @module
 */
import { join } from "../lib/path.ts";
import { sha256Hex } from "../lib/digest.ts";
import type { Logger } from "../lib/log.ts";
import { buildpackRoot } from "../lib/root.ts";
import { readBuildpackVersion } from "../lib/stage/context.ts";
import { parse } from "yaml";

/**
 * Print the buildpack version, the Deno version it runs on (in a release
 * zip: the denort it was compiled with), the stack its manifest is for
 * (`any` when it serves every stack), the target and the manifest's sha256.
 */
export async function version(_args: string[], _log: Logger): Promise<number> {
  const root = buildpackRoot();
  const manifest = await Deno.readFile(join(root, "manifest.yml")).catch(() => undefined);
  let stack = "unknown";
  try {
    if (manifest) stack = parse(new TextDecoder().decode(manifest))?.stack ?? "any";
  } catch {
    stack = "unknown (manifest.yml is not valid YAML)";
  }
  console.log(
    [
      `python-buildpack ${readBuildpackVersion(root)}`,
      `deno ${Deno.version.deno}`,
      `stack ${stack}`,
      `target ${Deno.build.target}`,
      `manifest sha256 ${manifest ? await sha256Hex(manifest) : "(missing)"}`,
    ].join("\n"),
  );
  return 0;
}
