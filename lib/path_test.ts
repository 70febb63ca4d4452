import assert from "node:assert/strict";
import * as node from "node:path";
import { fileURLToPath } from "node:url";
import {
  basename,
  dirname,
  fromFileUrl,
  isAbsolute,
  join,
  normalize,
  relative,
  resolve,
} from "./path.ts";

/** Every string of up to `max` characters from `alphabet`. */
function allStrings(alphabet: string[], max: number): string[] {
  const out = [""];
  let level = [""];
  for (let n = 1; n <= max; n++) {
    level = level.flatMap((s) => alphabet.map((c) => s + c));
    out.push(...level);
  }
  return out;
}

// "a", "b", ".", "/" up to 7 characters: every arrangement of dots, names and
// slashes a path can have (`..a`, `a/..`, `//`, `./`, trailing slashes).
const PATHS = allStrings(["a", "b", ".", "/"], 7);
const SHORT = allStrings(["a", ".", "/"], 4);

Deno.test("normalize, dirname, basename and isAbsolute equal node:path's on every short path", () => {
  for (const p of PATHS) {
    assert.equal(normalize(p), node.posix.normalize(p), `normalize(${JSON.stringify(p)})`);
    assert.equal(dirname(p), node.posix.dirname(p), `dirname(${JSON.stringify(p)})`);
    assert.equal(basename(p), node.posix.basename(p), `basename(${JSON.stringify(p)})`);
    assert.equal(isAbsolute(p), node.posix.isAbsolute(p), `isAbsolute(${JSON.stringify(p)})`);
  }
});

Deno.test("join, resolve and relative equal node:path's on every pair of short paths", () => {
  for (const a of SHORT) {
    for (const b of SHORT) {
      const what = `(${JSON.stringify(a)}, ${JSON.stringify(b)})`;
      assert.equal(join(a, b), node.posix.join(a, b), `join${what}`);
      assert.equal(resolve(a, b), node.posix.resolve(a, b), `resolve${what}`);
      assert.equal(relative(a, b), node.posix.relative(a, b), `relative${what}`);
    }
  }
  assert.equal(join(), node.posix.join());
  assert.equal(resolve(), node.posix.resolve());
  assert.equal(join("/tmp", "deps", "0", "python"), "/tmp/deps/0/python");
  assert.equal(relative("/a/b/bin", "/a/b/python/bin/x"), "../python/bin/x");
});

Deno.test("fromFileUrl equals node:url's fileURLToPath and refuses what it refuses", () => {
  for (
    const url of [
      "file:///tmp/a%20b/python.tgz",
      "file://localhost/tmp/x",
      "file:///t%C3%BCr/%25",
      new URL("file:///srv/x y"),
    ]
  ) {
    assert.equal(fromFileUrl(url), fileURLToPath(url));
  }
  for (const bad of ["https://example.com/x", "file://host/x", "file:///a%2Fb"]) {
    assert.throws(() => fileURLToPath(bad), TypeError);
    assert.throws(() => fromFileUrl(bad), TypeError, bad);
  }
});
