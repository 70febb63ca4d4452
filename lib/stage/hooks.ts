/**
 * The app's `bin/pre_compile` and `bin/post_compile` hooks: run from the app
 * dir, directly when they have a shebang, else with /bin/sh. A failing hook
 * fails staging with its output shown. Staging waits for the hook process,
 * not for a background process it leaves running.
 * @module
 */
import { join } from "../path.ts";
import type { Logger } from "../log.ts";
import { run } from "../process.ts";
import { appFileNotRegular, appFileUnreadable, hookFailed } from "../errors.ts";
import { fileKind } from "../app_files.ts";
import { osReason } from "../io_errors.ts";

/** Run `bin/<name>` of the app if it exists. Returns whether it ran. */
export async function runHook(
  name: "pre_compile" | "post_compile",
  options: { buildDir: string; env: Record<string, string>; log: Logger },
): Promise<boolean> {
  const path = join(options.buildDir, "bin", name);
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch {
    return false;
  }
  // Checked before opening: opening a FIFO would block staging forever.
  const kind = fileKind(info);
  if (kind !== undefined) throw appFileNotRegular(`bin/${name}`, kind);
  const head = new Uint8Array(2);
  try {
    using f = await Deno.open(path);
    await f.read(head);
  } catch (err) {
    throw appFileUnreadable(`bin/${name}`, osReason(err));
  }
  options.log.step(`Running ${name} hook`);
  const shebang = head[0] === 0x23 && head[1] === 0x21;
  if (shebang) await Deno.chmod(path, 0o755).catch(() => {});
  const [cmd, args] = shebang ? [path, []] : ["/bin/sh", [path]];
  const res = await run(cmd, args, { cwd: options.buildDir, env: options.env, log: options.log });
  if (res.code !== 0) throw hookFailed(`bin/${name}`, res.code);
  return true;
}
