import assert from "node:assert/strict";
import {
  evaluateMarker,
  linuxEnvironment,
  type MarkerEnvironment,
  MarkerError,
  markerToString,
  parseMarker,
  parseRequirement,
  RequirementError,
} from "./pep508.ts";

const PY311 = linuxEnvironment("3.11.7");

function holds(marker: string, env: MarkerEnvironment = PY311): boolean {
  return evaluateMarker(parseMarker(marker), env);
}

function canonical(marker: string): string {
  return markerToString(parseMarker(marker));
}

Deno.test("linuxEnvironment describes CPython on Linux x86_64", () => {
  assert.deepEqual(linuxEnvironment("3.12.1"), {
    python_version: "3.12",
    python_full_version: "3.12.1",
    os_name: "posix",
    sys_platform: "linux",
    platform_release: "",
    platform_system: "Linux",
    platform_version: "",
    platform_machine: "x86_64",
    platform_python_implementation: "CPython",
    implementation_name: "cpython",
    implementation_version: "3.12.1",
  });
});

Deno.test("parseRequirement: names, extras, versions with and without parentheses", () => {
  assert.deepEqual(parseRequirement("requests"), {
    name: "requests",
    normalizedName: "requests",
    extras: [],
    specifier: "",
  });
  assert.deepEqual(parseRequirement("  Foo_Bar.baz [Security, socks,security] (>= 2.8.1 , <3)  "), {
    name: "Foo_Bar.baz",
    normalizedName: "foo-bar-baz",
    extras: ["security", "socks"],
    specifier: "<3,>=2.8.1",
  });
  const bare = parseRequirement("django>=4.2,<5.0");
  assert.equal(bare.specifier, "<5,>=4.2");
  assert.equal(bare.marker, undefined);
  assert.equal(parseRequirement("django >=4.2, <5").specifier, "<5,>=4.2");
  assert.equal(parseRequirement("name[]").extras.length, 0);
  assert.equal(parseRequirement("A").normalizedName, "a");
  assert.equal(parseRequirement("zope.interface==6.*").specifier, "==6.*");
});

Deno.test("parseRequirement: markers after the version, the extras or the name", () => {
  const withVersion = parseRequirement(
    `pywin32 (>=300) ; sys_platform == "win32" and python_version<'3.12'`,
  );
  assert.equal(withVersion.specifier, ">=300");
  assert.equal(
    markerToString(withVersion.marker!),
    "sys_platform == 'win32' and python_version < '3.12'",
  );
  const bare = parseRequirement("tomli;python_version<'3.11'");
  assert.equal(bare.specifier, "");
  assert.equal(markerToString(bare.marker!), "python_version < '3.11'");
  const extras = parseRequirement("black[d] ; extra == 'dev'");
  assert.deepEqual(extras.extras, ["d"]);
  assert.equal(markerToString(extras.marker!), "extra == 'dev'");
  assert.equal(
    markerToString(parseRequirement("six>=1.5;python_version>='2.7'").marker!),
    "python_version >= '2.7'",
  );
});

Deno.test("parseRequirement: URL requirements", () => {
  const plain = parseRequirement("pip @ https://example.org/pip-24.0-py3-none-any.whl");
  assert.equal(plain.url, "https://example.org/pip-24.0-py3-none-any.whl");
  assert.equal(plain.specifier, "");
  const full = parseRequirement(
    "My.Pkg[Extra] @ file:///tmp/my_pkg-1.0.tar.gz#sha256=abc ; os_name == 'posix'",
  );
  assert.equal(full.normalizedName, "my-pkg");
  assert.deepEqual(full.extras, ["extra"]);
  assert.equal(full.url, "file:///tmp/my_pkg-1.0.tar.gz#sha256=abc");
  assert.equal(markerToString(full.marker!), "os_name == 'posix'");
  const git = parseRequirement("lib@git+https://github.com/o/lib.git@v1.0");
  assert.equal(git.url, "git+https://github.com/o/lib.git@v1.0");
});

