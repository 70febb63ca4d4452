/**
 * Small file helpers for tests.
 * @module
 */

/** Copy a directory tree to a fresh temp dir (GNU cp -a) and return it. */
export async function copy(dir: string): Promise<string> {
  const to = await Deno.makeTempDir({ prefix: "e2e-app-" });
  const out = await new Deno.Command("cp", { args: ["-a", `${dir}/.`, to] }).output();
  if (!out.success) throw new Error(`cp -a ${dir} ${to} failed`);
  return to;
}

/** A listing of `dir` with each file's sha256, to prove a tree was not changed. */
export async function treeDigest(dir: string): Promise<string> {
  const out = await new Deno.Command("bash", {
    args: [
      "-c",
      `cd "$1" && find . -printf '%p %m %y %l\\n' | sort && find . -type f -print0 | sort -z | xargs -0 -r sha256sum`,
      "_",
      dir,
    ],
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(out.stdout);
}
