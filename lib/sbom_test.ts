import assert from "node:assert/strict";
import { join } from "node:path";
import {
  cyclonedxDocument,
  distLicenses,
  distributionComponent,
  parseDistMetadata,
  writeStagingSbom,
} from "./sbom.ts";

const FLASK = `Metadata-Version: 2.4
Name: Flask
Version: 3.1.3
Summary: A simple framework for building complex web applications.
Requires-Python: >=3.9
License-Expression: BSD-3-Clause
Classifier: License :: OSI Approved :: BSD License
Project-URL: Source, https://github.com/pallets/flask/

# Flask
License: not a header, this is the body
`;

Deno.test("parseDistMetadata reads the headers and stops at the body", () => {
  const meta = parseDistMetadata(FLASK)!;
  assert.equal(meta.name, "Flask");
  assert.equal(meta.version, "3.1.3");
  assert.equal(meta.licenseExpression, "BSD-3-Clause");
  assert.equal(meta.license, undefined);
  assert.deepEqual(meta.licenseClassifiers, ["BSD License"]);
  assert.equal(meta.homepage, "https://github.com/pallets/flask/");
});

Deno.test("parseDistMetadata joins continuation lines and handles CRLF", () => {
  const meta = parseDistMetadata(
    "Name: six\r\nVersion: 1.17.0\r\nLicense: MIT\r\n        more text\r\n\r\nbody",
  )!;
  assert.equal(meta.license, "MIT\nmore text");
  assert.equal(parseDistMetadata("Name: x\n\nVersion: 1"), undefined);
});

Deno.test("distLicenses prefers the expression, then a short License, then classifiers", () => {
  const base = { name: "a", version: "1", licenseClassifiers: ["MIT License", "MIT License"] };
  assert.deepEqual(distLicenses({ ...base, licenseExpression: "MIT", license: "x" }), [
    { expression: "MIT" },
  ]);
  assert.deepEqual(distLicenses({ ...base, license: "Apache 2.0" }), [
    { license: { name: "Apache 2.0" } },
  ]);
  // A whole licence text, or UNKNOWN, falls back to the classifiers.
  assert.deepEqual(distLicenses({ ...base, license: "Copyright (c)\nPermission is..." }), [
    { license: { name: "MIT License" } },
  ]);
  assert.deepEqual(distLicenses({ ...base, license: "UNKNOWN" }), [
    { license: { name: "MIT License" } },
  ]);
  assert.deepEqual(distLicenses({ ...base, licenseClassifiers: [] }), []);
});

Deno.test("distributionComponent uses a normalised pypi purl", () => {
  const c = distributionComponent({
    name: "Flit_Core",
    version: "3.12.0",
    licenseClassifiers: [],
  });
  assert.equal(c.purl, "pkg:pypi/flit-core@3.12.0");
  assert.equal(c.name, "Flit_Core");
  assert.equal(c.licenses, undefined);
});

Deno.test("cyclonedxDocument writes 1.5 with a second-precision timestamp", () => {
  const doc = cyclonedxDocument({ type: "application", name: "x" }, [], {
    timestamp: new Date(1_700_000_000_500),
  });
  assert.equal(doc.specVersion, "1.5");
  assert.equal(doc.metadata.timestamp, "2023-11-14T22:13:20Z");
});

Deno.test("writeStagingSbom lists the runtime and every site-packages distribution", async () => {
  const deps = await Deno.makeTempDir();
  try {
    const sp = join(deps, "python", "lib", "python3.11", "site-packages");
    await Deno.mkdir(join(sp, "flask-3.1.3.dist-info"), { recursive: true });
    await Deno.writeTextFile(join(sp, "flask-3.1.3.dist-info", "METADATA"), FLASK);
    await Deno.mkdir(join(sp, "pip-26.2.1.dist-info"));
    await Deno.writeTextFile(
      join(sp, "pip-26.2.1.dist-info", "METADATA"),
      "Name: pip\nVersion: 26.2.1\nLicense: MIT\n",
    );
    await Deno.mkdir(join(sp, "broken-1.dist-info"));
    await Deno.mkdir(join(sp, "flask"));
    const path = await writeStagingSbom(deps, { pythonVersion: "3.11.7", runtimeSha256: "AB" });
    assert.equal(path, join(deps, "sbom.cdx.json"));
    const doc = JSON.parse(await Deno.readTextFile(path));
    assert.equal(doc.bomFormat, "CycloneDX");
    assert.deepEqual(
      doc.components.map((c: { name: string; version: string }) => `${c.name} ${c.version}`),
      ["cpython 3.11.7", "Flask 3.1.3", "pip 26.2.1"],
    );
    assert.deepEqual(doc.components[0].hashes, [{ alg: "SHA-256", content: "ab" }]);
    assert.deepEqual(doc.components[2].licenses, [{ license: { name: "MIT" } }]);
  } finally {
    await Deno.remove(deps, { recursive: true });
  }
});

Deno.test("writeStagingSbom lists the buildpack's bytecode archive the runtime got", async () => {
  const deps = await Deno.makeTempDir();
  try {
    const path = await writeStagingSbom(deps, {
      pythonVersion: "3.11.7",
      runtimeSha256: "ab",
      bytecodeArchive: { version: "3.11.7", sha256: "CD" },
    });
    const doc = JSON.parse(await Deno.readTextFile(path));
    assert.deepEqual(
      doc.components.map((c: { name: string; version: string }) => `${c.name} ${c.version}`),
      ["cpython 3.11.7", "python-bytecode 3.11.7"],
    );
    assert.equal(doc.components[1].type, "file");
    assert.deepEqual(doc.components[1].hashes, [{ alg: "SHA-256", content: "cd" }]);
  } finally {
    await Deno.remove(deps, { recursive: true });
  }
});

Deno.test("writeStagingSbom without a runtime still writes the document", async () => {
  const deps = await Deno.makeTempDir();
  try {
    const doc = JSON.parse(
      await Deno.readTextFile(await writeStagingSbom(deps, { pythonVersion: "3.12.1" })),
    );
    assert.equal(doc.components.length, 1);
  } finally {
    await Deno.remove(deps, { recursive: true });
  }
});
