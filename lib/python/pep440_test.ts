import assert from "node:assert/strict";
import {
  compareVersions,
  formatVersion,
  normalizeSpecifiers,
  parseSpecifiers,
  parseVersion,
  SpecifierError,
  specifiersContain,
} from "./pep440.ts";

function normal(text: string): string | undefined {
  const v = parseVersion(text);
  return v === undefined ? undefined : formatVersion(v);
}

function contains(spec: string, version: string, prereleases?: boolean): boolean {
  return specifiersContain(parseSpecifiers(spec), version, { prereleases });
}

Deno.test("parseVersion applies the normalisations of PEP 440", () => {
  const cases: [string, string][] = [
    ["1.0", "1.0"],
    ["v1.0", "1.0"],
    ["V1.0", "1.0"],
    ["  1.0\n", "1.0"],
    ["1.0a1", "1.0a1"],
    ["1.0A1", "1.0a1"],
    ["1.0alpha1", "1.0a1"],
    ["1.0.alpha.1", "1.0a1"],
    ["1.0-a-1", "1.0a1"],
    ["1.0_a_1", "1.0a1"],
    ["1.0a", "1.0a0"],
    ["1.0beta2", "1.0b2"],
    ["1.0c1", "1.0rc1"],
    ["1.0pre1", "1.0rc1"],
    ["1.0preview1", "1.0rc1"],
    ["1.0RC1", "1.0rc1"],
    ["1.0-1", "1.0.post1"],
    ["1.0post1", "1.0.post1"],
    ["1.0-post-1", "1.0.post1"],
    ["1.0.r1", "1.0.post1"],
    ["1.0rev1", "1.0.post1"],
    ["1.0.post", "1.0.post0"],
    ["1.0dev", "1.0.dev0"],
    ["1.0-dev-2", "1.0.dev2"],
    ["1.0rc1.post2.dev3", "1.0rc1.post2.dev3"],
    ["1!2.0", "1!2.0"],
    ["0!2.0", "2.0"],
    ["01.002.0003", "1.2.3"],
    ["1.0+Ubuntu-1", "1.0+ubuntu.1"],
    ["1.0+abc_007", "1.0+abc.7"],
    ["2024.10.1", "2024.10.1"],
  ];
  for (const [text, expected] of cases) assert.equal(normal(text), expected, text);
});

Deno.test("parseVersion rejects what is not PEP 440", () => {
  for (const text of ["", "abc", "1.", ".1", "1..0", "1.0+", "1.0+a..b", "1.0-", "1.x", "3.11.*"]) {
    assert.equal(parseVersion(text), undefined, JSON.stringify(text));
  }
  for (const text of ["1.0-1-1", "1.0 a1", "1.0+ab cd", "1.0a1a2", "python-3.11", "1!2!3"]) {
    assert.equal(parseVersion(text), undefined, JSON.stringify(text));
  }
});

Deno.test("parseVersion gives the fields", () => {
  assert.deepEqual(parseVersion("1!2.3rc4.post5.dev6+a.7"), {
    epoch: 1,
    release: [2, 3],
    pre: { label: "rc", number: 4 },
    post: 5,
    dev: 6,
    local: ["a", 7],
  });
});

Deno.test("compareVersions follows PEP 440 order (the PEP's own example, shuffled)", () => {
  // From PEP 440 "Summary of permitted suffixes and relative ordering", plus epochs and locals.
  const ordered = [
    "1.0.dev456",
    "1.0a1",
    "1.0a2.dev456",
    "1.0a12.dev456",
    "1.0a12",
    "1.0b1.dev456",
    "1.0b2",
    "1.0b2.post345.dev456",
    "1.0b2.post345",
    "1.0rc1.dev456",
    "1.0rc1",
    "1.0",
    "1.0+abc.5",
    "1.0+abc.7",
    "1.0+5",
    "1.0.post456.dev34",
    "1.0.post456",
    "1.0.15",
    "1.1.dev1",
    "2.0",
    "10.0",
    "1!0.1",
  ];
  const shuffled = [...ordered].reverse();
  shuffled.push(shuffled.shift()!);
  assert.deepEqual(shuffled.sort(compareVersions), ordered);
  for (let i = 0; i + 1 < ordered.length; i++) {
    assert.ok(compareVersions(ordered[i], ordered[i + 1]) < 0, `${ordered[i]} < ${ordered[i + 1]}`);
    assert.ok(compareVersions(ordered[i + 1], ordered[i]) > 0, `${ordered[i + 1]} > ${ordered[i]}`);
  }
});

