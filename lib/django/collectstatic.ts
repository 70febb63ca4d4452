/**
 * Django's `collectstatic` at staging, as the official buildpack runs it:
 * only when Django is installed and `DISABLE_COLLECTSTATIC` is empty; a
 * missing `manage.py` is a warning, not a failure.
 * @module
 */
import { dirname, join } from "../path.ts";
import type { Logger } from "../log.ts";
import { run } from "../process.ts";
import { collectstaticFailed } from "../errors.ts";
import { findManagePy } from "./manage_py.ts";

/** Lines collectstatic prints per file: too many to be useful in a staging log. */
export const COLLECTSTATIC_NOISE = /^\s*(Copying|Post-processed) '/;

/** What {@link collectStatic} did. */
export type CollectStaticOutcome = "not-django" | "disabled" | "no-manage-py" | "ran";

/** Run collectstatic if it applies. `env` must run the staged python (see pythonEnv). */
export async function collectStatic(
  options: {
    buildDir: string;
    pythonDir: string;
    djangoInstalled: boolean;
    env: Record<string, string>;
    log: Logger;
  },
): Promise<CollectStaticOutcome> {
  const { log, env } = options;
  if (!options.djangoInstalled) return "not-django";
  if ((env.DISABLE_COLLECTSTATIC ?? "") !== "") {
    log.info("DISABLE_COLLECTSTATIC is set: not running collectstatic");
    return "disabled";
  }
  const managePy = findManagePy(options.buildDir);
  if (!managePy) {
    log.warning(
      "Django is installed but no manage.py was found at the app root or one or two levels " +
        "down, so collectstatic did not run.\nIf the app serves static files, add manage.py " +
        "or run collectstatic yourself (e.g. in bin/post_compile).",
    );
    return "no-manage-py";
  }
  log.step(`Running python ${managePy} collectstatic --noinput --traceback`);
  const res = await run(
    join(options.pythonDir, "bin", "python3"),
    [managePy, "collectstatic", "--noinput", "--traceback"],
    {
      cwd: options.buildDir,
      // the app's settings import from manage.py's dir, as `python manage.py` does
      env: { ...env, PYTHONPATH: join(options.buildDir, dirname(managePy)) },
      log,
      filter: COLLECTSTATIC_NOISE,
    },
  );
  if (res.code !== 0) throw collectstaticFailed(managePy);
  return "ran";
}
