/**
 * `buildpack version` / `--version`: what this artifact is, for audits.
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Logger } from "../lib/log.ts";
import { buildpackRoot } from "../lib/root.ts";
import { readBuildpackVersion } from "../lib/stage/context.ts";
import { parse } from "yaml";

/** Print version, Deno version, stack, target and the manifest's sha256. */
export async function version(_args: string[], _log: Logger): Promise<number> {
  const root = buildpackRoot();
  const manifest = await Deno.readFile(join(root, "manifest.yml")).catch(() => undefined);
  const stack = manifest ? (parse(new TextDecoder().decode(manifest))?.stack ?? "any") : "unknown";
  console.log(
    [
      `python-buildpack ${readBuildpackVersion(root)}`,
      `deno ${Deno.version.deno}`,
      `stack ${stack}`,
      `target ${Deno.build.target}`,
      `manifest sha256 ${
        manifest ? createHash("sha256").update(manifest).digest("hex") : "(missing)"
      }`,
    ].join("\n"),
  );
  return 0;
}
