import assert from "node:assert/strict";
import { parse } from "yaml";
import { metadataText, metadataVersion } from "./metadata.ts";

Deno.test("the metadata text is a YAML map libbuildpack reads, and reads back", async () => {
  const text = metadataText("1.2.3");
  assert.deepEqual(parse(text), { language: "python", version: "1.2.3" });
  assert.equal(await metadataVersion(text), "1.2.3");
});

Deno.test("metadataVersion reads the older YAML block form and ignores junk", async () => {
  assert.equal(await metadataVersion("language: python\nversion: 0.1.0\n"), "0.1.0");
  assert.equal(await metadataVersion("version: 1.10\n"), undefined, "a YAML number is no version");
  assert.equal(await metadataVersion("[1, 2]"), undefined);
  assert.equal(await metadataVersion("null"), undefined);
  assert.equal(await metadataVersion("a: [\n"), undefined);
  assert.equal(await metadataVersion(""), undefined);
});
