import assert from "node:assert/strict";
import { parseToml, pyprojectTables, requiresPython } from "./pyproject.ts";

Deno.test("parseToml names the file and the line of a syntax error", () => {
  assert.throws(
    () =>
      parseToml(
        '[project]\nname = "x"\ndependencies = [\n  "flask",\n  oops\n]\n',
        "pyproject.toml",
      ),
    /Could not read pyproject\.toml: it is not valid TOML \(line 5, column \d+: /,
  );
});

Deno.test("parseToml ignores a UTF-8 BOM", () => {
  assert.equal(parseToml("\uFEFFa = 1\n", "x.toml").a, 1);
});

Deno.test("pyprojectTables sees [project], [build-system], [tool.poetry] and [tool.uv]", () => {
  assert.deepEqual(
    pyprojectTables(parseToml('[project]\nname="a"\n[tool.uv]\npackage = false\n', "p")),
    { project: true, buildSystem: false, toolPoetry: false, toolUv: true },
  );
  assert.deepEqual(
    pyprojectTables(
      parseToml('[build-system]\nrequires=["poetry-core"]\n[tool.poetry]\nname="a"\n', "p"),
    ),
    { project: false, buildSystem: true, toolPoetry: true, toolUv: false },
  );
  assert.deepEqual(pyprojectTables(parseToml("[tool.black]\nline-length = 100\n", "p")), {
    project: false,
    buildSystem: false,
    toolPoetry: false,
    toolUv: false,
  });
});

Deno.test("requiresPython reads [project] requires-python", () => {
  assert.equal(
    requiresPython(parseToml('[project]\nrequires-python = " >=3.11 "\n', "p")),
    ">=3.11",
  );
  assert.equal(requiresPython(parseToml('[project]\nname = "x"\n', "p")), undefined);
  assert.equal(requiresPython(parseToml('requires-python = ">=3"\n', "p")), undefined);
});
