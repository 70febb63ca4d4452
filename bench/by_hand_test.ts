import assert from "node:assert/strict";
import { tailAfterLine } from "./by_hand.ts";

Deno.test("tailAfterLine: from the first matching line's arrival to the exit", () => {
  const run = {
    ms: 1500,
    code: 0,
    stderr: "",
    lines: [
      { at: 300, text: "Collecting flask" },
      { at: 1420, text: "Successfully installed flask-3.1.3" },
      { at: 1430, text: "Successfully installed (a second line is not the first)" },
    ],
  };
  assert.equal(tailAfterLine(run, "Successfully installed"), 80);
  assert.equal(tailAfterLine(run, "ERROR"), undefined);
});
