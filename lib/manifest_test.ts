import assert from "node:assert/strict";
import { join } from "node:path";
import { BuildpackError } from "./errors.ts";
import {
  checkStackSupported,
  defaultVersion,
  dependenciesFor,
  loadManifest,
  type Manifest,
  MANIFEST_PARSED,
  stacksOf,
} from "./manifest.ts";
import { applyOverride, parsedManifestText, parseManifest } from "./manifest_yaml.ts";

const REPO_ROOT = new URL("..", import.meta.url).pathname;
const SHA_A = "a".repeat(64);
const SHA_B = "b".repeat(64);
const SHA_C = "c".repeat(64);

const BASE = `---
language: python
default_versions:
- name: python
  version: 3.13.x
- name: pip
  version: 26.x
dependency_deprecation_dates:
- version_line: 3.10.x
  name: python
  date: 2026-10-04
  link: https://peps.python.org/pep-0619/
dependencies:
- name: python
  version: 3.10.21
  uri: https://example.com/python_3.10.21_fs4.tgz
  sha256: ${SHA_A}
  cf_stacks:
  - cflinuxfs4
  source: https://www.python.org/ftp/python/3.10.21/Python-3.10.21.tgz
  source_sha256: ${SHA_B.toUpperCase()}
- name: python
  version: 3.10.21
  uri: https://example.com/python_3.10.21_fs3_fs5.tgz
  sha256: ${SHA_B}
  cf_stacks: [cflinuxfs3, cflinuxfs5]
- name: python
  version: 3.13.15
  uri: https://example.com/python_3.13.15_fs4.tgz
  sha256: ${SHA_C}
  cf_stacks: [cflinuxfs4]
- name: pip
  version: '25.2'
  uri: https://example.com/pip_25.2.tgz
  sha256: ${SHA_A}
  cf_stacks: [cflinuxfs3]
include_files:
- README.md
- manifest.yml
pre_package: scripts/build.sh
`;

function errorMatching(pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof BuildpackError, `expected BuildpackError, got ${error}`);
    assert.match(error.message, pattern);
    return true;
  };
}

Deno.test("parseManifest reads every field", () => {
  const manifest = parseManifest(BASE, "manifest.yml");
  assert.equal(manifest.language, "python");
  assert.equal(manifest.stack, undefined);
  assert.deepEqual(manifest.defaultVersions, [
    { name: "python", version: "3.13.x" },
    { name: "pip", version: "26.x" },
  ]);
  assert.deepEqual(manifest.deprecationDates, [
    {
      name: "python",
      versionLine: "3.10.x",
      date: "2026-10-04",
      link: "https://peps.python.org/pep-0619/",
    },
  ]);
  assert.equal(manifest.dependencies.length, 4);
  assert.deepEqual(manifest.dependencies[0], {
    name: "python",
    version: "3.10.21",
    uri: "https://example.com/python_3.10.21_fs4.tgz",
    sha256: SHA_A,
    cfStacks: ["cflinuxfs4"],
    source: "https://www.python.org/ftp/python/3.10.21/Python-3.10.21.tgz",
    sourceSha256: SHA_B, // lowercased
  });
  assert.deepEqual(manifest.dependencies[1].cfStacks, ["cflinuxfs3", "cflinuxfs5"]);
  assert.equal(manifest.dependencies[3].version, "25.2");
  assert.deepEqual(manifest.includeFiles, ["README.md", "manifest.yml"]);
});

Deno.test("parseManifest keeps versions as written (failsafe YAML) and keeps file:", () => {
  const manifest = parseManifest(
    `language: python
stack: cflinuxfs4
dependencies:
- name: python
  version: 3.10
  uri: https://example.com/p.tgz
  sha256: ${SHA_A}
  file: dependencies/0123456789abcdef0123456789abcdef/p.tgz
`,
    "manifest.yml",
  );
  assert.equal(manifest.stack, "cflinuxfs4");
  assert.equal(manifest.dependencies[0].version, "3.10");
  assert.deepEqual(manifest.dependencies[0].cfStacks, []);
  assert.equal(
    manifest.dependencies[0].file,
    "dependencies/0123456789abcdef0123456789abcdef/p.tgz",
  );
  assert.deepEqual(manifest.defaultVersions, []);
  assert.deepEqual(manifest.includeFiles, []);
});

