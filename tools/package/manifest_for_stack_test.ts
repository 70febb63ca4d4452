import assert from "node:assert/strict";
import { manifestForStack, withAddedDependencies } from "./manifest_for_stack.ts";

const MANIFEST = `# comment kept
---
language: python
default_versions:
- name: python
  version: 3.11.x
dependencies:
- name: pip
  version: '25.2'
  uri: https://example.org/pip_25.2_fs3.tgz
  sha256: ${"a".repeat(64)}
  cf_stacks:
  - cflinuxfs3
- name: python
  version: 3.11.16
  uri: https://example.org/python_3.11.16_fs4.tgz
  sha256: '${"0".repeat(63)}1'
  cf_stacks:
  - cflinuxfs4
  - cflinuxfs5
- name: tool
  version: 1.0.0
  uri: https://example.org/tool.tgz
  sha256: ${"c".repeat(64)}
include_files:
- VERSION
`;

Deno.test("one stack: stack set, other stacks' dependencies and cf_stacks dropped", () => {
  const out = manifestForStack(MANIFEST, { file: "manifest.yml", stack: "cflinuxfs4" });
  assert.equal(out.manifest.stack, "cflinuxfs4");
  assert.deepEqual(out.dependencies.map((d) => `${d.name} ${d.version}`), [
    "python 3.11.16",
    "tool 1.0.0",
  ]);
  assert.doesNotMatch(out.text, /cf_stacks/);
  assert.match(out.text, /^language: python\nstack: cflinuxfs4\n/m);
  assert.match(out.text, /sha256: "0{63}1"|sha256: '0{63}1'/); // still a string
  assert.match(out.text, /# comment kept/);
  assert.match(out.text, /Packaged for stack cflinuxfs4/);
  assert.deepEqual(out.manifest.includeFiles, ["VERSION"]);
});

Deno.test("any: every dependency kept with its cf_stacks, no stack key", () => {
  const out = manifestForStack(MANIFEST, { file: "manifest.yml", stack: "any" });
  assert.equal(out.manifest.stack, undefined);
  assert.equal(out.dependencies.length, 3);
  assert.deepEqual(out.dependencies[1].cfStacks, ["cflinuxfs4", "cflinuxfs5"]);
  assert.equal(out.dependencies[0].version, "25.2");
});

Deno.test("cached: every kept dependency gets file:", () => {
  const out = manifestForStack(MANIFEST, {
    file: "manifest.yml",
    stack: "cflinuxfs3",
    fileFor: (d) => `dependencies/x/${d.name}.tgz`,
  });
  assert.deepEqual(out.dependencies.map((d) => d.file), [
    "dependencies/x/pip.tgz",
    "dependencies/x/tool.tgz",
  ]);
  assert.match(out.text, /\(cached\)/);
});

Deno.test("an unknown stack fails naming the manifest and its stacks", () => {
  assert.throws(
    () => manifestForStack(MANIFEST, { file: "/x/manifest.yml", stack: "cflinuxfs9" }),
    /\/x\/manifest\.yml has no dependencies for stack 'cflinuxfs9'[\s\S]*cflinuxfs3, cflinuxfs4, cflinuxfs5/,
  );
});

Deno.test("added dependencies go right after the runtime they were made from", () => {
  const stack = manifestForStack(MANIFEST, { file: "manifest.yml", stack: "cflinuxfs4" });
  const runtime = stack.dependencies[0];
  const archive = {
    name: "python-bytecode",
    version: "3.11.16",
    uri: "buildpack:python-bytecode_3.11.16_linux_x64_cflinuxfs4_dddddddd.tgz",
    sha256: "d".repeat(64),
    cfStacks: [],
    runtimeSha256: runtime.sha256,
    file: "dependencies/0123/python-bytecode_3.11.16_linux_x64_cflinuxfs4_dddddddd.tgz",
  };
  const out = withAddedDependencies(stack, [archive], "manifest.yml");
  assert.deepEqual(out.dependencies.map((d) => d.name), ["python", "python-bytecode", "tool"]);
  assert.deepEqual(out.dependencies[1], archive);
  assert.match(out.text, /^# comment kept$/m);
  assert.match(out.text, new RegExp(`runtime_sha256: "?${runtime.sha256}"?\\n`));
  assert.equal(withAddedDependencies(stack, [], "manifest.yml"), stack);
});
