import assert from "node:assert/strict";
import { type AppFiles, chooseManager, type PyprojectTables } from "./choose.ts";
import { BuildpackError } from "../../errors.ts";

const TABLES: PyprojectTables = {
  project: true,
  buildSystem: false,
  toolPoetry: false,
  toolUv: false,
};

function app(files: string[], pyproject?: Partial<PyprojectTables>): AppFiles {
  return {
    present: new Set(files),
    pyproject: pyproject || files.includes("pyproject.toml")
      ? { ...TABLES, ...pyproject }
      : undefined,
  };
}

function fails(files: AppFiles, pattern: RegExp): void {
  assert.throws(() => chooseManager(files), (e: unknown) => {
    assert.ok(e instanceof BuildpackError);
    assert.match(e.message, pattern);
    return true;
  });
}

Deno.test("requirements.txt decides, and names every lock file it ignores", () => {
  const choice = chooseManager(
    app(["requirements.txt", "uv.lock", "Pipfile.lock", "pyproject.toml"]),
  );
  assert.equal(choice.manager, "requirements");
  assert.equal(choice.decidedBy, "requirements.txt");
  assert.equal(choice.warnings.length, 2);
  assert.match(choice.warnings[0], /^uv\.lock is ignored: requirements\.txt decides/);
  assert.match(choice.warnings[1], /^Pipfile\.lock is ignored/);
});

Deno.test("exactly one lock file decides", () => {
  assert.equal(chooseManager(app(["uv.lock", "pyproject.toml"])).manager, "uv");
  assert.equal(chooseManager(app(["poetry.lock", "pyproject.toml"])).manager, "poetry");
  assert.equal(chooseManager(app(["Pipfile.lock", "Pipfile"])).manager, "pipfile");
  assert.equal(chooseManager(app(["Pipfile"])).decidedBy, "Pipfile");
  assert.equal(chooseManager(app(["Pipfile", "setup.py"])).decidedBy, "setup.py");
  assert.equal(
    chooseManager(app(["Pipfile", "pyproject.toml"], { project: false })).decidedBy,
    "Pipfile",
  );
  assert.equal(chooseManager(app(["Pipfile.lock", "setup.py"])).decidedBy, "Pipfile.lock");
});

Deno.test("two lock files are an error naming both and the fix", () => {
  fails(
    app(["uv.lock", "poetry.lock", "pyproject.toml"]),
    /the app has uv\.lock, poetry\.lock, and each[\s\S]*delete the others/,
  );
  fails(app(["poetry.lock", "Pipfile.lock", "pyproject.toml"]), /poetry\.lock, Pipfile\.lock/);
});

Deno.test("a uv or Poetry lock needs pyproject.toml", () => {
  fails(app(["uv.lock"]), /has uv\.lock but no pyproject\.toml/);
  fails(app(["poetry.lock", "setup.py"]), /has poetry\.lock but no pyproject\.toml/);
});

Deno.test("a uv or Poetry project without its lock says which command makes it", () => {
  fails(app(["pyproject.toml"], { toolPoetry: true }), /\[tool\.poetry\][\s\S]*`poetry lock`/);
  fails(app(["pyproject.toml", "setup.py"], { toolUv: true }), /no uv\.lock[\s\S]*`uv lock`/);
});

Deno.test("setup.py or an installable pyproject.toml is installed as a project", () => {
  assert.deepEqual(chooseManager(app(["setup.py"])), {
    manager: "project",
    decidedBy: "setup.py",
    warnings: [],
  });
  assert.equal(chooseManager(app(["pyproject.toml"])).decidedBy, "pyproject.toml");
  assert.equal(
    chooseManager(app(["pyproject.toml"], { project: false, buildSystem: true })).manager,
    "project",
  );
  // A tool-config-only pyproject.toml next to setup.py is fine: setup.py installs.
  assert.equal(
    chooseManager(app(["pyproject.toml", "setup.py"], { project: false })).decidedBy,
    "setup.py",
  );
});

Deno.test("a pyproject.toml without [project] or [build-system] is an error saying what is missing", () => {
  fails(
    app(["pyproject.toml"], { project: false, buildSystem: false }),
    /neither a \[project\] table nor a\s+\[build-system\] table/,
  );
});

Deno.test("no files: nothing to install", () => {
  assert.equal(chooseManager(app([])).manager, "none");
});