Deno.test("parseRequirement throws RequirementError naming the problem", () => {
  const cases: [string, RegExp][] = [
    ["", /expected a project name/],
    ["-foo", /expected a project name/],
    ["foo[bar", /has no "\]"/],
    ["foo[b@r]", /"b@r" is not an extra name/],
    ["foo (>=1", /"\(" has no "\)"/],
    ["foo bar", /"bar".*must start with an operator/],
    ["foo >=1 <2", /not a PEP 440 version/],
    ["foo ~=1", /at least two release numbers/],
    ["foo @", /"@" needs a URL/],
    ["foo @ ./local/path", /is not a URL/],
    ["foo (>=1) bar", /unexpected "bar"/],
    ["foo ;", /expected a comparison/],
    ["foo ; python_version >= ", /expected a marker variable or a quoted string/],
    ["foo ; pyton_version >= '3'", /"pyton_version" is not a marker variable/],
  ];
  for (const [text, reason] of cases) {
    assert.throws(
      () => parseRequirement(text),
      (error: unknown) => {
        assert.ok(error instanceof RequirementError, `${text}: ${error}`);
        assert.match(error.message, reason, text);
        assert.ok(error.message.includes(`"${text.trim()}"`), error.message);
        return true;
      },
    );
  }
});

Deno.test("evaluateMarker: version variables compare as PEP 440 versions", () => {
  const cases: [string, boolean][] = [
    ["python_version >= '3.8'", true],
    ["python_version >= '3.12'", false],
    ["python_version < '3.11'", false],
    ["python_version > '3.9'", true], // as strings '3.11' > '3.9' would be false
    ["python_version == '3.11'", true],
    ["python_version == '3.11.0'", true], // zero padding
    ["python_version == '3.*'", true],
    ["python_version != '3.11.*'", false],
    ["python_version ~= '3.10'", true],
    ["python_full_version >= '3.11.7'", true],
    ["python_full_version < '3.11.10'", true],
    ["python_full_version == '3.11.*'", true],
    ["implementation_version > '3.11.6'", true],
    ["'3.8' < python_version", true],
    ["'3.12' <= python_version", false],
    ["'3.11' == python_version", true],
    ["python_version in '3.10 3.11 3.12'", true],
    ["python_version not in '2.7 3.6'", true],
    ["python_version in '3.1'", false], // substring test: '3.11' is not in '3.1'
    ["python_version === '3.11'", true],
    ["python_version === '3.11.0'", false],
  ];
  for (const [marker, expected] of cases) assert.equal(holds(marker), expected, marker);
  const rc = linuxEnvironment("3.13.0rc1");
  assert.equal(holds("python_full_version >= '3.13.0rc1'", rc), true);
  assert.equal(
    holds("python_full_version >= '3.12'", rc),
    true,
    "pre-releases of the target count",
  );
  assert.equal(holds("python_full_version < '3.13'", rc), false);
});

Deno.test("evaluateMarker: other variables compare as strings", () => {
  const cases: [string, boolean][] = [
    ["sys_platform == 'linux'", true],
    ["sys_platform == 'Linux'", false],
    ["sys_platform != 'win32'", true],
    ["'win32' == sys_platform", false],
    ['platform_system == "Linux"', true],
    ["os_name == 'nt'", false],
    ["platform_machine in 'x86_64 aarch64'", true],
    ["platform_machine not in 'arm64 aarch64'", true],
    ["'linux' in sys_platform", true],
    ["'lin' in sys_platform", true], // in is a substring test
    ["platform_python_implementation == 'CPython'", true],
    ["implementation_name == 'pypy'", false],
    ["platform_release >= ''", true],
    ["sys.platform == 'linux'", true], // a pre-PEP 508 spelling
    ["python_implementation == 'CPython'", true],
    ["'a' < 'b'", true],
  ];
  for (const [marker, expected] of cases) assert.equal(holds(marker), expected, marker);
});

