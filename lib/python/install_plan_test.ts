import assert from "node:assert/strict";
import {
  describeChanges,
  fingerprint,
  inputDigests,
  type InstallPlan,
  pipSettings,
} from "./install_plan.ts";

const plan = (text: string): InstallPlan => ({
  kind: "requirements",
  targets: ["-r", "requirements.txt"],
  source: "requirements.txt",
  inputs: [{ path: "requirements.txt", text }],
  localPaths: [],
  hasRequirements: true,
});

Deno.test("fingerprint changes with requirements, runtime and pip settings only", () => {
  const base = fingerprint(plan("flask\n"), { runtimeSha256: "a", env: { HOME: "/x" } });
  assert.equal(base, fingerprint(plan("flask\n"), { runtimeSha256: "a", env: { HOME: "/y" } }));
  assert.notEqual(base, fingerprint(plan("flask\nsix\n"), { runtimeSha256: "a", env: {} }));
  assert.notEqual(base, fingerprint(plan("flask\n"), { runtimeSha256: "b", env: {} }));
  assert.notEqual(
    base,
    fingerprint(plan("flask\n"), { runtimeSha256: "a", env: { PIP_INDEX_URL: "u" } }),
  );
});

Deno.test("pipSettings keeps PIP_* and BP_PIP_VERSION, sorted", () => {
  assert.deepEqual(
    pipSettings({ PIP_B: "2", PATH: "/bin", PIP_A: "1", BP_PIP_VERSION: "latest" }),
    [
      ["BP_PIP_VERSION", "latest"],
      ["PIP_A", "1"],
      ["PIP_B", "2"],
    ],
  );
});

Deno.test("describeChanges names files and settings, never values", () => {
  const before = inputDigests(plan("flask\n"), { PIP_INDEX_URL: "https://u:secret@x/simple" });
  const after = inputDigests(plan("flask\nsix\n"), { PIP_EXTRA_INDEX_URL: "https://y" });
  const words = describeChanges(before, after);
  assert.deepEqual(words.sort(), [
    "PIP_EXTRA_INDEX_URL set",
    "PIP_INDEX_URL unset",
    "requirements.txt changed",
  ]);
  assert.ok(!words.join(" ").includes("secret"));
  assert.deepEqual(describeChanges(undefined, after), []);
});