Deno.test("compareVersions: zero padding, spellings and local segments", () => {
  assert.equal(compareVersions("1.0", "1.0.0"), 0);
  assert.equal(compareVersions("1", "1.0.0.0"), 0);
  assert.equal(compareVersions("1.0alpha1", "1.0a1"), 0);
  assert.equal(compareVersions("v1.0-1", "1.0.post1"), 0);
  assert.ok(compareVersions("1.0+1", "1.0+1.0") < 0, "a shorter local label sorts first");
  assert.ok(compareVersions("1.0+abc", "1.0+1") < 0, "numbers sort above strings");
  assert.ok(compareVersions("1.0+abc", "1.0+abd") < 0);
  assert.ok(compareVersions("1.0+9", "1.0+10") < 0, "numeric local segments compare as numbers");
  assert.ok(compareVersions("3.9.1", "3.10.0") < 0);
  assert.ok(compareVersions("1.0.dev1", "1.0a1.dev1") < 0, "dev-only sorts before pre-releases");
  assert.ok(compareVersions("1.0.post1.dev1", "1.0.post1") < 0);
  assert.ok(compareVersions("1.0", "1.0.post1.dev1") < 0);
});

Deno.test("compareVersions never throws on odd versions and sorts them consistently", () => {
  const versions = ["3.11.9", "latest", "3.10.21", "abc", "", "2.0", "x.y"];
  const sorted = [...versions].sort(compareVersions);
  assert.deepEqual(sorted, ["", "abc", "latest", "x.y", "2.0", "3.10.21", "3.11.9"]);
  assert.ok(compareVersions("abc", "1.0") < 0);
  assert.ok(compareVersions("1.0", "abc") > 0);
  assert.equal(compareVersions("abc", "abc"), 0);
});

Deno.test("parseSpecifiers accepts every operator, wildcards and whitespace", () => {
  const set = parseSpecifiers(" ~= 1.4.5 ,== 3.11.* ,!=3.12.*,<=2,>=1.0a1, <3 ,>0.1,===foo-bar,");
  assert.deepEqual(
    set.specifiers.map((s) => [s.operator, s.version, s.wildcard]),
    [
      ["~=", "1.4.5", false],
      ["==", "3.11", true],
      ["!=", "3.12", true],
      ["<=", "2", false],
      [">=", "1.0a1", false],
      ["<", "3", false],
      [">", "0.1", false],
      ["===", "foo-bar", false],
    ],
  );
  assert.deepEqual(parseSpecifiers("").specifiers, []);
  assert.deepEqual(parseSpecifiers("  ").specifiers, []);
  assert.equal(parseSpecifiers("==1.0+local").specifiers[0].parsed?.local?.[0], "local");
});

Deno.test("parseSpecifiers throws SpecifierError naming the clause and the reason", () => {
  const cases: [string, string, RegExp][] = [
    ["~=3", "~=3", /at least two release numbers.*~=3\.0/],
    [">=3.11,~=1", "~=1", /at least two release numbers/],
    ["3.11", "3.11", /must start with an operator/],
    [">=3.11, 3.12", "3.12", /must start with an operator/],
    ["=>3.11", "=>3.11", /must start with an operator/],
    ["=3.11", "=3.11", /must start with an operator/],
    ["<3.11.*", "<3.11.*", /wildcard.*only allowed with == and !=/],
    ["~=3.11.*", "~=3.11.*", /wildcard/],
    ["==3.*.1", "==3.*.1", /not a PEP 440 version/],
    ["==1.0a1.*", "==1.0a1.*", /wildcard.*may only follow a release/],
    ["==1.0+local.*", "==1.0+local.*", /wildcard/],
    [">=1.0+local", ">=1.0+local", /local version label/],
    ["~=1.0+local", "~=1.0+local", /local version label/],
    [">=", ">=", /needs a version/],
    [">=abc", ">=abc", /"abc" is not a PEP 440 version/],
    ["^3.12", "^3.12", /must start with an operator/],
    ["~3.12", "~3.12", /must start with an operator/],
    ["=== a b", "=== a b", /one word/],
    [">=3.11 <3.13", ">=3.11 <3.13", /not a PEP 440 version/],
  ];
  for (const [text, clause, reason] of cases) {
    assert.throws(
      () => parseSpecifiers(text),
      (error: unknown) => {
        assert.ok(error instanceof SpecifierError, text);
        assert.equal(error.clause, clause, text);
        assert.match(error.message, reason, text);
        assert.ok(error.message.includes(`"${clause}"`), error.message);
        return true;
      },
    );
    assert.throws(() => normalizeSpecifiers(text), SpecifierError, text);
  }
});