Deno.test("parseManifest errors name the file and the field", () => {
  const dep = (fields: string) =>
    `language: python\ndependencies:\n- name: python\n  version: 3.11.9\n${fields}`;
  const uri = "  uri: https://example.com/p.tgz\n";
  const cases: [string, RegExp][] = [
    ["language: [python\n", /^manifest\.yml: is not valid YAML: /],
    ["", /^manifest\.yml: is empty\./],
    ["- a\n- b\n", /^manifest\.yml: is a list; expected a map/],
    ["dependencies: []\n", /^manifest\.yml: the manifest has no language; expected python/],
    ["language: python\nlanguage: go\n", /not valid YAML: Map keys must be unique/],
    [
      dep(uri + "  cf_stacks: [cflinuxfs4]\n"),
      /^manifest\.yml: dependencies\[0\] \(python 3\.11\.9\) has no sha256; expected 64 hex digits\.\n/,
    ],
    [
      dep(uri + "  sha256: abc\n"),
      /dependencies\[0\] \(python 3\.11\.9\) has an invalid sha256 "abc"; expected 64 hex digits/,
    ],
    [
      dep(uri + `  sha256: ${SHA_A}\n  source_sha256: ${"g".repeat(64)}\n`),
      /dependencies\[0\] \(python 3\.11\.9\) has an invalid source_sha256/,
    ],
    [
      dep(uri + `  sha256: ${SHA_A}\n  runtime_sha256: abc\n`),
      /dependencies\[0\] \(python 3\.11\.9\) has an invalid runtime_sha256 "abc"; expected 64 hex digits/,
    ],
    [dep(`  sha256: ${SHA_A}\n`), /dependencies\[0\] \(python 3\.11\.9\) has no uri/],
    [
      dep(uri + `  sha256: ${SHA_A}\n  cf_stacks: cflinuxfs4\n`),
      /dependencies\[0\] \(python 3\.11\.9\) cf_stacks is "cflinuxfs4"; expected a list/,
    ],
    [
      dep(uri + `  sha256: ${SHA_A}\n  cf_stacks: [[a]]\n`),
      /cf_stacks\[0\] is a list; expected a non-empty string/,
    ],
    [
      `language: python\ndependencies:\n- name: python\n  uri: x\n`,
      /dependencies\[0\] \(python\) has no version/,
    ],
    [`language: python\ndependencies:\n- just-a-string\n`, /dependencies\[0\] is "just-a-string"/],
    [`language: python\ndependencies: {a: b}\n`, /dependencies is a map; expected a list/],
    [
      `language: python\ndefault_versions:\n- name: python\n`,
      /default_versions\[0\] has no version/,
    ],
    [
      `language: python\ndependency_deprecation_dates:\n- name: python\n  version_line: 3.10.x\n  date: 04/10/2026\n`,
      /dependency_deprecation_dates\[0\] has an invalid date "04\/10\/2026"; expected YYYY-MM-DD/,
    ],
    [
      `language: python\ndependency_deprecation_dates:\n- name: python\n  version_line: 3.10.x\n  date: 2026-13-45\n`,
      /invalid date 2026-13-45/,
    ],
    [
      `language: python\ninclude_files: README.md\n`,
      /include_files is "README\.md"; expected a list/,
    ],
  ];
  for (const [text, pattern] of cases) {
    assert.throws(() => parseManifest(text, "manifest.yml"), errorMatching(pattern), text);
  }
  assert.throws(
    () => parseManifest("", "manifest.yml"),
    errorMatching(/reinstall it from its release zip/),
  );
});

