/**
 * Staging time across phases: supply notes when staging began in the app
 * cache, finalize reads it back for the closing line.
 * @module
 */
import { join } from "../path.ts";

const FILE = "staging-started-at";

/** Remember when staging began (supply's start). */
export async function markStagingStart(cacheDir: string, at: number): Promise<void> {
  await Deno.mkdir(cacheDir, { recursive: true });
  await Deno.writeTextFile(join(cacheDir, FILE), String(at));
}

/** Milliseconds since {@link markStagingStart}, or undefined. Forgets the mark. */
export async function stagingElapsed(cacheDir: string, now: number): Promise<number | undefined> {
  try {
    const at = Number(await Deno.readTextFile(join(cacheDir, FILE)));
    await Deno.remove(join(cacheDir, FILE));
    return Number.isFinite(at) && at <= now ? now - at : undefined;
  } catch {
    return undefined;
  }
}

/** `1.23 s` */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
