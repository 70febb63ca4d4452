import assert from "node:assert/strict";
import { poetryConstraintAllows } from "./poetry_constraint.ts";

Deno.test("poetryConstraintAllows: caret, tilde, wildcard, ranges, alternatives", () => {
  assert.ok(poetryConstraintAllows("^3.11", "3.13.1"));
  assert.ok(!poetryConstraintAllows("^3.11", "4.0.0"));
  assert.ok(!poetryConstraintAllows("^3.11", "3.10.9"));
  assert.ok(poetryConstraintAllows("^0.2.3", "0.2.9"));
  assert.ok(!poetryConstraintAllows("^0.2.3", "0.3.0"));
  assert.ok(poetryConstraintAllows("~3.11", "3.11.7"));
  assert.ok(!poetryConstraintAllows("~3.11", "3.12.0"));
  assert.ok(poetryConstraintAllows("4.2.*", "4.2.16"));
  assert.ok(poetryConstraintAllows(">=3.8,<3.12", "3.11.7"));
  assert.ok(!poetryConstraintAllows(">= 3.8 < 3.11", "3.11.7"));
  assert.ok(poetryConstraintAllows("<3.0 || >=3.11", "3.11.7"));
  assert.ok(poetryConstraintAllows("*", "1.0"));
  assert.ok(poetryConstraintAllows("2.2.6", "2.2.6"));
  assert.ok(!poetryConstraintAllows("2.2.6", "2.3.5"));
});