Deno.test("dependenciesFor filters by name and stack", () => {
  const manifest = parseManifest(BASE, "manifest.yml");
  const fs4 = dependenciesFor(manifest, "python", "cflinuxfs4");
  assert.deepEqual(fs4.map((d) => [d.version, d.sha256]), [["3.10.21", SHA_A], ["3.13.15", SHA_C]]);
  const fs5 = dependenciesFor(manifest, "python", "cflinuxfs5");
  assert.deepEqual(fs5.map((d) => [d.version, d.sha256]), [["3.10.21", SHA_B]]);
  assert.deepEqual(dependenciesFor(manifest, "pip", "cflinuxfs4"), []);
  assert.deepEqual(dependenciesFor(manifest, "python", "windows"), []);
});

Deno.test("dependenciesFor: entries without cf_stacks count for manifest.stack or every stack", () => {
  const text = `language: python
dependencies:
- name: python
  version: 3.13.15
  uri: https://example.com/p.tgz
  sha256: ${SHA_A}
`;
  const anyStack = parseManifest(text, "manifest.yml");
  assert.equal(dependenciesFor(anyStack, "python", "cflinuxfs4").length, 1);
  assert.equal(dependenciesFor(anyStack, "python", "cflinuxfs5").length, 1);
  assert.deepEqual(stacksOf(anyStack), []);

  const packaged = parseManifest(`stack: cflinuxfs4\n${text}`, "manifest.yml");
  assert.equal(dependenciesFor(packaged, "python", "cflinuxfs4").length, 1);
  assert.equal(dependenciesFor(packaged, "python", "cflinuxfs5").length, 0);
  assert.deepEqual(stacksOf(packaged), ["cflinuxfs4"]);
});

Deno.test("stacksOf and defaultVersion", () => {
  const manifest = parseManifest(BASE, "manifest.yml");
  assert.deepEqual(stacksOf(manifest), ["cflinuxfs3", "cflinuxfs4", "cflinuxfs5"]);
  assert.equal(defaultVersion(manifest, "python"), "3.13.x");
  assert.equal(defaultVersion(manifest, "pip"), "26.x");
  assert.equal(defaultVersion(manifest, "miniforge"), undefined);
});

const OPTIONS = { file: "/deps/0/override.yml", language: "python" };

Deno.test("applyOverride: default_versions replace, dependencies replace or extend", () => {
  const manifest = parseManifest(BASE, "manifest.yml");
  const overridden = applyOverride(
    manifest,
    `python:
  default_versions:
  - name: python
    version: 3.99.x
  dependencies:
  - name: python
    version: 3.99.99
    uri: https://example.com/python_3.99.99.tgz
    sha256: ${SHA_C}
    cf_stacks: [cflinuxfs4]
  - name: python
    version: 3.13.15
    uri: https://mirror.example.com/python_3.13.15.tgz
    sha256: ${SHA_B}
    cf_stacks: [cflinuxfs4]
`,
    OPTIONS,
  );
  assert.deepEqual(overridden.defaultVersions, [
    { name: "pip", version: "26.x" },
    { name: "python", version: "3.99.x" },
  ]);
  const fs4 = dependenciesFor(overridden, "python", "cflinuxfs4");
  assert.deepEqual(fs4.map((d) => [d.version, d.uri]), [
    ["3.10.21", "https://example.com/python_3.10.21_fs4.tgz"],
    ["3.13.15", "https://mirror.example.com/python_3.13.15.tgz"],
    ["3.99.99", "https://example.com/python_3.99.99.tgz"],
  ]);
  assert.equal(overridden.dependencies.length, 5);
  // the input manifest is unchanged (pure)
  assert.equal(manifest.dependencies.length, 4);
  assert.equal(defaultVersion(manifest, "python"), "3.13.x");
});

