import assert from "node:assert/strict";
import { join } from "node:path";
import {
  buildpackDirName,
  createLayout,
  depsIndex,
  pruneCache,
  supplyCacheName,
} from "./layout.ts";

Deno.test("depsIndex pads to the digit count of the buildpack count", () => {
  assert.equal(depsIndex(0, 1), "0");
  assert.equal(depsIndex(8, 9), "8");
  assert.equal(depsIndex(0, 10), "00");
  assert.equal(depsIndex(9, 10), "09");
  assert.equal(depsIndex(5, 100), "005");
});

Deno.test("cache and buildpack dir names: 16-hex xxh64 and md5", () => {
  assert.equal(supplyCacheName("python_buildpack"), "2c667126ef5a0443");
  assert.match(buildpackDirName("x"), /^[0-9a-f]{32}$/);
  assert.equal(buildpackDirName("abc"), "900150983cd24fb0d6963f7d28e17f72");
});

Deno.test("createLayout makes the builder's tree", async () => {
  const root = await Deno.makeTempDir();
  try {
    const l = await createLayout(root);
    assert.match(l.contentsDir, /\/tmp\/contents\d{9}$/);
    for (const dir of [l.cacheDir, l.buildpacksDir, l.depsDir, l.profileDir, join(l.home, "app")]) {
      assert.ok((await Deno.stat(dir)).isDirectory, dir);
    }
    assert.equal(l.home, join(root, "home", "vcap"));
    assert.equal(l.buildDir, join(root, "tmp", "app"));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("pruneCache keeps final/ and the named supply dirs only", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const name of ["final", "aaaa", "bbbb", "stray"]) await Deno.mkdir(join(dir, name));
    await Deno.writeTextFile(join(dir, "loose-file"), "x");
    assert.deepEqual(await pruneCache(dir, ["aaaa"]), ["bbbb", "loose-file", "stray"]);
    const left = [];
    for await (const e of Deno.readDir(dir)) left.push(e.name);
    assert.deepEqual(left.sort(), ["aaaa", "final"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
