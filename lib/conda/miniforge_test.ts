import assert from "node:assert/strict";
import { parseManifest } from "../manifest_yaml.ts";
import { chooseMiniforge } from "./miniforge.ts";

const SHA = "a".repeat(64);

function manifest(extra = ""): string {
  return `language: python
${extra}dependencies:
- {name: miniforge, version: 24.7.1, uri: "https://x/Miniforge3-24.7.1-0-Linux-x86_64.sh", sha256: ${SHA}, cf_stacks: [cflinuxfs4, cflinuxfs3]}
- {name: miniforge, version: 25.3.0, uri: "https://x/Miniforge3-25.3.0-0-Linux-x86_64.sh", sha256: ${SHA}, cf_stacks: [cflinuxfs4]}
- {name: python, version: 3.11.7, uri: "https://x/python.tgz", sha256: ${SHA}, cf_stacks: [cflinuxfs5]}
`;
}

Deno.test("chooseMiniforge takes the highest version for the stack", () => {
  const m = parseManifest(manifest(), "manifest.yml");
  assert.equal(chooseMiniforge(m, "cflinuxfs4").version, "25.3.0");
  assert.equal(chooseMiniforge(m, "cflinuxfs3").version, "24.7.1");
});

Deno.test("chooseMiniforge honours default_versions", () => {
  const m = parseManifest(
    manifest("default_versions:\n- {name: miniforge, version: 24.x}\n"),
    "manifest.yml",
  );
  assert.equal(chooseMiniforge(m, "cflinuxfs4").version, "24.7.1");
});

Deno.test("chooseMiniforge: no miniforge for the stack names the stacks that have one", () => {
  const m = parseManifest(manifest(), "manifest.yml");
  assert.throws(() => chooseMiniforge(m, "cflinuxfs5"), (e: Error) => {
    assert.match(
      e.message,
      /^Could not install conda: this buildpack's manifest has no miniforge dependency for stack cflinuxfs5 \(it has one for: cflinuxfs3, cflinuxfs4\)\./,
    );
    assert.match(e.message, /cf push -s STACK/);
    return true;
  });
});
