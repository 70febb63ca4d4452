import assert from "node:assert/strict";
import { stagingOutputs } from "./staging_result.ts";
import { toProcessResult } from "./process_types.ts";

Deno.test("stagingOutputs: last buildpack names the droplet, web is the start command", () => {
  const processes = toProcessResult([
    { type: "web", command: "gunicorn app:app" },
    { type: "worker", command: "celery" },
  ]);
  const { stagingInfo, result } = stagingOutputs(processes, [
    { key: "s", name: "supplier", version: "1" },
    { key: "f", name: "python" },
  ]);
  assert.deepEqual(stagingInfo, {
    detected_buildpack: "python",
    start_command: "gunicorn app:app",
  });
  assert.deepEqual(result.lifecycle_metadata, {
    buildpack_key: "f",
    detected_buildpack: "python",
    buildpacks: [{ key: "s", name: "supplier", version: "1" }, { key: "f", name: "python" }],
  });
  assert.deepEqual(result.process_types, { web: "gunicorn app:app", worker: "celery" });
  assert.equal(result.sidecars, null);
  assert.equal(result.lifecycle_type, "buildpack");
});

Deno.test("stagingOutputs: -c replaces only staging_info's command; no web gives ''", () => {
  const web = toProcessResult([{ type: "web", command: "a" }]);
  const { stagingInfo, result } = stagingOutputs(web, [{ key: "k", name: "" }], {
    startCommand: "b",
  });
  assert.equal(stagingInfo.start_command, "b");
  assert.equal(result.process_types.web, "a");
  const none = stagingOutputs(toProcessResult([]), [{ key: "k", name: "" }]);
  assert.deepEqual(none.stagingInfo, { detected_buildpack: "", start_command: "" });
  assert.equal(none.result.processes, null);
});
