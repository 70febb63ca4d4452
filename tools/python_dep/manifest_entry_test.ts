import assert from "node:assert/strict";
import { parse } from "yaml";
import { fileUri, manifestEntryYaml, tarballName } from "./manifest_entry.ts";

const SHA = "ec0e2afbd71c6ab523ac4eaae012799536e1e61910fc44a63f244a4e0abfec16";

Deno.test("tarballName follows the CF scheme", () => {
  assert.equal(
    tarballName("3.11.7", { stacks: ["cflinuxfs4"], sha256: SHA }),
    "python_3.11.7_linux_x64_cflinuxfs4_ec0e2afb.tgz",
  );
  assert.equal(
    tarballName("3.11.7", { stacks: ["cflinuxfs3", "cflinuxfs4"], sha256: SHA }),
    "python_3.11.7_linux_x64_cflinuxfs3_cflinuxfs4_ec0e2afb.tgz",
  );
  assert.equal(
    tarballName("3.11.7", { stacks: [], sha256: SHA }),
    "python_3.11.7_linux_x64_any_ec0e2afb.tgz",
  );
  assert.throws(() => tarballName("3.11.7", { stacks: [], sha256: "abc" }));
});

Deno.test("fileUri encodes what a URI cannot hold", () => {
  assert.equal(fileUri("/tmp/a b/x.tgz"), "file:///tmp/a%20b/x.tgz");
  assert.throws(() => fileUri("relative/x.tgz"));
});

Deno.test("manifestEntryYaml is a dependencies: item in manifest order", () => {
  const yaml = manifestEntryYaml({
    source: "file:///root/.pyenv/versions/3.11.7",
    cf_stacks: ["cflinuxfs4"],
    sha256: SHA,
    uri: "file:///out/python.tgz",
    version: "3.11.7",
    name: "python",
  });
  assert.ok(yaml.startsWith("- name: python\n  version: 3.11.7\n  uri: "), yaml);
  assert.deepEqual(parse(yaml), [{
    name: "python",
    version: "3.11.7",
    uri: "file:///out/python.tgz",
    sha256: SHA,
    cf_stacks: ["cflinuxfs4"],
    source: "file:///root/.pyenv/versions/3.11.7",
  }]);
  assert.equal(
    parse(
      manifestEntryYaml({
        name: "python",
        version: "3.10.13",
        uri: "u",
        sha256: SHA,
        cf_stacks: [],
      }),
    )[0]
      .source,
    undefined,
  );
});
