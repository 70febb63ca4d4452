import assert from "node:assert/strict";
import { join } from "node:path";
import { bundledPath } from "./bundled_path.ts";
import { findBundledCopy } from "./bundled_copy.ts";
import type { Dependency } from "../manifest.ts";

const DEP: Dependency = {
  name: "python",
  version: "3.11.7",
  uri: "https://example.org/python/python_3.11.7_linux_x64_cflinuxfs4_c4bf453b.tgz?x=1",
  sha256: "0".repeat(64),
  cfStacks: ["cflinuxfs4"],
};
// md5 of DEP.uri (Python's hashlib).
const MD5 = "bc3fe0343df6e9b4d4fbc24dfac17b62";
const NAME = "python_3.11.7_linux_x64_cflinuxfs4_c4bf453b.tgz";

Deno.test("bundledPath: the manifest's file: entry, else dependencies/<md5 of uri>/<basename>", () => {
  assert.equal(bundledPath("/bp", DEP), `/bp/dependencies/${MD5}/${NAME}`);
  assert.equal(
    bundledPath("/bp", { ...DEP, file: "dependencies/a/b.tgz" }),
    "/bp/dependencies/a/b.tgz",
  );
  assert.equal(bundledPath("/bp", { ...DEP, file: "/elsewhere/b.tgz" }), "/elsewhere/b.tgz");
});

Deno.test("findBundledCopy: the file: entry or the md5 layout when it is there, else none", async () => {
  const root = await Deno.makeTempDir({ prefix: "bundled_copy_test_" });
  try {
    // An online buildpack: no dependencies/ at all.
    assert.equal(await findBundledCopy(root, DEP), undefined);
    // Another dependency's dir holding a file of the same basename: not this one's copy.
    await Deno.mkdir(join(root, "dependencies", "0".repeat(32)), { recursive: true });
    await Deno.writeTextFile(join(root, "dependencies", "0".repeat(32), NAME), "other");
    assert.equal(await findBundledCopy(root, DEP), undefined);
    // libbuildpack's layout.
    await Deno.mkdir(join(root, "dependencies", MD5));
    await Deno.writeTextFile(join(root, "dependencies", MD5, NAME), "tgz");
    assert.equal(await findBundledCopy(root, DEP), join(root, "dependencies", MD5, NAME));
    // A file: entry decides, whether its file is there or not.
    await Deno.writeTextFile(join(root, "mine.tgz"), "tgz");
    assert.equal(await findBundledCopy(root, { ...DEP, file: "mine.tgz" }), join(root, "mine.tgz"));
    assert.equal(await findBundledCopy(root, { ...DEP, file: "gone.tgz" }), undefined);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
