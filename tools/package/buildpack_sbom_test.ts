import assert from "node:assert/strict";
import { buildpackSbom, integrityHash, lockIntegrity, npmPurl } from "./buildpack_sbom.ts";

Deno.test("SRI integrity becomes a hex CycloneDX hash", () => {
  assert.deepEqual(integrityHash("sha256-AAEC"), { alg: "SHA-256", content: "000102" });
  assert.equal(integrityHash("md5-xx"), undefined);
  assert.equal(npmPurl({ name: "@types/node", version: "1.0.0" }), "pkg:npm/%40types/node@1.0.0");
});

const INPUT = {
  version: "1.2.3",
  stack: "cflinuxfs4",
  epoch: 1_700_000_000,
  binary: { sha256: "ab".repeat(32), compiledWith: "2.9.6", target: "x86_64-unknown-linux-gnu" },
  npm: {
    "yaml@2.9.1": { name: "yaml", version: "2.9.1" },
    "@types/semver@7.8.0": { name: "@types/semver", version: "7.8.0" },
  },
  lockIntegrity: lockIntegrity(
    JSON.stringify({ npm: { "yaml@2.9.1": { integrity: "sha512-AQ==" } } }),
  ),
  dependencies: [{
    name: "python",
    version: "3.11.16",
    uri: "https://example.org/python.tgz",
    sha256: "cd".repeat(32),
    cfStacks: [],
    source: "https://python.org/Python-3.11.16.tgz",
    sourceSha256: "ef".repeat(32),
    file: "dependencies/x/python.tgz",
  }],
};

Deno.test("the buildpack SBOM lists the binary, npm packages and manifest dependencies", () => {
  const doc = buildpackSbom(INPUT);
  assert.equal(doc.metadata.timestamp, "2023-11-14T22:13:20Z");
  assert.equal(doc.metadata.component.version, "1.2.3");
  const byName = Object.fromEntries(doc.components.map((c) => [c.name, c]));
  assert.deepEqual(byName["bin/buildpack"].hashes, [{ alg: "SHA-256", content: "ab".repeat(32) }]);
  assert.deepEqual(byName["yaml"].hashes, [{ alg: "SHA-512", content: "01" }]);
  assert.equal(byName["@types/semver"].scope, "excluded");
  assert.equal(byName["denort"].version, "2.9.6");
  assert.deepEqual(byName["python"].hashes, [{ alg: "SHA-256", content: "cd".repeat(32) }]);
  assert.deepEqual(byName["python"].externalReferences?.map((r) => r.type), [
    "distribution",
    "source-distribution",
  ]);
  assert.deepEqual(byName["python"].properties, [{
    name: "cf:file",
    value: "dependencies/x/python.tgz",
  }]);
});

Deno.test("the buildpack SBOM does not depend on input order; --binary has no denort", () => {
  const reordered = { ...INPUT, npm: Object.fromEntries(Object.entries(INPUT.npm).reverse()) };
  assert.equal(JSON.stringify(buildpackSbom(reordered)), JSON.stringify(buildpackSbom(INPUT)));
  const given = buildpackSbom({ ...INPUT, binary: { sha256: "00" } });
  assert.ok(!given.components.some((c) => c.name === "denort"));
  assert.match(given.components[0].description!, /--binary/);
});
