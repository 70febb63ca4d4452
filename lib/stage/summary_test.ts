import assert from "node:assert/strict";
import { noteSupplySummary, summaryLines, takeSupplySummary } from "./summary.ts";

const SUPPLY = {
  steps: [["runtime", 0.021], ["packages", 1.5], ["cache save", 0.1]] as [string, number][],
  runtime: "reused from the app cache (python 3.11.7)",
  packages: "incremental: 1 added, 2 removed",
  source: "uv.lock",
  installed: { bytes: 48 * 1024 * 1024 + 300_000, distributions: 23 },
};

Deno.test("summaryLines: one greppable line per step, the cache, the size", () => {
  assert.deepEqual(summaryLines(SUPPLY, [["collectstatic", 1.234]]), [
    "time: runtime       0.02 s",
    "time: packages      1.50 s",
    "time: cache save    0.10 s",
    "time: collectstatic 1.23 s",
    "cache: runtime reused from the app cache (python 3.11.7); packages incremental: 1 added, 2 removed (uv.lock)",
    "installed: 48.3 MiB in deps/<IDX>/python, 23 distributions",
  ]);
});

Deno.test("the supply part goes through the app cache once; junk is ignored", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await noteSupplySummary(dir, SUPPLY);
    assert.deepEqual(await takeSupplySummary(dir), SUPPLY);
    assert.equal(await takeSupplySummary(dir), undefined, "taken once");
    await Deno.writeTextFile(`${dir}/staging-summary.json`, '{"steps": null}');
    assert.equal(await takeSupplySummary(dir), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
