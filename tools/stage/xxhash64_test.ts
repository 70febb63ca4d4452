import assert from "node:assert/strict";
import { xxhash64, xxhash64Hex } from "./xxhash64.ts";

// Reference values computed with the `xxhash` Python package (xxh64, seed 0).
const VECTORS: [string, string][] = [
  ["", "ef46db3751d8e999"],
  ["a", "d24ec4f1a98c6e5b"],
  ["abc", "44bc2cf5ad770999"],
  ["Nobody inspects the spammish repetition", "fbcea83c8a378bf1"],
  ["python_buildpack", "2c667126ef5a0443"],
  ["/work/main", "fda92d3097780012"],
  ["x".repeat(100) + "h\u00e9llo", "e19374bb40c5363d"],
];

Deno.test("xxhash64 matches reference vectors (short, 4/8-byte tails, 32-byte stripes, UTF-8)", () => {
  for (const [input, hex] of VECTORS) assert.equal(xxhash64Hex(input), hex, JSON.stringify(input));
});

Deno.test("xxhash64 hashes bytes like the equivalent string and pads to 16 digits", () => {
  assert.equal(xxhash64(new TextEncoder().encode("abc")), 0x44bc2cf5ad770999n);
  for (let i = 0; i < 200; i++) assert.match(xxhash64Hex(`key-${i}`), /^[0-9a-f]{16}$/);
});
