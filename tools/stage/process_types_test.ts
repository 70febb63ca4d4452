import assert from "node:assert/strict";
import {
  mergeProcesses,
  parseLaunchYml,
  parseProcfile,
  parseRelease,
  processesFromMap,
  toProcessResult,
} from "./process_types.ts";

Deno.test("parseRelease reads only default_process_types", () => {
  assert.deepEqual(
    parseRelease("---\naddons: []\nconfig_vars: {A: b}\ndefault_process_types:\n  web: run it\n"),
    { web: "run it" },
  );
  assert.deepEqual(parseRelease(""), {});
  assert.deepEqual(parseRelease("---\nfoo: 1\n"), {});
  assert.throws(() => parseRelease("default_process_types: [a"));
  assert.throws(() => parseRelease("- a list"));
  assert.throws(() => parseRelease("default_process_types: [web]"));
});

Deno.test("parseProcfile: YAML map, scalars as strings, errors as 'invalid YAML'", () => {
  assert.deepEqual(parseProcfile("web: gunicorn app:app --bind 0.0.0.0:$PORT\nworker: celery\n"), {
    web: "gunicorn app:app --bind 0.0.0.0:$PORT",
    worker: "celery",
  });
  assert.deepEqual(parseProcfile(""), {});
  assert.deepEqual(parseProcfile("web: 42"), { web: "42" });
  assert.throws(() => parseProcfile("web: [unclosed"), /invalid YAML/);
  assert.throws(() => parseProcfile("just a string"), /invalid YAML/);
});

Deno.test("parseLaunchYml reads processes and sidecars", () => {
  const text = `processes:
- type: web
  command: python app.py
- type: proxy
  command: ./proxy
  platforms:
    cloudfoundry:
      sidecar_for: [web]
`;
  assert.deepEqual(parseLaunchYml(text), [
    { type: "web", command: "python app.py" },
    { type: "proxy", command: "./proxy", sidecarFor: ["web"] },
  ]);
  assert.deepEqual(parseLaunchYml(""), []);
  assert.throws(() => parseLaunchYml("processes: {a: b}"));
});

Deno.test("mergeProcesses: later wins per type, order kept; toProcessResult splits sidecars", () => {
  const merged = mergeProcesses(
    mergeProcesses(
      [{ type: "web", command: "a" }, { type: "worker", command: "w" }],
      [{ type: "side", command: "s", sidecarFor: ["web"] }],
    ),
    processesFromMap({ web: "b", clock: "c" }),
  );
  assert.deepEqual(merged.map((p) => `${p.type}=${p.command}`), [
    "web=b",
    "worker=w",
    "side=s",
    "clock=c",
  ]);
  const result = toProcessResult(merged);
  assert.deepEqual(Object.keys(result.processTypes), ["clock", "web", "worker"]);
  assert.equal(result.processTypes.web, "b");
  assert.deepEqual(result.sidecars, [{ name: "side", process_types: ["web"], command: "s" }]);
  assert.equal(result.processes.length, 3);
});
