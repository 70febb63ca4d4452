/**
 * Whether an app is staged with conda. Apart from `supply.ts` so that a pip
 * staging asks without loading the conda code (and its YAML reader).
 * @module
 */
import { join } from "../path.ts";

/** The conda environment file in the app root. */
export const ENVIRONMENT_FILE = "environment.yml";

/** Whether the app is staged with conda: it has an environment.yml. */
export async function usesConda(buildDir: string): Promise<boolean> {
  try {
    return (await Deno.stat(join(buildDir, ENVIRONMENT_FILE))).isFile;
  } catch {
    return false;
  }
}
