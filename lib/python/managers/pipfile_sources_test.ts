import assert from "node:assert/strict";
import { expandEnv, LockProblem } from "./pipfile_sources.ts";

Deno.test("expandEnv expands ${VAR} and $VAR", () => {
  assert.equal(expandEnv("https://${A}@h/$B/x", { A: "1", B: "2" }), "https://1@h/2/x");
});

Deno.test("expandEnv names an unset variable", () => {
  assert.throws(
    () => expandEnv("https://${TOKEN}@h/simple", {}),
    (e) => e instanceof LockProblem && /\$\{TOKEN\}, which is not set/.test(e.message),
  );
});
