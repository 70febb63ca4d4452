import assert from "node:assert/strict";
import { parseSourceDateEpoch, sourceDate } from "./source_date.ts";

Deno.test("SOURCE_DATE_EPOCH is whole seconds", () => {
  assert.equal(parseSourceDateEpoch(" 1700000000\n"), 1700000000);
  assert.throws(() => parseSourceDateEpoch("2024-01-01"), /SOURCE_DATE_EPOCH is "2024-01-01"/);
  assert.throws(() => parseSourceDateEpoch("-5"), /expected whole seconds/);
});

Deno.test("sourceDate prefers the environment", async () => {
  assert.deepEqual(await sourceDate("/nonexistent", { SOURCE_DATE_EPOCH: "42" }), {
    epoch: 42,
    from: "SOURCE_DATE_EPOCH",
  });
});

Deno.test("sourceDate outside a git checkout says how to set the date", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      () => sourceDate(dir, {}),
      /SOURCE_DATE_EPOCH is not set and .* (has no git commit|git is not installed)[\s\S]*Set SOURCE_DATE_EPOCH/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
