import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { sha256Hex } from "./digest.ts";

Deno.test("sha256Hex equals node:crypto's digest for texts and bytes", async () => {
  for (const text of ["", "abc", "\u00fcn\u00efc\u00f6d\u00e9\n", "x".repeat(100_000)]) {
    assert.equal(await sha256Hex(text), createHash("sha256").update(text, "utf8").digest("hex"));
  }
  const bytes = new Uint8Array([0, 1, 2, 255]);
  assert.equal(await sha256Hex(bytes), createHash("sha256").update(bytes).digest("hex"));
  assert.equal(
    await sha256Hex("abc"),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});
