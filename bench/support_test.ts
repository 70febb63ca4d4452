import assert from "node:assert/strict";
import { join } from "node:path";
import { fileCreationMicros } from "./support.ts";

Deno.test("fileCreationMicros creates its files in a fresh dir, keeps them and times each", async () => {
  const root = await Deno.makeTempDir({ prefix: "bench-create-" });
  try {
    const us = fileCreationMicros(join(root, "probe"), 50);
    assert.ok(Number.isFinite(us) && us > 0, `${us} us per file`);
    assert.equal([...Deno.readDirSync(join(root, "probe"))].length, 50, "the files stay");
    // A second probe in the same dir would time nothing new: refused.
    assert.throws(() => fileCreationMicros(join(root, "probe"), 50), Deno.errors.AlreadyExists);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