Deno.test("evaluateMarker: and, or, parentheses", () => {
  const cases: [string, boolean][] = [
    ["sys_platform == 'linux' and python_version >= '3.8'", true],
    ["sys_platform == 'win32' and python_version >= '3.8'", false],
    ["sys_platform == 'win32' or python_version >= '3.8'", true],
    // and binds tighter: false or (true and false) / (false or true) and false
    ["os_name == 'nt' or os_name == 'posix' and python_version < '3'", false],
    ["(os_name == 'nt' or os_name == 'posix') and python_version < '3'", false],
    ["os_name == 'posix' or os_name == 'nt' and python_version < '3'", true],
    ["((sys_platform == 'linux') and ((python_version >= '3.8')))", true],
    [
      "(sys_platform=='darwin' or (sys_platform=='linux' and (platform_machine=='aarch64' or platform_machine=='x86_64')))",
      true,
    ],
    ["python_version>='3'and os_name=='posix'", true],
  ];
  for (const [marker, expected] of cases) assert.equal(holds(marker), expected, marker);
});

Deno.test("evaluateMarker: extra is normalised and false without an extra", () => {
  const withExtra = { ...PY311, extra: "foo-bar" };
  assert.equal(holds('extra == "Foo_Bar"', withExtra), true);
  assert.equal(holds("extra == 'foo.bar'", withExtra), true);
  assert.equal(holds("'FOO--bar' == extra", withExtra), true);
  assert.equal(holds("extra == 'foo'", withExtra), false);
  assert.equal(holds("extra != 'foo'", withExtra), true);
  assert.equal(holds("extra == 'Foo_Bar'", { ...PY311, extra: "FOO_BAR" }), true);
  assert.equal(holds("extra == 'foo-bar'"), false, "no extra installed");
  assert.equal(holds("extra != 'foo-bar'"), false, "no extra installed: still false");
  assert.equal(holds("python_version >= '3' or extra == 'x'"), true);
});

Deno.test("evaluateMarker: extras and dependency_groups are sets", () => {
  const env = { ...PY311, extras: ["Socks", "security"], dependency_groups: ["dev"] };
  assert.equal(holds("'socks' in extras", env), true);
  assert.equal(holds("'SOCKS' in extras", env), true);
  assert.equal(holds("'sock' in extras", env), false, "membership, not a substring");
  assert.equal(holds("'test' not in extras", env), true);
  assert.equal(holds("'dev' in dependency_groups", env), true);
  assert.equal(holds("'docs' in dependency_groups", env), false);
  assert.equal(holds("'dev' in dependency_groups"), false, "none installed");
  assert.equal(holds("'dev' not in dependency_groups"), true);
});

Deno.test("evaluateMarker throws MarkerError for ~= between non-versions", () => {
  assert.throws(() => holds("sys_platform ~= 'linux'"), MarkerError);
  assert.throws(() => holds("python_version ~= 'abc'"), /~= needs versions on both sides/);
});

Deno.test("parseMarker throws MarkerError naming the problem", () => {
  const cases: [string, RegExp][] = [
    ["", /expected a comparison/],
    ["python_version", /expected an operator/],
    ["python_version >=", /expected a marker variable or a quoted string at the end/],
    ["python_version >= 3.8", /unexpected "3" at 19.*need quotes/],
    ["python_version >= '3.8", /no end quote/],
    ["python_version = '3.8'", /unexpected "="/],
    ["python_version not '3.8'", /expected `in` after `not`/],
    ["(python_version >= '3.8'", /expected `\)` at the end/],
    ["python_version >= '3.8')", /expected `and`, `or` or the end/],
    ["python_version >= '3.8' and", /expected a marker variable/],
    ["python_version >= '3.8' xor os_name == 'nt'", /expected `and`, `or` or the end/],
    ["python_versions >= '3.8'", /"python_versions" is not a marker variable/],
    ["extras == 'dev'", /extras is a set; write '<name>' in extras/],
    ["'dev' == dependency_groups", /dependency_groups is a set/],
    ["python_version in extras", /must be a quoted string/],
  ];
  for (const [text, reason] of cases) {
    assert.throws(
      () => parseMarker(text),
      (error: unknown) => {
        assert.ok(error instanceof MarkerError, `${text}: ${error}`);
        assert.match(error.message, reason, text);
        assert.ok(error.message.includes(`marker "${text}"`), error.message);
        return true;
      },
    );
  }
});