Deno.test("specifiersContain: == and != with zero padding, wildcards and locals", () => {
  const cases: [string, string, boolean][] = [
    ["==3.11", "3.11.0", true],
    ["==3.11.0", "3.11", true],
    ["==3.11", "3.11.1", false],
    ["==1.0", "1.0+local", true],
    ["==1.0+local", "1.0+local", true],
    ["==1.0+local", "1.0+other", false],
    ["==1.0+local", "1.0", false],
    ["==1.0.*", "1.0.post1", true],
    ["==1.0", "1.0.post1", false],
    ["==1.0.*", "1.0", true],
    ["==1.0.*", "1", true],
    ["==1.0.*", "1.0.5", true],
    ["==1.0.*", "1.0.5+local", true],
    ["==1.0.*", "1.1", false],
    ["==1.0.*", "1.0a1", false],
    ["==1.*", "1.99", true],
    ["==1.*", "10.0", false],
    ["==1.*", "1!1.0", false],
    ["==3.11.*", "3.11.7", true],
    ["!=3.12.*", "3.12.0", false],
    ["!=3.12.*", "3.12.9", false],
    ["!=3.12.*", "3.13.0", true],
    ["!=3.12.*", "3.1", true],
    ["!=1.0", "1.0.0", false],
    ["!=1.0", "1.0+local", false],
    ["!=1.0", "1.0.post1", true],
    ["!=1.0+local", "1.0", true],
    ["===1.0", "1.0", true],
    ["===1.0", "1.0.0", false],
    ["===foobar", "FooBar", true],
    ["===foobar", "foobar2", false],
  ];
  for (const [spec, version, expected] of cases) {
    assert.equal(contains(spec, version), expected, `${version} in ${spec}`);
  }
});

Deno.test("specifiersContain: ordered comparisons exclude the PEP's edge cases", () => {
  const cases: [string, string, boolean][] = [
    ["<3.13", "3.12.9", true],
    ["<3.13", "3.13.0", false],
    ["<3.13", "3.13.0rc1", false],
    ["<3.13rc2", "3.13.0rc1", true],
    ["<3.13", "3.12.0rc1", false], // a pre-release, not allowed by default
    ["<=3.13", "3.13.0+local", true],
    ["<=3.13", "3.13.0.post1", false],
    [">3.11", "3.11.0", false],
    [">3.11", "3.11.post1", false],
    [">3.11", "3.11.0+local", false],
    [">3.11", "3.11.1", true],
    [">3.11.post1", "3.11.post2", true],
    [">3.11.post1", "3.11.post1", false],
    [">=3.11", "3.11.0", true],
    [">=3.11", "3.11.0+local", true],
    [">=3.11", "3.10.99", false],
    [">=1.0.dev1", "1.0a1", true],
    [">=1!1.0", "2.0", false],
    [">=3.10,<3.13", "3.12.5", true],
    [">=3.10,<3.13", "3.13.0", false],
    [">=3.10,<3.13", "3.9.18", false],
  ];
  for (const [spec, version, expected] of cases) {
    assert.equal(contains(spec, version), expected, `${version} in ${spec}`);
  }
});

