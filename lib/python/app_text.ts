/**
 * Reading a text file of the app that may be absent.
 * @module
 */
import { join } from "node:path";

/** The text of `rel` in the app dir, or undefined when there is no such file. */
export async function readAppText(appDir: string, rel: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(join(appDir, rel));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}