Deno.test("parseMarker gives an AST with flat junctions", () => {
  assert.deepEqual(parseMarker("'3.8' < python_version"), {
    kind: "compare",
    left: { kind: "literal", value: "3.8" },
    op: "<",
    right: { kind: "variable", name: "python_version" },
  });
  const m = parseMarker("os_name == 'a' or os_name == 'b' and os_name == 'c' or os_name == 'd'");
  assert.equal(m.kind, "or");
  assert.equal(m.kind === "or" ? m.items.length : 0, 3);
  assert.deepEqual(parseMarker("'dev' not in extras"), {
    kind: "compare",
    left: { kind: "literal", value: "dev" },
    op: "not in",
    right: { kind: "variable", name: "extras" },
  });
});

Deno.test("markerToString gives one text for markers written differently", () => {
  const same: string[][] = [
    [`'win32' == sys_platform`, `sys_platform=="win32"`, `  sys_platform  ==  'win32' `],
    [`'3.8' < python_version`, `python_version > "3.8"`, `(python_version>'3.8')`],
    [`python_version >= '3.8.0'`, `'3.8.0' <= python_version`],
    [`python_version == "3.11.*"`, `python_version=='3.11.*'`],
    [`python_full_version >= "3.8.0-rc1"`, `python_full_version >= '3.8.0rc1'`],
    [`extra == "Foo_Bar"`, `'foo-bar' == extra`, `extra == 'foo.bar'`],
    [`'Dev' in dependency_groups`, `"dev" in dependency_groups`],
    [
      `(os_name == 'nt' or os_name == 'posix') and python_version < '3'`,
      `((os_name=="nt") or (os_name=='posix')) and (python_version<"3")`,
    ],
    [
      `os_name == 'a' and (os_name == 'b' and os_name == 'c')`,
      `(os_name == 'a' and os_name == 'b') and os_name == 'c'`,
    ],
    [
      `os_name == 'a' or os_name == 'b' and os_name == 'c'`,
      `os_name == 'a' or (os_name == 'b' and os_name == 'c')`,
    ],
  ];
  for (const group of same) {
    const texts = group.map(canonical);
    assert.ok(texts.every((t) => t === texts[0]), `${group.join(" | ")} -> ${texts.join(" | ")}`);
  }
  assert.equal(canonical(`'win32' == sys_platform`), "sys_platform == 'win32'");
  assert.equal(canonical(`'3.8' < python_version`), "python_version > '3.8'");
  assert.equal(
    canonical(`python_full_version >= "3.8.0-rc1"`),
    "python_full_version >= '3.8.0rc1'",
  );
  assert.equal(canonical(`extra == "Foo_Bar"`), "extra == 'foo-bar'");
  assert.equal(
    canonical(`((os_name=="nt") or (os_name=='posix')) and (python_version<"3")`),
    "(os_name == 'nt' or os_name == 'posix') and python_version < '3'",
  );
  assert.equal(
    canonical(`os_name == 'a' or (os_name == 'b' and os_name == 'c')`),
    "os_name == 'a' or os_name == 'b' and os_name == 'c'",
  );
  assert.equal(canonical(`'x' in platform_version`), "'x' in platform_version", "in keeps order");
  assert.equal(canonical(`platform_version == "it's"`), `platform_version == "it's"`);
  assert.equal(
    canonical(`sys_platform == 'Linux'`),
    "sys_platform == 'Linux'",
    "strings keep case",
  );
});

Deno.test("markerToString output parses back to the same marker", () => {
  const markers = [
    `(sys_platform=='darwin' or (sys_platform=='linux' and (platform_machine=='aarch64' or platform_machine=='x86_64')))`,
    `python_version >= "3.8" and (extra == "a" or extra == "b") and os_name != 'nt'`,
    `'3.8' < python_version or 'dev' in dependency_groups`,
  ];
  for (const marker of markers) {
    const once = canonical(marker);
    assert.equal(canonical(once), once, marker);
    for (const env of [PY311, { ...PY311, extra: "b" }, linuxEnvironment("3.7.1")]) {
      assert.equal(holds(once, env), holds(marker, env), `${marker} in ${env.python_version}`);
    }
  }
});