Deno.test("applyOverride: same name+version on another stack does not replace", () => {
  const manifest = parseManifest(BASE, "manifest.yml");
  const overridden = applyOverride(
    manifest,
    `python:
  dependencies:
  - name: python
    version: 3.10.21
    uri: https://mirror.example.com/fs5.tgz
    sha256: ${SHA_C}
    cf_stacks: [cflinuxfs5]
`,
    OPTIONS,
  );
  assert.equal(dependenciesFor(overridden, "python", "cflinuxfs4")[0].sha256, SHA_A);
  assert.equal(
    dependenciesFor(overridden, "python", "cflinuxfs5")[0].uri,
    "https://mirror.example.com/fs5.tgz",
  );
  // the fs3+fs5 entry keeps fs3 only
  assert.equal(dependenciesFor(overridden, "python", "cflinuxfs3")[0].sha256, SHA_B);
  assert.deepEqual(stacksOf(overridden), ["cflinuxfs3", "cflinuxfs4", "cflinuxfs5"]);
});

Deno.test("applyOverride: an entry without cf_stacks replaces on every stack", () => {
  const manifest = parseManifest(BASE, "manifest.yml");
  const overridden = applyOverride(
    manifest,
    `python:
  dependencies:
  - name: python
    version: 3.10.21
    uri: https://mirror.example.com/any.tgz
    sha256: ${SHA_C}
`,
    OPTIONS,
  );
  for (const stack of ["cflinuxfs3", "cflinuxfs4", "cflinuxfs5"]) {
    const [dep] = dependenciesFor(overridden, "python", stack).filter((d) =>
      d.version === "3.10.21"
    );
    assert.equal(dep.uri, "https://mirror.example.com/any.tgz", stack);
  }
  assert.equal(overridden.dependencies.filter((d) => d.version === "3.10.21").length, 1);
});

Deno.test("applyOverride: deprecation dates merge by name and version line", () => {
  const manifest = parseManifest(BASE, "manifest.yml");
  const overridden = applyOverride(
    manifest,
    `python:
  dependency_deprecation_dates:
  - name: python
    version_line: 3.10.x
    date: 2025-01-01
  - name: python
    version_line: 3.11.x
    date: 2027-10-24
`,
    OPTIONS,
  );
  assert.deepEqual(overridden.deprecationDates.map((d) => [d.versionLine, d.date]), [
    ["3.10.x", "2025-01-01"],
    ["3.11.x", "2027-10-24"],
  ]);
});

Deno.test("applyOverride ignores other languages and empty files", () => {
  const manifest = parseManifest(BASE, "manifest.yml");
  assert.equal(applyOverride(manifest, "", OPTIONS), manifest);
  assert.equal(applyOverride(manifest, "# nothing\n", OPTIONS), manifest);
  assert.equal(applyOverride(manifest, "nodejs:\n  default_versions: []\n", OPTIONS), manifest);
  assert.equal(applyOverride(manifest, "python:\n", OPTIONS), manifest);
});

Deno.test("applyOverride errors name the override file and the field", () => {
  const manifest = parseManifest(BASE, "manifest.yml");
  const cases: [string, RegExp][] = [
    ["python: [\n", /^\/deps\/0\/override\.yml: is not valid YAML/],
    ["- python\n", /^\/deps\/0\/override\.yml: is a list; expected a map of language/],
    ["python: 3.11\n", /^\/deps\/0\/override\.yml: python is "3\.11"; expected a map/],
    [
      "python:\n  dependencies:\n  - name: python\n    version: 3.99.99\n    uri: x\n",
      /python\.dependencies\[0\] \(python 3\.99\.99\) has no sha256; expected 64 hex digits/,
    ],
  ];
  for (const [text, pattern] of cases) {
    assert.throws(() => applyOverride(manifest, text, OPTIONS), errorMatching(pattern), text);
  }
  assert.throws(
    () => applyOverride(manifest, "- python\n", OPTIONS),
    errorMatching(/written by an earlier buildpack/),
  );
});

