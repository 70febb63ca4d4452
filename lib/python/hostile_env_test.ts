import assert from "node:assert/strict";
import {
  ignoredVariables,
  ignoredVariablesMessage,
  isIgnoredVariable,
  withoutIgnoredVariables,
} from "./hostile_env.ts";

Deno.test("PIP_* that change where packages land are ignored", () => {
  for (const name of ["PIP_TARGET", "PIP_PREFIX", "PIP_ROOT", "PIP_USER", "PIP_SRC"]) {
    assert.equal(isIgnoredVariable(name, "/tmp/x"), true, name);
  }
});

Deno.test("PIP_* that make pip serve another interpreter or refuse are ignored", () => {
  for (const name of ["PIP_PYTHON", "PIP_REQUIRE_VIRTUALENV", "PIP_ISOLATED"]) {
    assert.equal(isIgnoredVariable(name, "1"), true, name);
  }
});

Deno.test("PIP_* that change what is installed are ignored", () => {
  for (
    const name of [
      "PIP_REQUIREMENT",
      "PIP_EDITABLE",
      "PIP_GROUP",
      "PIP_NO_DEPS",
      "PIP_DRY_RUN",
      "PIP_PLATFORM",
      "PIP_PYTHON_VERSION",
      "PIP_IMPLEMENTATION",
      "PIP_ABI",
    ]
  ) {
    assert.equal(isIgnoredVariable(name, "1"), true, name);
  }
});

Deno.test("PIP_* that only tune index, cert, proxy, timeout and cache are kept", () => {
  for (
    const name of [
      "PIP_INDEX_URL",
      "PIP_EXTRA_INDEX_URL",
      "PIP_FIND_LINKS",
      "PIP_TRUSTED_HOST",
      "PIP_CERT",
      "PIP_CLIENT_CERT",
      "PIP_PROXY",
      "PIP_DEFAULT_TIMEOUT",
      "PIP_TIMEOUT",
      "PIP_RETRIES",
      "PIP_CACHE_DIR",
      "PIP_NO_CACHE_DIR",
      "PIP_CONSTRAINT",
      "PIP_ONLY_BINARY",
      "PIP_PREFER_BINARY",
      "PIP_NO_BUILD_ISOLATION",
      "PIP_VERBOSE",
      "PIP_KEYRING_PROVIDER",
    ]
  ) {
    assert.equal(isIgnoredVariable(name, "x"), false, name);
  }
});

Deno.test("PYTHON* that change where the interpreter looks are ignored", () => {
  for (
    const name of [
      "PYTHONHOME",
      "PYTHONPATH",
      "PYTHONPLATLIBDIR",
      "PYTHONUSERBASE",
      "PYTHONPYCACHEPREFIX",
      "PYTHONSAFEPATH",
      "PYTHONEXECUTABLE",
    ]
  ) {
    assert.equal(isIgnoredVariable(name, "/invalid"), true, name);
  }
});

Deno.test("PYTHON* that change how the interpreter runs are ignored, new ones too", () => {
  for (
    const name of [
      "PYTHONINSPECT",
      "PYTHONSTARTUP",
      "PYTHONOPTIMIZE",
      "PYTHONWARNINGS",
      "PYTHONMALLOC",
      "PYTHONIOENCODING",
      "PYTHONVERBOSE",
      "PYTHONDEVMODE",
      "PYTHONPROFILEIMPORTTIME",
      "PYTHON_GIL",
      "PYTHON_SOMETHING_NEW",
    ]
  ) {
    assert.equal(isIgnoredVariable(name, "1"), true, name);
  }
});

Deno.test("harmless PYTHON* are kept, unless their value would abort CPython", () => {
  assert.equal(isIgnoredVariable("PYTHONUNBUFFERED", "1"), false);
  assert.equal(isIgnoredVariable("PYTHONDONTWRITEBYTECODE", "1"), false);
  assert.equal(isIgnoredVariable("PYTHONFAULTHANDLER", "1"), false);
  assert.equal(isIgnoredVariable("PYTHONHASHSEED", "random"), false);
  assert.equal(isIgnoredVariable("PYTHONHASHSEED", "4294967295"), false);
  assert.equal(isIgnoredVariable("PYTHONHASHSEED", "4294967296"), true);
  assert.equal(isIgnoredVariable("PYTHONHASHSEED", "nope"), true);
  assert.equal(isIgnoredVariable("PYTHONUTF8", "1"), false);
  assert.equal(isIgnoredVariable("PYTHONUTF8", "yes"), true);
});

Deno.test("cross-build hooks and VIRTUAL_ENV are ignored; unrelated names are not", () => {
  assert.equal(isIgnoredVariable("_PYTHON_HOST_PLATFORM", "linux-arm"), true);
  assert.equal(isIgnoredVariable("_PYTHON_SYSCONFIGDATA_NAME", "x"), true);
  assert.equal(isIgnoredVariable("VIRTUAL_ENV", "/venv"), true);
  for (const name of ["PATH", "HOME", "LD_LIBRARY_PATH", "PIPENV_VENV_IN_PROJECT", "PYTHON"]) {
    assert.equal(isIgnoredVariable(name, "x"), name === "PYTHON", name);
  }
});

Deno.test("ignoredVariables lists the names sorted; withoutIgnoredVariables drops them", () => {
  const env = {
    PATH: "/usr/bin",
    PYTHONPATH: "/invalid",
    PIP_TARGET: "/tmp/x",
    PIP_INDEX_URL: "https://i/simple",
    PYTHONINSPECT: "",
    PYTHONNOUSERSITE: "0",
  };
  assert.deepEqual(ignoredVariables(env), ["PIP_TARGET", "PYTHONINSPECT", "PYTHONPATH"]);
  assert.deepEqual(withoutIgnoredVariables(env), {
    PATH: "/usr/bin",
    PIP_INDEX_URL: "https://i/simple",
    PYTHONNOUSERSITE: "1",
  });
  assert.deepEqual(ignoredVariables({ PATH: "/bin" }), []);
});

Deno.test("ignoredVariablesMessage names every variable once, or is undefined", () => {
  assert.equal(ignoredVariablesMessage([]), undefined);
  assert.equal(
    ignoredVariablesMessage(["PIP_TARGET", "PYTHONPATH"]),
    "Ignoring PIP_TARGET, PYTHONPATH for the buildpack's Python processes " +
      "(they would redirect or break the install; the app still sees them at runtime)",
  );
  assert.match(ignoredVariablesMessage(["PIP_USER"])!, /\(it would/);
});
