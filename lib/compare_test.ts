import assert from "node:assert/strict";
import { byCodeUnit } from "./compare.ts";

Deno.test("byCodeUnit sorts like the default sort and is a comparator", () => {
  const words = ["b", "a", "B", "_x", "a1", "a10", "a2", "\u00e9", ""];
  assert.deepEqual([...words].sort(byCodeUnit), [...words].sort());
  assert.equal(byCodeUnit("a", "a"), 0);
  assert.equal(byCodeUnit("a", "b"), -1);
  assert.equal(byCodeUnit("b", "a"), 1);
});
