import assert from "node:assert/strict";
import { pythonConstraint, setsPython, versionFileWarnings } from "./environment_file.ts";

Deno.test("pythonConstraint reads conda match specs", () => {
  assert.equal(pythonConstraint("python=3.11"), "=3.11");
  assert.equal(pythonConstraint("python==3.11.5"), "==3.11.5");
  assert.equal(pythonConstraint("python >=3.10,<3.13"), ">=3.10,<3.13");
  assert.equal(pythonConstraint("conda-forge::python=3.12"), "=3.12");
  assert.equal(pythonConstraint("Python 3.11.*"), "3.11.*");
  assert.equal(pythonConstraint("python[version='>=3.10']"), "[version='>=3.10']");
  assert.equal(pythonConstraint("python"), undefined);
  assert.equal(pythonConstraint("python-dateutil=2.9"), undefined);
  assert.equal(pythonConstraint("ipython=8"), undefined);
  assert.equal(pythonConstraint("pip"), undefined);
});

Deno.test("setsPython looks at dependencies only", () => {
  assert.equal(setsPython("dependencies:\n  - python=3.11\n  - pip\n"), true);
  assert.equal(setsPython("dependencies:\n  - python\n  - pip:\n    - flask\n"), false);
  assert.equal(setsPython("name: python=3.11\ndependencies: [numpy]\n"), false);
  assert.equal(setsPython("dependencies:\n  - pip:\n    - python=3\n"), false);
  assert.equal(setsPython(""), false);
  // Not YAML: the official buildpack's substring test.
  assert.equal(setsPython("dependencies: [python=3.11\n  : :"), true);
  assert.equal(setsPython("dependencies: [numpy\n  : :"), false);
});

Deno.test("versionFileWarnings: CF's text when both set python, else the file is ignored", () => {
  const pinned = "dependencies:\n  - python=3.11\n";
  assert.deepEqual(versionFileWarnings(["runtime.txt"], pinned), [
    "you have specified the version of Python runtime both in 'runtime.txt' and 'environment.yml'. You should remove one of the two versions",
  ]);
  assert.deepEqual(versionFileWarnings([], pinned), []);
  const [w] = versionFileWarnings([".python-version"], "dependencies: [pip]\n");
  assert.match(w, /^\.python-version is ignored: the app has an environment\.yml/);
  assert.match(w, /python=3\.11/);
});
