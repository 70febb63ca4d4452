import assert from "node:assert/strict";
import { isSdist, missingDistributions, withoutIndexOptions } from "./vendor.ts";

Deno.test("withoutIndexOptions drops every index line and keeps the rest", () => {
  const text = [
    "-i https://pypi.example.com/simple",
    "--index-url=https://x/simple",
    "--extra-index-url https://y/simple",
    "--trusted-host y",
    "-f https://z/links",
    "--find-links /somewhere",
    "flask==3.1.3 \\",
    "  --hash=sha256:ab",
    "# comment",
    "-r other.txt",
    "-e .",
    "gunicorn",
  ].join("\n");
  assert.equal(
    withoutIndexOptions(text),
    "flask==3.1.3   --hash=sha256:ab\n-r other.txt\n-e .\ngunicorn\n",
  );
  assert.equal(withoutIndexOptions("-i https://x\n"), "");
});

Deno.test("isSdist tells source distributions from wheels", () => {
  assert.equal(isSdist("pkg-1.0.tar.gz"), true);
  assert.equal(isSdist("pkg-1.0.zip"), true);
  assert.equal(isSdist("pkg-1.0-py3-none-any.whl"), false);
  assert.equal(isSdist("README"), false);
});

Deno.test("missingDistributions reads pip's resolution errors", () => {
  const out =
    "ERROR: Could not find a version that satisfies the requirement six (from versions: none)\n" +
    "ERROR: No matching distribution found for six\n";
  assert.deepEqual(missingDistributions(out), ["six"]);
  assert.deepEqual(
    missingDistributions(
      "ERROR: Could not find a version that satisfies the requirement six==1.0 (from x)\n",
    ),
    ["six==1.0"],
  );
  assert.deepEqual(missingDistributions("something else"), []);
});
