/**
 * A full disk while extracting says so, naming what was being done and
 * where (not "truncated archive" or a bug). Uses a real 64 KiB tmpfs, which
 * needs root (CI runs as root); elsewhere the test is skipped and says why.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { extractArchive } from "./extract.ts";

function run(cmd: string, args: string[]): boolean {
  try {
    return new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

const probe = Deno.makeTempDirSync({ prefix: "full-disk-probe-" });
const canMount = run("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe]);
if (canMount) run("umount", [probe]);
Deno.removeSync(probe);
if (!canMount) console.log("full-disk test skipped: cannot mount a tmpfs here (needs root)");

Deno.test({
  name: "extraction into a full filesystem: no space left on device while extracting, and where",
  ignore: !canMount,
  fn: async () => {
    const work = await Deno.makeTempDir({ prefix: "full-disk-" });
    const small = join(work, "small");
    try {
      await Deno.mkdir(join(work, "src", "lib"), { recursive: true });
      await Deno.writeFile(join(work, "src", "lib", "big.bin"), new Uint8Array(512 * 1024).fill(7));
      assert.ok(run("tar", ["czf", join(work, "python.tgz"), "-C", join(work, "src"), "."]));
      await Deno.mkdir(small);
      assert.ok(run("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", small]));
      const target = join(small, "python");
      await assert.rejects(
        () => extractArchive(join(work, "python.tgz"), target),
        (e: Error) => {
          assert.match(e.message, /no space left on device while extracting python\.tgz into /);
          assert.ok(e.message.includes(target), e.message);
          assert.doesNotMatch(e.message, /truncated|This is a bug/);
          return true;
        },
      );
    } finally {
      run("umount", [small]);
      await Deno.remove(work, { recursive: true });
    }
  },
});
