/**
 * Droplet and app-cache tarballs, with GNU tar as the builder uses it
 * (`tar -czf droplet -C contents .`).
 * @module
 */
import { dirname } from "node:path";

/** File name of the app cache inside `--cache DIR`. */
export const CACHE_FILE = "app-cache.tgz";

async function tar(args: string[]): Promise<void> {
  const out = await new Deno.Command("tar", { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    const stderr = new TextDecoder().decode(out.stderr).trim();
    throw new Error(`tar ${args.join(" ")} failed (exit ${out.code}): ${stderr}`);
  }
}

/**
 * `tar -czf file -C dir .`, written next to `file` first and renamed, so a
 * failed run never leaves a truncated tarball behind. gzip's fastest level:
 * the result is the same gzip tarball, and local stagings (every e2e test)
 * spend two to three times less time compressing.
 */
export async function packDir(dir: string, file: string): Promise<void> {
  await Deno.mkdir(dirname(file), { recursive: true });
  const partial = `${file}.partial-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await tar(["-I", "gzip -1", "-cf", partial, "-C", dir, "."]);
    await Deno.rename(partial, file);
  } finally {
    await Deno.remove(partial).catch(() => {});
  }
}

/** `tar -xzf file -C dir` (dir created if needed). */
export async function unpackInto(file: string, dir: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await tar(["-xzf", file, "-C", dir]);
}

/** Whether a file exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
