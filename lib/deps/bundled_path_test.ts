import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { bundledPath, md5Hex } from "./bundled_path.ts";
import type { Dependency } from "../manifest.ts";

Deno.test("md5Hex gives RFC 1321's test digests and node:crypto's for a URI", () => {
  // RFC 1321, appendix A.5.
  assert.equal(md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  assert.equal(md5Hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  assert.equal(md5Hex("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
  assert.equal(
    md5Hex("12345678901234567890123456789012345678901234567890123456789012345678901234567890"),
    "57edf4a22be3c955ac49da2e2107b67a",
  );
  const uri = "https://buildpacks.cloudfoundry.org/dependencies/python/python_3.11.7_\u00fc.tgz";
  assert.equal(md5Hex(uri), createHash("md5").update(uri, "utf8").digest("hex"));
});

Deno.test("bundledPath: the manifest's file: entry, else dependencies/<md5 of uri>/<basename>", () => {
  const dep: Dependency = {
    name: "python",
    version: "3.11.7",
    uri: "https://example.org/python/python_3.11.7_linux_x64_cflinuxfs4_c4bf453b.tgz?x=1",
    sha256: "0".repeat(64),
    cfStacks: ["cflinuxfs4"],
  };
  assert.equal(
    bundledPath("/bp", dep),
    `/bp/dependencies/${md5Hex(dep.uri)}/python_3.11.7_linux_x64_cflinuxfs4_c4bf453b.tgz`,
  );
  assert.equal(
    bundledPath("/bp", { ...dep, file: "dependencies/a/b.tgz" }),
    "/bp/dependencies/a/b.tgz",
  );
  assert.equal(bundledPath("/bp", { ...dep, file: "/elsewhere/b.tgz" }), "/elsewhere/b.tgz");
});
