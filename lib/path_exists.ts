/**
 * Whether a path exists, for the many "is this file in the app?" checks.
 * @module
 */

/** True when `path` exists (any kind of entry, symlinks followed). */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
