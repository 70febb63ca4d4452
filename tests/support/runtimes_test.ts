import assert from "node:assert/strict";
import { parse } from "yaml";
import { type BuiltRuntime, newestOfMinor, skipReason, testManifest } from "./runtimes.ts";

const r311: BuiltRuntime = {
  version: "3.11.7",
  tarball: "/c/python_3.11.7_linux_x64_cflinuxfs4_aaaaaaaa.tgz",
  sha256: "a".repeat(64),
  uri: "file:///c/python_3.11.7_linux_x64_cflinuxfs4_aaaaaaaa.tgz",
};
const r312: BuiltRuntime = { ...r311, version: "3.12.1", sha256: "b".repeat(64) };

Deno.test("newestOfMinor picks the highest plain release of the minor", () => {
  const listing =
    "2.7.18\n3.11.7\n3.11.10\n3.11.12/envs/venv\n3.11-dev\n3.12.1\npypy3.11-7.3\n3.111.0\n";
  assert.equal(newestOfMinor(listing, "3.11"), "3.11.10");
  assert.equal(newestOfMinor(listing, "3.12"), "3.12.1");
  assert.equal(newestOfMinor(listing, "3.13"), undefined);
});

Deno.test("testManifest lists the runtimes for the stack", () => {
  const doc = parse(testManifest([r311, r312]));
  assert.equal(doc.language, "python");
  assert.deepEqual(doc.default_versions, [{ name: "python", version: "3.11.x" }]);
  assert.deepEqual(doc.dependencies, [
    {
      name: "python",
      version: "3.11.7",
      uri: r311.uri,
      sha256: r311.sha256,
      cf_stacks: ["cflinuxfs4"],
    },
    {
      name: "python",
      version: "3.12.1",
      uri: r312.uri,
      sha256: r312.sha256,
      cf_stacks: ["cflinuxfs4"],
    },
  ]);
  assert.ok(doc.include_files.includes("manifest.yml"));
});

Deno.test("testManifest options: default version, stack, extra dependencies in any indentation", () => {
  const extra = `
    - name: pip
      version: 26.2.1
      uri: file:///c/pip.tgz
      sha256: ${"c".repeat(64)}
      cf_stacks: [cflinuxfs3]
  `;
  const doc = parse(testManifest([r311], { defaultVersion: "3.11.7", stack: "cflinuxfs3", extra }));
  assert.deepEqual(doc.default_versions, [{ name: "python", version: "3.11.7" }]);
  assert.equal(doc.dependencies.length, 2);
  assert.deepEqual(doc.dependencies[0].cf_stacks, ["cflinuxfs3"]);
  assert.equal(doc.dependencies[1].name, "pip");
  assert.equal(doc.dependencies[1].version, "26.2.1");
  const flat = parse(testManifest([], { extra: "- name: pip\n  version: 1.0.0\n" }));
  assert.equal(flat.default_versions, undefined);
  assert.deepEqual(flat.dependencies, [{ name: "pip", version: "1.0.0" }]);
  assert.deepEqual(parse(testManifest([])).dependencies, []);
});

Deno.test("skipReason explains a missing minor version", () => {
  const none = skipReason("2.1");
  if (skipReason() === undefined) assert.match(none ?? "", /no pyenv CPython 2\.1\.x/);
  else assert.match(skipReason()!, /pyenv|tar|gzip/);
});
