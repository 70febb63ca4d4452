import assert from "node:assert/strict";
import type { Manifest } from "../manifest.ts";
import { deprecationWarning, newerPatchWarning } from "./warnings.ts";

const MANIFEST: Manifest = {
  language: "python",
  defaultVersions: [{ name: "python", version: "3.13.x" }],
  deprecationDates: [
    {
      name: "python",
      versionLine: "3.10.x",
      date: "2026-10-04",
      link: "https://peps.python.org/pep-0619/",
    },
    { name: "python", versionLine: "3.11.x", date: "2027-10-24" },
    { name: "pip", versionLine: "3.10.x", date: "2020-01-01" },
  ],
  dependencies: [],
  includeFiles: [],
};

Deno.test("newerPatchWarning: CF text naming the newest patch of the same minor", () => {
  assert.equal(
    newerPatchWarning("python", "3.11.9", ["3.10.21", "3.11.9", "3.11.16", "3.11.12", "3.12.14"]),
    "A newer version of python is available in this buildpack. Please adjust your app to use " +
      "version 3.11.16 instead of version 3.11.9 as soon as possible. Old versions of python " +
      "are only provided to assist in migrating to newer versions.",
  );
});

Deno.test("newerPatchWarning: nothing when already newest or only other minors are newer", () => {
  assert.equal(newerPatchWarning("python", "3.11.16", ["3.11.9", "3.11.16", "3.12.14"]), undefined);
  assert.equal(
    newerPatchWarning("python", "3.10.21", ["3.10.21", "3.11.16", "4.10.30"]),
    undefined,
  );
  assert.equal(newerPatchWarning("python", "3.11.9", []), undefined);
  assert.equal(newerPatchWarning("python", "garbage", ["3.11.9"]), undefined);
});

Deno.test("newerPatchWarning never recommends a pre-release or an odd manifest entry", () => {
  assert.equal(newerPatchWarning("python", "3.13.0", ["3.13.1rc1", "3.13.x", "3.13.0"]), undefined);
  assert.match(
    newerPatchWarning("python", "3.13.0", ["3.13.2rc1", "3.13.1", "latest"]) ?? "",
    /version 3\.13\.1 instead/,
  );
});

Deno.test("newerPatchWarning works for two-part versions", () => {
  assert.match(
    newerPatchWarning("pip", "25.2", ["25.2", "25.2.1"]) ?? "",
    /version 25\.2\.1 instead/,
  );
});

const day = (iso: string) => new Date(`${iso}T12:00:00Z`);

Deno.test("deprecationWarning: silent more than 30 days before the date", () => {
  const options = { name: "python", version: "3.10.21" };
  assert.equal(deprecationWarning(MANIFEST, { ...options, now: day("2026-08-01") }), undefined);
  assert.equal(deprecationWarning(MANIFEST, { ...options, now: day("2026-09-03") }), undefined);
});

Deno.test("deprecationWarning: CF text within 30 days before the date", () => {
  assert.equal(
    deprecationWarning(MANIFEST, { name: "python", version: "3.10.21", now: day("2026-09-10") }),
    "python 3.10.x will no longer be available in new buildpacks released after 2026-10-04.\n" +
      "See: https://peps.python.org/pep-0619/",
  );
});

Deno.test("deprecationWarning: after the date adds an end-of-life line", () => {
  const text = deprecationWarning(MANIFEST, {
    name: "python",
    version: "3.10.21",
    now: day("2027-01-01"),
  });
  assert.ok(text?.startsWith("python 3.10.x will no longer be available in new buildpacks"));
  assert.match(text ?? "", /reached its end of life on 2026-10-04/);
  assert.ok(text?.endsWith("\nSee: https://peps.python.org/pep-0619/"));
});

Deno.test("deprecationWarning: no link, other lines, other names", () => {
  assert.equal(
    deprecationWarning(MANIFEST, { name: "python", version: "3.11.16", now: day("2027-10-01") }),
    "python 3.11.x will no longer be available in new buildpacks released after 2027-10-24.",
  );
  assert.equal(
    deprecationWarning(MANIFEST, { name: "python", version: "3.12.14", now: day("2030-01-01") }),
    undefined,
  );
  assert.equal(
    deprecationWarning(MANIFEST, { name: "setuptools", version: "3.10.1", now: day("2030-01-01") }),
    undefined,
  );
});