Deno.test("loadManifest reads manifest.yml and applies overrides by numeric index", async () => {
  const root = await Deno.makeTempDir();
  const deps = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(root, "manifest.yml"), BASE);
    const override = (version: string) =>
      `python:\n  default_versions:\n  - name: python\n    version: ${version}\n`;
    for (const [index, version] of [["2", "3.2.x"], ["10", "3.10.x"], ["1", "3.1.x"]]) {
      await Deno.mkdir(join(deps, index));
      await Deno.writeTextFile(join(deps, index, "override.yml"), override(version));
    }
    await Deno.mkdir(join(deps, "3")); // no override.yml
    await Deno.mkdir(join(deps, "not-an-index"));
    await Deno.writeTextFile(join(deps, "not-an-index", "override.yml"), override("9.9.x"));

    assert.equal(defaultVersion(await loadManifest(root), "python"), "3.13.x");
    const loaded = await loadManifest(root, { depsDir: deps });
    assert.equal(defaultVersion(loaded, "python"), "3.10.x"); // 10 applied last
    const missingDeps = await loadManifest(root, { depsDir: join(deps, "nope") });
    assert.equal(defaultVersion(missingDeps, "python"), "3.13.x");

    await Deno.writeTextFile(join(deps, "2", "override.yml"), "python: [\n");
    await assert.rejects(
      () => loadManifest(root, { depsDir: deps }),
      errorMatching(/\/2\/override\.yml: is not valid YAML/),
    );
    await assert.rejects(
      () => loadManifest(deps),
      errorMatching(/The buildpack's manifest\.yml is missing/),
    );
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(deps, { recursive: true });
  }
});

Deno.test("loadManifest uses manifest.parsed.json only when it was made from this manifest.yml", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(root, "manifest.yml"), BASE);
    const fromYaml = await loadManifest(root);
    const parsed = await parsedManifestText(BASE, "manifest.yml");
    await Deno.writeTextFile(join(root, MANIFEST_PARSED), parsed);
    assert.deepEqual(await loadManifest(root), fromYaml);

    // Proof the parsed form is what was read: a sidecar for this text whose data differs.
    const doctored = JSON.parse(parsed);
    doctored.data.default_versions[0].version = "3.12.x";
    await Deno.writeTextFile(join(root, MANIFEST_PARSED), JSON.stringify(doctored));
    assert.equal(defaultVersion(await loadManifest(root), "python"), "3.12.x");

    // An operator edits manifest.yml: the stale parsed form is ignored.
    const edited = BASE.replace("version: 3.13.x", "version: 3.11.x");
    assert.notEqual(edited, BASE);
    await Deno.writeTextFile(join(root, "manifest.yml"), edited);
    assert.equal(defaultVersion(await loadManifest(root), "python"), "3.11.x");

    // Damaged or foreign files are ignored, never trusted and never fatal.
    for (const text of ["{", "[]", '{"data": {}}', '{"yamlSha256": 1, "data": {}}']) {
      await Deno.writeTextFile(join(root, MANIFEST_PARSED), text);
      assert.equal(defaultVersion(await loadManifest(root), "python"), "3.11.x");
    }
    // The parsed form goes through the same validation as the YAML.
    const invalid = JSON.parse(await parsedManifestText(edited, "manifest.yml"));
    invalid.data.dependencies[0].sha256 = "not-a-sha";
    await Deno.writeTextFile(join(root, MANIFEST_PARSED), JSON.stringify(invalid));
    await assert.rejects(() => loadManifest(root), errorMatching(/sha256/));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("parsedManifestText refuses an invalid manifest", async () => {
  await assert.rejects(
    () => parsedManifestText("language: python\ndependencies: 3\n", "manifest.yml"),
    errorMatching(/manifest\.yml/),
  );
});

