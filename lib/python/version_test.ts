import assert from "node:assert/strict";
import {
  compareVersions,
  ImproperConstraint,
  matchVersion,
  normalizeRequest,
  satisfies,
  toSemver,
} from "./version.ts";

const AVAILABLE = ["3.10.21", "3.11.16", "3.11.9", "3.12.14", "3.13.15", "3.14.7"];

Deno.test("normalizeRequest strips the python prefix and completes bare lines", () => {
  const cases: [string, string][] = [
    ["3.11", "3.11.x"],
    ["3", "3.x"],
    ["3.11.9", "3.11.9"],
    ["3.11.x", "3.11.x"],
    ["3.x", "3.x"],
    [">=3.11", ">=3.11"],
    ["~3.11", "~3.11"],
    ["3.13.x || 3.11.x", "3.13.x || 3.11.x"],
    ["3.13.x||3.11", "3.13.x || 3.11.x"],
    ["python-3.11", "3.11.x"],
    ["python3.11", "3.11.x"],
    ["Python-3.12.x", "3.12.x"],
    ["  python-3.13.x \t", "3.13.x"],
    ["python-3.13.x || python-3.11", "3.13.x || 3.11.x"],
    [">=3.11,<3.13", ">=3.11 <3.13"],
    ["abc", "abc"],
  ];
  for (const [raw, expected] of cases) assert.equal(normalizeRequest(raw), expected, raw);
});

Deno.test("matchVersion handles every request form with and without python-", () => {
  const cases: [string, string | undefined][] = [
    ["3.11.9", "3.11.9"],
    ["3.11", "3.11.16"],
    ["3.11.x", "3.11.16"],
    ["3.x", "3.14.7"],
    ["3", "3.14.7"],
    [">=3.11", "3.14.7"],
    ["~3.11", "3.11.16"],
    ["3.13.x || 3.11.x", "3.13.15"],
    ["3.11.x || 3.10.x", "3.11.16"],
    [">=3.11 <3.13", "3.12.14"],
    [">=3.11,<3.13", "3.12.14"],
    ["3.12.*", "3.12.14"],
    ["3.12.13", undefined],
    ["3.9", undefined],
    ["2.x", undefined],
  ];
  for (const [request, expected] of cases) {
    assert.equal(matchVersion(request, AVAILABLE), expected, request);
    assert.equal(matchVersion(`python-${request}`, AVAILABLE), expected, `python-${request}`);
  }
});

Deno.test("matchVersion: ~3.11 means >=3.11.0 <3.12.0 (CF semver)", () => {
  assert.equal(matchVersion("~3.11", ["3.11.0", "3.11.5", "3.12.0"]), "3.11.5");
  assert.equal(matchVersion("~3.11", ["3.12.0", "3.13.1"]), undefined);
});

Deno.test("matchVersion returns the highest, whatever the input order", () => {
  assert.equal(matchVersion("3.11.x", ["3.11.16", "3.11.2", "3.11.9"]), "3.11.16");
  assert.equal(matchVersion("3.x", [...AVAILABLE].reverse()), "3.14.7");
  assert.equal(matchVersion("3.x", []), undefined);
});

Deno.test("matchVersion accepts two-part manifest versions such as pip 25.2", () => {
  assert.equal(matchVersion("25.x", ["25.2", "26.2.1"]), "25.2");
  assert.equal(matchVersion("26", ["25.2", "26.2.1"]), "26.2.1");
  assert.equal(matchVersion("3.x", ["not-a-version", "3.1.0"]), "3.1.0");
});

Deno.test("matchVersion throws ImproperConstraint for garbage", () => {
  for (const garbage of ["abc", "python-abc", "3.11 abc", "", "python", "3.11.x ||", "pypy3.10"]) {
    assert.throws(
      () => matchVersion(garbage, AVAILABLE),
      (error: unknown) => error instanceof ImproperConstraint,
      JSON.stringify(garbage),
    );
  }
  try {
    matchVersion("python-abc", AVAILABLE);
  } catch (error) {
    assert.ok(error instanceof ImproperConstraint);
    assert.equal(error.constraint, "abc");
    assert.equal(error.message, "improper constraint: abc");
  }
});

Deno.test("toSemver, compareVersions and satisfies", () => {
  assert.equal(toSemver("3.11.9"), "3.11.9");
  assert.equal(toSemver("25.2"), "25.2.0");
  assert.equal(toSemver("7"), "7.0.0");
  assert.equal(toSemver("abc"), undefined);
  const sorted = ["3.9.1", "3.10.21", "3.11.9", "3.11.16", "25.2"];
  assert.deepEqual([...sorted].reverse().sort(compareVersions), sorted);
  assert.ok(satisfies("3.10.21", "3.10.x"));
  assert.ok(!satisfies("3.11.1", "3.10.x"));
  assert.ok(!satisfies("3.10.21", "garbage"));
});
