import assert from "node:assert/strict";
import { join } from "node:path";
import {
  copyTree,
  diffSnapshots,
  isUnchanged,
  makeReadOnly,
  removeTree,
  snapshotTree,
} from "./tree.ts";

Deno.test("copyTree keeps modes, mtimes and symlinks, and applies exclusions", async () => {
  const root = await Deno.makeTempDir();
  try {
    const src = join(root, "src");
    await Deno.mkdir(join(src, "bin"), { recursive: true });
    await Deno.mkdir(join(src, ".git"));
    await Deno.mkdir(join(src, "sub", "node_modules"), { recursive: true });
    await Deno.writeTextFile(join(src, "bin", "run"), "#!/bin/sh\n");
    await Deno.chmod(join(src, "bin", "run"), 0o751);
    await Deno.writeTextFile(join(src, ".git", "HEAD"), "x");
    await Deno.writeTextFile(join(src, "sub", "node_modules", "m"), "x");
    await Deno.symlink("bin/run", join(src, "link"));
    const old = new Date("2001-02-03T04:05:06Z");
    await Deno.utime(join(src, "bin", "run"), old, old);

    const dest = join(root, "dest");
    await copyTree(src, dest, {
      exclude: (rel) => rel === ".git" || rel.endsWith("node_modules"),
    });
    const st = await Deno.stat(join(dest, "bin", "run"));
    assert.equal(st.mode! & 0o777, 0o751);
    assert.equal(st.mtime!.getTime(), old.getTime());
    assert.equal(await Deno.readLink(join(dest, "link")), "bin/run");
    await assert.rejects(Deno.stat(join(dest, ".git")));
    await assert.rejects(Deno.stat(join(dest, "sub", "node_modules")));
    assert.ok((await Deno.stat(join(dest, "sub"))).isDirectory);
  } finally {
    await removeTree(root);
  }
});

Deno.test("snapshots see additions, changes and removals; makeReadOnly drops w bits", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "a"), "1");
    await Deno.writeTextFile(join(dir, "b"), "1");
    await makeReadOnly(dir);
    assert.equal((await Deno.stat(join(dir, "a"))).mode! & 0o222, 0);
    assert.equal((await Deno.stat(dir)).mode! & 0o222, 0);
    const before = await snapshotTree(dir);
    assert.ok(isUnchanged(diffSnapshots(before, await snapshotTree(dir))));
    await Deno.chmod(dir, 0o755);
    await Deno.chmod(join(dir, "a"), 0o644);
    await Deno.writeTextFile(join(dir, "a"), "22");
    await Deno.remove(join(dir, "b"));
    await Deno.writeTextFile(join(dir, "c"), "");
    const diff = diffSnapshots(before, await snapshotTree(dir));
    assert.deepEqual(diff, { added: ["c"], removed: ["b"], changed: [".", "a"] });
  } finally {
    await removeTree(dir);
  }
});