Deno.test("specifiersContain: ~= is >= plus a prefix match", () => {
  const cases: [string, string, boolean][] = [
    ["~=3.11", "3.11.0", true],
    ["~=3.11", "3.14.2", true],
    ["~=3.11", "3.10.9", false],
    ["~=3.11", "4.0", false],
    ["~=3.12.0", "3.12.7", true],
    ["~=3.12.0", "3.13.0", false],
    ["~=3.12.1", "3.12.0", false],
    ["~=2.2.post3", "2.2.post3", true],
    ["~=2.2.post3", "2.2", false],
    ["~=2.2.post3", "2.9", true],
    ["~=2.2.post3", "3.0", false],
    ["~=1.4.5a4", "1.4.5a4", true],
    ["~=1.4.5a4", "1.4.9", true],
    ["~=1.4.5a4", "1.5.0", false],
    ["~=1!1.0", "1!1.5", true],
    ["~=1!1.0", "1.5", false],
  ];
  for (const [spec, version, expected] of cases) {
    assert.equal(contains(spec, version), expected, `${version} in ${spec}`);
  }
});

Deno.test("specifiersContain: pre-releases only when asked or named", () => {
  assert.equal(contains(">=3.11", "3.14.0a1"), false);
  assert.equal(contains(">=3.11", "3.14.0a1", true), true);
  assert.equal(contains(">=3.11", "3.14.0.dev1"), false);
  assert.equal(contains(">=3.14.0a1", "3.14.0b2"), true, "the set names a pre-release");
  assert.equal(contains(">=3.14.0a1", "3.14.0b2", false), false, "unless told not to");
  assert.equal(contains("==3.14.*,>=3.14.0rc1", "3.14.0rc2"), true);
  assert.equal(contains("!=3.14.0rc1", "3.14.0rc2"), false, "!= does not name a wanted one");
  assert.equal(contains("", "3.14.0"), true, "the empty set takes every final release");
  assert.equal(contains("", "3.14.0rc1"), false);
  assert.equal(contains("", "3.14.0rc1", true), true);
  assert.equal(contains("<1", "1.0.dev0"), false);
});

Deno.test("specifiersContain: < and > only exclude pre/post/local releases OF the bound", () => {
  assert.equal(
    contains("<1.0.post1", "1.0rc1", true),
    true,
    "1.0rc1 is no pre-release of 1.0.post1",
  );
  assert.equal(contains("<1.0.post1", "1.0.post1.dev0", true), false);
  assert.equal(contains("<1.0", "1.0.dev0", true), false);
  assert.equal(contains("<1.0", "0.9.dev0", true), true);
  assert.equal(contains(">1.0a1", "1.0.post1"), true, "1.0.post1 is no post-release of 1.0a1");
  assert.equal(contains(">1.0a1", "1.0a1.post1"), false);
  assert.equal(contains(">1.0a1", "1.0a1+local"), false);
  assert.equal(contains(">1.0a1", "1.0a2+local"), true);
  assert.equal(contains(">1.0", "1.0.1+local"), true);
});

Deno.test("specifiersContain: a version that is not PEP 440 only matches ===", () => {
  assert.equal(contains(">=1", "latest"), false);
  assert.equal(contains("", "latest"), true, "the empty set has nothing to object to");
  assert.equal(contains("===latest", "latest"), true);
  assert.equal(contains("===latest,>=1", "latest"), false);
});

Deno.test("normalizeSpecifiers gives one text for sets written differently", () => {
  const same: [string, string, string][] = [
    [">= 3.0 ,<4", "<4,>=3.0", "<4,>=3"],
    [">=3.11,<3.13", " <3.13.0 , >=3.11", "<3.13,>=3.11"],
    ["==3.11.*", "== 3.11.*", "==3.11.*"],
    ["~=3.12.0", "~= 3.12.0", "~=3.12.0"],
    ["~=3.12", "~=3.12", "~=3.12"],
    [">=1.0alpha1", ">=1.0-a1", ">=1a1"],
    [">=1.0-1", ">=1.0.post1", ">=1.post1"],
    ["!=1.0.0,!=1.0.0,>=v1", ">=1,!=1", "!=1,>=1"],
    ["===Foo", "===foo", "===foo"],
    ["", "  ", ""],
  ];
  for (const [a, b, expected] of same) {
    assert.equal(normalizeSpecifiers(a), expected, a);
    assert.equal(normalizeSpecifiers(b), expected, b);
  }
  // Where trailing zeros change the meaning they stay.
  assert.notEqual(normalizeSpecifiers("~=3.12.0"), normalizeSpecifiers("~=3.12"));
  assert.notEqual(normalizeSpecifiers("==3.0.*"), normalizeSpecifiers("==3.*"));
});
