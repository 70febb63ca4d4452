import assert from "node:assert/strict";
import { compareCodePoints, pythonJsonDumps, sha256Hex } from "./python_json.ts";

// Expected strings below were printed by CPython 3.11's json.dumps.
Deno.test("pythonJsonDumps: default separators, sorted keys, nested values", () => {
  assert.equal(
    pythonJsonDumps({ b: [1, true, null], a: { y: "x", x: 2.5 }, c: false }),
    '{"a": {"x": 2.5, "y": "x"}, "b": [1, true, null], "c": false}',
  );
  assert.equal(
    pythonJsonDumps({ b: [1, "2"], a: {} }, { item: ",", key: ":" }),
    '{"a":{},"b":[1,"2"]}',
  );
});

Deno.test("pythonJsonDumps escapes like ensure_ascii=True", () => {
  // python3 -c 'import json; print(json.dumps("caf\u00e9 \U0001F600 \x7f\x01\t\"\\/"))'
  assert.equal(
    pythonJsonDumps('caf\u00e9 \u{1F600} \x7f\x01\t"\\/'),
    '"caf\\u00e9 \\ud83d\\ude00 \\u007f\\u0001\\t\\"\\\\/"',
  );
});

Deno.test("pythonJsonDumps sorts keys by code point, not UTF-16 unit", () => {
  // U+FF21 sorts before U+1F600 in Python; UTF-16 order would put the surrogate pair first.
  assert.ok(compareCodePoints("\uff21", "\u{1F600}") < 0);
  assert.equal(
    pythonJsonDumps({ "\u{1F600}": 1, "\uff21": 2, "B": 3, "a": 4 }),
    '{"B": 3, "a": 4, "\\uff21": 2, "\\ud83d\\ude00": 1}',
  );
});

Deno.test("sha256Hex hashes UTF-8", () => {
  // printf '{}' | sha256sum
  assert.equal(sha256Hex("{}"), "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
});
