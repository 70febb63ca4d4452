import assert from "node:assert/strict";
import { join } from "node:path";
import { type MeasureHooks, Measurer } from "./measure.ts";
import { extractionRound } from "./by_hand.ts";
import { freshStaging } from "./staging.ts";
import { runChecked } from "./support.ts";

/** Hooks that never wait and discard the attempts `discard` says (by call order). */
function hooks(discard: (call: number) => boolean, seen: string[] = []): MeasureHooks {
  let calls = 0;
  return {
    waitQuiet: () => Promise.resolve(),
    startAccounting: () => () => (discard(calls++) ? 1.5 : 0.01),
    disturbed: (cpus) => cpus > 0.35,
    onDiscard: (section, cpus) => seen.push(`${section} ${cpus}`),
  };
}

Deno.test("a discarded measurement is taken again in fresh directories", async () => {
  const work = await Deno.makeTempDir({ prefix: "bench_measure_" });
  try {
    // A tiny tarball: the extraction race and a by-hand-like tree both make
    // directories that must not exist yet (mkdir without `recursive`).
    await Deno.mkdir(join(work, "src/lib"), { recursive: true });
    await Deno.writeTextFile(join(work, "src/lib/os.py"), "import sys\n");
    const tarball = join(work, "python.tgz");
    await runChecked("tar", ["czf", tarball, "-C", join(work, "src"), "lib"]);

    const seen: string[] = [];
    const m = new Measurer(hooks((call) => call < 2, seen), { retries: 10 });
    const names: string[] = [];
    const result = await m.measure("round 1/1 by hand", async (a) => {
      const root = join(work, a.fresh("by-hand-0"));
      names.push(root);
      const dirs = await freshStaging(root);
      // byHandStaging's python dir: this mkdir crashed the retry before.
      await Deno.mkdir(join(dirs.depsDir, "0", "python"));
      const race = await extractionRound(join(work, "extract"), tarball, a.fresh("round-0"), true);
      return { attempt: a.number, race };
    });
    assert.equal(result.attempt, 2, "the third attempt is the kept one");
    assert.ok(result.race.extractArchiveMs > 0 && result.race.tarMs > 0);
    assert.deepEqual(names.map((n) => n.slice(work.length + 1)), [
      "by-hand-0",
      "by-hand-0-retry1",
      "by-hand-0-retry2",
    ]);
    assert.equal(m.discarded, 2);
    assert.deepEqual(seen, ["round 1/1 by hand 1.5", "round 1/1 by hand 1.5"]);
    assert.deepEqual(m.background, [{ section: "round 1/1 by hand", cpus: 0.01 }]);
    const extracted = [...Deno.readDirSync(join(work, "extract"))].map((e) => e.name).sort();
    assert.deepEqual(extracted, [
      "round-0-ours",
      "round-0-retry1-ours",
      "round-0-retry1-tar",
      "round-0-retry2-ours",
      "round-0-retry2-tar",
      "round-0-tar",
    ]);
    assert.equal(
      await Deno.readTextFile(join(work, "extract/round-0-retry2-ours/lib/os.py")),
      "import sys\n",
    );
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("once the retries are spent, a disturbed measurement is kept", async () => {
  const m = new Measurer(hooks(() => true), { retries: 2 });
  const attempts: number[] = [];
  const first = await m.measure("a", (a) => Promise.resolve(attempts.push(a.number)));
  assert.equal(first, 3);
  assert.deepEqual(attempts, [0, 1, 2]);
  // No retries left: the next disturbed one is kept at once.
  await m.measure("b", (a) => Promise.resolve(attempts.push(a.number)));
  assert.deepEqual(attempts, [0, 1, 2, 0]);
  assert.equal(m.discarded, 2);
  assert.deepEqual(m.background.map((b) => b.section), ["a", "b"]);
});

Deno.test("an undisturbed measurement runs once, under its own name", async () => {
  const m = new Measurer(hooks(() => false), { retries: 5 });
  const names: string[] = [];
  await m.measure("quiet", (a) => Promise.resolve(names.push(a.fresh("cold-3"))));
  assert.deepEqual(names, ["cold-3"]);
  assert.equal(m.discarded, 0);
});
