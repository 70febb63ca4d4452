import assert from "node:assert/strict";
import {
  isKeptDistInfo,
  keptSitePackages,
  type PrefixLayout,
  recordTopLevel,
  selectPath,
} from "./select_files.ts";

const layout: PrefixLayout = {
  minor: "3.11",
  stdlib: "lib/python3.11",
  sitePackages: "lib/python3.11/site-packages",
  keepSitePackages: new Set([
    "pip",
    "pip-23.2.1.dist-info",
    "setuptools",
    "setuptools-65.5.0.dist-info",
    "pkg_resources",
    "_distutils_hack",
    "distutils-precedence.pth",
  ]),
};

const keep = (rel: string, kind: "file" | "dir" | "symlink" = "file") =>
  selectPath(rel, { kind, layout }).keep;

Deno.test("selectPath keeps the runtime", () => {
  for (const rel of ["bin", "lib", "include"]) assert.ok(keep(rel, "dir"), rel);
  for (
    const rel of [
      "bin/python3.11",
      "bin/python3.11-config",
      "include/python3.11/Python.h",
      "lib/libpython3.11.so.1.0",
      "lib/libpython3.so",
      "lib/pkgconfig/python-3.11.pc",
      "lib/python3.11/os.py",
      "lib/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so",
      "lib/python3.11/config-3.11-x86_64-linux-gnu/Makefile",
      "lib/python3.11/json/__init__.py",
      "lib/python3.11/unittest/mock.py",
      "lib/python3.11/ctypes/util.py",
      "lib/python3.11/site-packages/pip/__init__.py",
      "lib/python3.11/site-packages/pip/_vendor/colorama/tests/__init__.py",
      "lib/python3.11/site-packages/setuptools-65.5.0.dist-info/RECORD",
      "lib/python3.11/site-packages/distutils-precedence.pth",
    ]
  ) assert.ok(keep(rel), rel);
  for (
    const rel of ["bin/python", "bin/python3", "bin/pip", "bin/pip3", "bin/pip3.11", "bin/idle3"]
  ) {
    assert.ok(keep(rel, "symlink"), rel);
  }
  for (const rel of ["bin/pydoc3.11", "bin/2to3-3.11", "bin/python3.13t"]) {
    assert.ok(keep(rel), rel);
  }
});

Deno.test("selectPath drops tests, static libraries, other packages, stale bytecode", () => {
  for (
    const [rel, kind] of [
      ["share", "dir"],
      ["share/man/man1/python3.11.1", "file"],
      ["lib/python3.11/test", "dir"],
      ["lib/python3.11/test/test_os.py", "file"],
      ["lib/python3.11/idlelib/idle_test", "dir"],
      ["lib/python3.11/lib2to3/tests", "dir"],
      ["lib/python3.11/tkinter/test", "dir"],
      ["lib/python3.11/ctypes/test", "dir"],
      ["lib/python3.11/unittest/test", "dir"],
      ["lib/python3.11/distutils/tests", "dir"],
      ["lib/python3.11/sqlite3/test", "dir"],
      ["lib/libpython3.11.a", "file"],
      ["lib/python3.11/config-3.11-x86_64-linux-gnu/libpython3.11.a", "file"],
      ["lib/python3.11/site-packages/numpy", "dir"],
      ["lib/python3.11/site-packages/numpy-1.26.dist-info", "dir"],
      ["lib/python3.11/site-packages/six.py", "file"],
      ["lib/python3.11/__pycache__", "dir"],
      ["lib/python3.11/os.pyc", "file"],
      ["bin/__pycache__", "dir"],
      ["bin/flask", "file"],
      ["bin/aws", "file"],
      ["bin/python3.11-gdb.py", "file"],
      ["bin/pip-3.11", "file"],
    ] as const
  ) assert.equal(keep(rel, kind), false, rel);
  assert.equal(selectPath("lib/python3.11/test", { kind: "dir", layout }).reason, "test suite");
});

Deno.test("selectPath: test-like names that are not the stdlib's test suites stay", () => {
  assert.ok(keep("lib/python3.11/testing.py"));
  assert.ok(keep("lib/python3.11/unittest/__init__.py"));
  assert.ok(keep("lib/python3.11/tests_helper", "dir"));
  assert.ok(keep("lib/python3.11/idlelib/idle.py"));
});

Deno.test("recordTopLevel reads the first path component of each RECORD row", () => {
  const record = [
    "../../../bin/pip,sha256=abc,248",
    "pip/__init__.py,sha256=def,357",
    "pip/_internal/main.py,,",
    "pip-23.2.1.dist-info/RECORD,,",
    '"weird,name/x.py",sha256=1,2',
    "_distutils_hack/__init__.py,sha256=2,3",
    "distutils-precedence.pth,sha256=3,152",
    "",
  ].join("\r\n");
  assert.deepEqual(recordTopLevel(record), [
    "_distutils_hack",
    "distutils-precedence.pth",
    "pip",
    "pip-23.2.1.dist-info",
    "weird,name",
  ]);
});

Deno.test("isKeptDistInfo matches pip and setuptools only", () => {
  assert.ok(isKeptDistInfo("pip-23.2.1.dist-info"));
  assert.ok(isKeptDistInfo("setuptools-65.5.0.dist-info"));
  assert.equal(isKeptDistInfo("pipx-1.0.dist-info"), false);
  assert.equal(isKeptDistInfo("wheel-0.42.0.dist-info"), false);
  assert.equal(isKeptDistInfo("pip"), false);
});

Deno.test("keptSitePackages unions the RECORDs, with a fallback when one is missing", () => {
  const entries = [
    "README.txt",
    "numpy",
    "numpy-1.26.4.dist-info",
    "pip",
    "pip-23.2.1.dist-info",
    "pkg_resources",
    "setuptools",
    "setuptools-65.5.0.dist-info",
  ];
  const kept = keptSitePackages(
    entries,
    (d) => (d.startsWith("pip-") ? "pip/__init__.py,,\n../../../bin/pip,,\n" : undefined),
  );
  assert.deepEqual([...kept].sort(), [
    "README.txt",
    "_distutils_hack",
    "distutils-precedence.pth",
    "pip",
    "pip-23.2.1.dist-info",
    "pkg_resources",
    "setuptools",
    "setuptools-65.5.0.dist-info",
  ]);
  assert.deepEqual([...keptSitePackages(["numpy", "README.txt"], () => "")], ["README.txt"]);
});
