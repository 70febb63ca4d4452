import assert from "node:assert/strict";
import { pipChoice } from "./pip_version.ts";
import { backendDependencies } from "./build_backends.ts";
import { parseManifest } from "../manifest_yaml.ts";

Deno.test("pipChoice: unset or empty uses the runtime's pip, latest the manifest's", () => {
  assert.equal(pipChoice(undefined), "runtime");
  assert.equal(pipChoice(" "), "runtime");
  assert.equal(pipChoice("latest"), "manifest");
  assert.throws(
    () => pipChoice("23.1"),
    /^BuildpackError: Could not install pip: invalid pip version: 23\.1\n.*BP_PIP_VERSION accepts only `latest`/s,
  );
});

Deno.test("backendDependencies picks the newest of each backend for the stack, in order", () => {
  const dep = (name: string, version: string, stack = "cflinuxfs4") =>
    `- {name: ${name}, version: ${version}, uri: "https://x/${name}-${version}.tgz", sha256: "${
      "a".repeat(64)
    }", cf_stacks: [${stack}]}`;
  const manifest = parseManifest(
    [
      "language: python",
      "dependencies:",
      dep("poetry-core", "2.4.1"),
      dep("setuptools", "80.0.0"),
      dep("setuptools", "84.0.0"),
      dep("flit-core", "3.12.0", "cflinuxfs5"),
    ].join("\n"),
    "manifest.yml",
  );
  assert.deepEqual(
    backendDependencies(manifest, "cflinuxfs4").map((d) => `${d.name} ${d.version}`),
    ["setuptools 84.0.0", "poetry-core 2.4.1"],
  );
});