Deno.test("the repo's manifest.yml parses and offers python 3.10-3.14 for every stack", async () => {
  const manifest: Manifest = await loadManifest(REPO_ROOT);
  assert.equal(manifest.language, "python");
  assert.equal(manifest.stack, undefined);
  assert.equal(defaultVersion(manifest, "python"), "3.13.x");
  assert.deepEqual(stacksOf(manifest), ["cflinuxfs3", "cflinuxfs4", "cflinuxfs5"]);
  const lines = (stack: string) =>
    dependenciesFor(manifest, "python", stack).map((d) =>
      d.version.split(".").slice(0, 2).join(".")
    )
      .sort();
  assert.deepEqual(lines("cflinuxfs4"), ["3.10", "3.11", "3.12", "3.13", "3.14"]);
  assert.deepEqual(lines("cflinuxfs5"), ["3.10", "3.11", "3.12", "3.13", "3.14"]);
  assert.deepEqual(lines("cflinuxfs3"), ["3.10", "3.11", "3.13", "3.14"]);
  assert.deepEqual(
    dependenciesFor(manifest, "python", "cflinuxfs4").map((d) => d.version),
    ["3.10.21", "3.11.16", "3.12.14", "3.13.15", "3.14.7"],
  );
  const pip = dependenciesFor(manifest, "pip", "cflinuxfs4");
  assert.deepEqual(pip.map((d) => d.version), ["26.2.1"]);
  for (const name of ["setuptools", "flit-core", "poetry-core", "pipenv", "miniforge"]) {
    assert.ok(dependenciesFor(manifest, name, "cflinuxfs4").length > 0, name);
  }
  for (const dependency of manifest.dependencies) {
    assert.match(dependency.uri, /^https:\/\//);
    assert.ok(dependency.source && dependency.sourceSha256, dependency.uri);
  }
  assert.deepEqual(manifest.deprecationDates.map((d) => [d.versionLine, d.date]), [
    ["3.10.x", "2026-10-04"],
    ["3.11.x", "2027-10-24"],
    ["3.12.x", "2028-10-02"],
    ["3.13.x", "2029-10-07"],
    ["3.14.x", "2030-10-07"],
  ]);
  for (const file of ["bin/supply", "bin/finalize", "manifest.yml", "sbom.cdx.json", "VERSION"]) {
    assert.ok(manifest.includeFiles.includes(file), file);
  }
});

Deno.test("checkStackSupported: one rule for CF_STACK, no dependencies and packaged stacks", () => {
  const manifest = parseManifest(BASE, "manifest.yml");
  assert.equal(checkStackSupported(manifest, "cflinuxfs4"), "cflinuxfs4");
  assert.throws(
    () => checkStackSupported(manifest, undefined),
    errorMatching(/^CF_STACK is not set/),
  );
  assert.throws(() => checkStackSupported(manifest, ""), errorMatching(/^CF_STACK is not set/));
  assert.throws(
    () => checkStackSupported(manifest, "cflinuxfs9"),
    errorMatching(
      /required stack cflinuxfs9 was not found\.\n.*supports: cflinuxfs3, cflinuxfs4, cflinuxfs5\./,
    ),
  );
  const empty = parseManifest("language: python\n", "manifest.yml");
  assert.throws(
    () => checkStackSupported(empty, "cflinuxfs4"),
    errorMatching(/^The buildpack's manifest\.yml lists no dependencies/),
  );
  // A packaged zip's stack: must equal CF_STACK, even when an entry names other stacks.
  const packaged = parseManifest(`stack: cflinuxfs4\n${BASE.replace("---\n", "")}`, "manifest.yml");
  assert.equal(checkStackSupported(packaged, "cflinuxfs4"), "cflinuxfs4");
  assert.throws(
    () => checkStackSupported(packaged, "cflinuxfs3"),
    errorMatching(/required stack cflinuxfs3 was not found\.\n.*supports: cflinuxfs4\./),
  );
});
