import assert from "node:assert/strict";
import { join } from "node:path";
import { activityPhrase, describeIoError, osErrorCode, osReason } from "./io_errors.ts";
import { BuildpackError } from "./errors.ts";

/** A real ENOSPC: /dev/full refuses every write with it. */
function enospc(): Error {
  try {
    Deno.writeFileSync("/dev/full", new Uint8Array(8));
  } catch (err) {
    return err as Error;
  }
  throw new Error("/dev/full accepted a write");
}

Deno.test("describeIoError says no space left, what was done and where", () => {
  const err = describeIoError(enospc(), {
    doing: "installing python 3.11.7",
    path: "/deps/0/python",
  });
  assert.ok(err instanceof BuildpackError);
  assert.match(
    err.message,
    /^no space left on device while installing python 3\.11\.7 into \/deps\/0\/python\.\n/,
  );
  assert.match(err.message, /cf push -k/);
});

Deno.test("describeIoError takes the path from the OS message when none is given", () => {
  const err = describeIoError(enospc(), { doing: "writing the droplet" });
  assert.match(err!.message, /while writing the droplet into \/dev\/full/);
  assert.equal(osErrorCode(enospc()), "ENOSPC");
  assert.equal(osReason(enospc()), "No space left on device");
});

Deno.test("describeIoError leaves bugs and missing files alone", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const missing = await Deno.readFile(join(dir, "nope")).catch((e) => e);
    assert.equal(describeIoError(missing, { doing: "x" }), undefined);
    assert.equal(describeIoError(new TypeError("x is undefined"), { doing: "x" }), undefined);
    assert.equal(describeIoError(new BuildpackError("known"), { doing: "x" }), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("activityPhrase lower-cases a step header, defaulting to staging", () => {
  assert.equal(activityPhrase("Installing python 3.11.7"), "installing python 3.11.7");
  assert.equal(activityPhrase(undefined), "staging");
  assert.equal(
    activityPhrase("Python Buildpack version 1.0"),
    'staging (step "Python Buildpack version 1.0")',
  );
});
