import assert from "node:assert/strict";
import { join } from "../path.ts";
import {
  applySync,
  entryKeys,
  listTree,
  parseEntries,
  scanEntries,
  syncPlan,
  type TreeEntry,
} from "./tree_sync.ts";

function entry(type: string, path: string, ino = "1"): TreeEntry {
  return { type, ino, size: 0, target: "", path };
}

/** The keys of these entries, through find's listing format. */
function keys(entries: TreeEntry[]): Map<string, string> {
  return entryKeys(
    entries.map((e) => `${e.type}\0${e.ino}\0${e.size}\0${e.target}\0${e.path}\0`).join(""),
  );
}

Deno.test("parseEntries reads find's NUL-separated fields, any byte but NUL in a path", () => {
  const text = "d\x002\x004096\x00\x00\x00" + "f\x003\x005\x00\x00a b\nc\x00" +
    "l\x004\x003\x00../x y\x00lnk\x00";
  assert.deepEqual(parseEntries(text), [
    { type: "d", ino: "2", size: 4096, target: "", path: "" },
    { type: "f", ino: "3", size: 5, target: "", path: "a b\nc" },
    { type: "l", ino: "4", size: 3, target: "../x y", path: "lnk" },
  ]);
  assert.deepEqual(parseEntries(""), []);
  assert.throws(() => parseEntries("f\x001\x00"), /truncated tree listing/);
});

Deno.test("syncPlan: nothing for the same tree; new, replaced and removed entries otherwise", () => {
  const copy = [
    entry("d", ""),
    entry("d", "a"),
    entry("f", "a/keep", "10"),
    entry("f", "a/replaced", "11"),
    entry("d", "gone"),
    entry("f", "gone/x", "12"),
    entry("d", "gone-too"),
    entry("d", "dir-then-file"),
    entry("f", "dir-then-file/y", "13"),
    entry("f", "stray.pyc.1234", "14"),
  ];
  assert.deepEqual(syncPlan(keys(copy), keys(copy)), { remove: [], link: [] });
  const source = [
    entry("d", ""),
    entry("d", "a"),
    entry("f", "a/keep", "10"),
    entry("f", "a/replaced", "21"),
    entry("d", "a/new"),
    entry("d", "a/new/deeper"),
    entry("f", "a/new/deeper/z", "22"),
    entry("l", "a/link", "23"),
    entry("f", "dir-then-file", "24"),
  ];
  assert.deepEqual(syncPlan(keys(copy), keys(source)), {
    // A removed dir takes what is under it ("gone/x" is not listed on its own).
    remove: ["a/replaced", "gone", "gone-too", "dir-then-file", "stray.pyc.1234"],
    // A new directory is linked whole, with everything under it.
    link: ["a/replaced", "a/new", "a/link", "dir-then-file"],
  });
  // A fifo or socket cannot be linked as it is: the caller copies afresh.
  assert.throws(
    () => syncPlan(keys(copy), keys([...copy, entry("p", "fifo")])),
    /fifo is neither/,
  );
});

Deno.test("applySync makes a copy begun earlier an exact hard-linked copy of the tree now", async () => {
  const root = await Deno.makeTempDir({ prefix: "tree-sync-" });
  try {
    const src = join(root, "src");
    await Deno.mkdir(join(src, "lib", "pkg"), { recursive: true });
    await Deno.writeTextFile(join(src, "lib", "pkg", "a.py"), "a");
    await Deno.writeTextFile(join(src, "lib", "old.py"), "old");
    await Deno.writeTextFile(join(src, "lib", "same.py"), "1");
    const copy = join(root, "copy");
    assert.ok((await new Deno.Command("cp", { args: ["-al", src, copy] }).output()).success);
    const before = entryKeys(await listTree(copy));

    // What pip does meanwhile: adds a package (a 0700 dir, a file name with a space and a
    // newline, a symlink), removes a file, replaces another with one of the same size.
    await Deno.mkdir(join(src, "lib", "new"), { mode: 0o700 });
    await Deno.chmod(join(src, "lib", "new"), 0o700);
    await Deno.writeTextFile(join(src, "lib", "new", "m od\n.py"), "new");
    await Deno.writeTextFile(
      join(src, "lib", "pkg", "-n.py"),
      "a name cp could take for an option",
    );
    await Deno.symlink("../pkg/a.py", join(src, "lib", "new", "link.py"));
    await Deno.remove(join(src, "lib", "old.py"));
    await Deno.remove(join(src, "lib", "same.py"));
    await Deno.writeTextFile(join(src, "lib", "same.py"), "2");

    await applySync(src, copy, syncPlan(before, entryKeys(await listTree(src))));
    const now = await scanEntries(src);
    const key = (es: TreeEntry[]) =>
      es.map((e) => `${e.type} ${e.path} ${e.type === "d" ? "" : e.ino} ${e.target}`).sort();
    assert.deepEqual(key(await scanEntries(copy)), key(now));
    assert.equal(await Deno.readTextFile(join(copy, "lib", "same.py")), "2");
    assert.equal(Deno.statSync(join(copy, "lib", "new")).mode! & 0o777, 0o700);
    assert.equal(Deno.readLinkSync(join(copy, "lib", "new", "link.py")), "../pkg/a.py");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
