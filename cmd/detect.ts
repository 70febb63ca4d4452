/**
 * `bin/detect BUILD_DIR`: exit 0 printing `python <VERSION>` when the app
 * has a file a Python app is recognised by, else exit 1.
 * @module
 */
import { join } from "../lib/path.ts";
import type { Logger } from "../lib/log.ts";
import { phaseArguments } from "../lib/errors.ts";
import { buildpackRoot } from "../lib/root.ts";
import { readBuildpackVersion } from "../lib/stage/context.ts";

/** Files that make an app a Python app (root of the app dir). */
export const DETECT_FILES = [
  "requirements.txt",
  "setup.py",
  "pyproject.toml",
  "Pipfile",
  "Pipfile.lock",
  "uv.lock",
  "poetry.lock",
  "environment.yml",
];

/** The detect phase. */
export async function detect(args: string[], _log: Logger): Promise<number> {
  if (args.length < 1) throw phaseArguments("detect", "BUILD_DIR", args);
  const found = DETECT_FILES.find((f) => {
    try {
      return Deno.statSync(join(args[0], f)).isFile;
    } catch {
      return false;
    }
  });
  if (!found) return 1;
  console.log(`python ${readBuildpackVersion(buildpackRoot())}`);
  return await Promise.resolve(0);
}
