import assert from "node:assert/strict";
import {
  compareVersions,
  ImproperConstraint,
  matchVersion,
  normalizeRequest,
  satisfies,
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
    // PEP 440, as in requires-python
    ["~=3.12.0", "3.12.14"],
    ["~=3.11", "3.14.7"],
    ["~= 3.10", "3.14.7"],
    ["==3.11.*", "3.11.16"],
    ["== 3.11.*", "3.11.16"],
    ["==3.11.x", "3.11.16"],
    [">=3.10,<3.13", "3.12.14"],
    [">= 3.10 , < 3.13", "3.12.14"],
    ["!=3.14.*", "3.13.15"],
    ["<3.14,!=3.13.15", "3.12.14"],
    ["!=3.12.0", "3.14.7"],
    ["==3.11.9", "3.11.9"],
    ["==3.11.7", undefined],
    ["3.11.*", "3.11.16"],
    [">3.11", "3.14.7"],
    ["<=3.12", "3.11.16"], // PEP 440: <=3.12 is <=3.12.0
    [">3.11,<3.12", "3.11.16"], // PEP 440: >3.11 takes 3.11.1 and later
    ["=3.11", "3.11.16"], // npm's single =
    ["*", "3.14.7"],
    ["3.12.13", undefined],
    ["3.9", undefined],
    ["2.x", undefined],
  ];
  for (const [request, expected] of cases) {
    assert.equal(matchVersion(request, AVAILABLE), expected, request);
    assert.equal(matchVersion(`python-${request}`, AVAILABLE), expected, `python-${request}`);
  }
});

Deno.test("matchVersion: ~3.11 means >=3.11.0 <3.12.0 (npm tilde, as CF had it)", () => {
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
  const requests = [
    "abc",
    "python-abc",
    "3.11 abc",
    "",
    "python",
    "3.11.x ||",
    "pypy3.10",
    "~=3",
    ">=3.11.x",
    "3.11 - 3.12",
    "3x",
    "=>3.11",
    "^3.12",
  ];
  for (const garbage of requests) {
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

Deno.test("matchVersion: ^ (Poetry/npm caret) is improper, with what to write instead", () => {
  for (const [request, hint] of [["^3.12", ">=3.12,<4 or ~=3.12"], ["^3", ">=3,<4 or ~=3.0"]]) {
    assert.throws(
      () => matchVersion(request, AVAILABLE),
      (error: unknown) => {
        assert.ok(error instanceof ImproperConstraint);
        assert.equal(error.constraint, request);
        assert.match(
          error.hint ?? "",
          new RegExp(`not PEP 440: write ${hint.replace(/[.^]/g, "\\$&")}$`),
        );
        assert.match(error.message, /^improper constraint: \^3/);
        return true;
      },
    );
  }
});

Deno.test("matchVersion: a wrong PEP 440 clause says why in the hint", () => {
  assert.throws(
    () => matchVersion("~=3", AVAILABLE),
    (error: unknown) =>
      error instanceof ImproperConstraint && error.constraint === "~=3" &&
      /at least two release numbers/.test(error.hint ?? ""),
  );
});

Deno.test("matchVersion: pre-releases only when the request names one", () => {
  const available = ["3.13.5", "3.14.0rc1"];
  assert.equal(matchVersion("3.14", available), undefined);
  assert.equal(matchVersion(">=3.13", available), "3.13.5");
  assert.equal(matchVersion(">=3.14.0rc1", available), "3.14.0rc1");
  assert.equal(matchVersion("3.14.0rc1", available), "3.14.0rc1");
});

Deno.test("compareVersions and satisfies", () => {
  const sorted = ["3.9.1", "3.10.21", "3.11.9", "3.11.16", "25.2"];
  assert.deepEqual([...sorted].reverse().sort(compareVersions), sorted);
  assert.ok(satisfies("3.10.21", "3.10.x"));
  assert.ok(!satisfies("3.11.1", "3.10.x"));
  assert.ok(!satisfies("3.10.21", "garbage"));
  assert.ok(!satisfies("garbage", "3.10.x"));
  assert.ok(satisfies("3.10.21", ">=3.10,<3.11"));
  assert.ok(satisfies("3.10.21", "~=3.10.0"));
  assert.equal(compareVersions("3.11", "3.11.0"), -1, "equal versions still sort stably");
  assert.deepEqual(["3.11.0", "abc", "3.11"].sort(compareVersions), ["abc", "3.11", "3.11.0"]);
});
