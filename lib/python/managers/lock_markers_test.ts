import assert from "node:assert/strict";
import { markerHolds, markersEquivalent, targetEnvironment } from "./lock_markers.ts";

Deno.test("markerHolds: the Linux CPython target, extras only when requested", () => {
  const env = targetEnvironment("3.11.7");
  assert.equal(markerHolds(undefined, env), true);
  assert.equal(markerHolds("sys_platform == 'win32'", env), false);
  assert.equal(markerHolds("python_full_version >= '3.11.4' and os_name == 'posix'", env), true);
  assert.equal(markerHolds("extra == 'pg'", env), false);
  assert.equal(markerHolds("extra == 'pg'", env, ["pg"]), true);
});

Deno.test("markersEquivalent: order and quoting do not matter, meaning does", () => {
  assert.ok(markersEquivalent(
    "sys_platform == 'linux' and python_version >= '3.9'",
    "python_version >= \"3.9\" and 'linux' == sys_platform",
  ));
  assert.ok(!markersEquivalent("sys_platform == 'linux'", "sys_platform == 'darwin'"));
  assert.ok(!markersEquivalent("extra == 'pg'", undefined));
});

Deno.test("markersEquivalent: clauses requires-python already implies are dropped, as uv does", () => {
  assert.ok(markersEquivalent("python_version >= '3.8'", undefined, { requiresPython: ">=3.11" }));
  assert.ok(
    !markersEquivalent("python_version >= '3.12'", undefined, { requiresPython: ">=3.11" }),
  );
});
