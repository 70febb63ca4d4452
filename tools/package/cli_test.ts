import assert from "node:assert/strict";
import { parsePackageArgs, zipName } from "./cli.ts";

Deno.test("package arguments", () => {
  assert.deepEqual(parsePackageArgs(["--stack", "cflinuxfs4"]), {
    stack: "cflinuxfs4",
    cached: false,
  });
  assert.deepEqual(
    parsePackageArgs([
      "--stack=any",
      "--cached",
      "--version",
      "1.2.3",
      "--out",
      "x.zip",
      "--binary",
      "b",
      "--dependency-dir",
      "d",
      "--download-cache",
      "c",
      "--bytecode",
      "none",
    ]),
    {
      stack: "any",
      cached: true,
      version: "1.2.3",
      out: "x.zip",
      binary: "b",
      dependencyDir: "d",
      downloadCache: "c",
      bytecode: "none",
    },
  );
  assert.equal(parsePackageArgs(["--help"]), "help");
});

Deno.test("bad package arguments say what is wrong", () => {
  assert.throws(() => parsePackageArgs([]), /--stack is required/);
  assert.throws(() => parsePackageArgs(["--stack", "a b"]), /is not a stack name/);
  assert.throws(() => parsePackageArgs(["--stack", "s", "--bogus"]), /bogus/);
  assert.throws(() => parsePackageArgs(["--stack", "s", "--version", "../1"]), /--version/);
  assert.throws(
    () => parsePackageArgs(["--stack", "s", "--dependency-dir", "d", "--bytecode", "none"]),
    /--dependency-dir has nothing to give an online zip with --bytecode none/,
  );
  assert.throws(
    () => parsePackageArgs(["--stack", "s", "--bytecode", "some"]),
    /--bytecode "some": expected all, default or none/,
  );
  // An online zip's bytecode archives need the runtimes: --dependency-dir may bring them
  // (the default runtime's, without --bytecode).
  assert.deepEqual(
    parsePackageArgs(["--stack", "s", "--dependency-dir", "d"]),
    { stack: "s", cached: false, dependencyDir: "d" },
  );
  assert.deepEqual(
    parsePackageArgs(["--stack", "s", "--bytecode", "default", "--dependency-dir", "d"]),
    { stack: "s", cached: false, bytecode: "default", dependencyDir: "d" },
  );
});

Deno.test("zip names follow the CF packager", () => {
  assert.equal(
    zipName({ stack: "cflinuxfs4", cached: false, version: "1.0.0" }),
    "python_buildpack-cflinuxfs4-v1.0.0.zip",
  );
  assert.equal(
    zipName({ stack: "any", cached: true, version: "1.0.0" }),
    "python_buildpack-cached-v1.0.0.zip",
  );
});
