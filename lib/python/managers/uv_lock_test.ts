import assert from "node:assert/strict";
import { parse } from "smol-toml";
import { BuildpackError } from "../../errors.ts";
import { readUvLock, uvLockRequiresPython } from "./uv_lock.ts";
import type { LockedInstall } from "./locked.ts";

// Locks written in uv 0.9's format (crates/uv-resolver/src/lock/), with real
// names, versions and sha256 hashes from the machine's PyPI mirror.
const PYPI = "https://pypi.org/simple";
const H = {
  blinker: "sha256:ba0efaa9080b619ff2f3459d1d500c57bddea4a6b424b60a91141db6fd2f08bc",
  click: "sha256:255bc9599cf7748b4b1a446ccc735421bd08a2ae529a8b88597d3de5664ee360",
  colorama: "sha256:4f1d9991f5acc0ca119f9d443620b77f9d6b33703e51011c16baf57afb285fc6",
  flask: "sha256:f4bcbefc124291925f1a26446da31a5178f9483862233b23c0c96a20701f670c",
  iniconfig: "sha256:f631c04d2c48c52b84d0d0549c99ff3859c98df65b3101406327ecc7d53fbf12",
  itsdangerous: "sha256:c6242fc49e35958c8b15141343aa660db5fc54d4f13a1db01a3f5891b98700ef",
  jinja2: "sha256:85ece4451f492d0c13c5dd7c13a64681a86afae63a5f347908daf103ce6d2f67",
  markupsafe: "sha256:0bf2a864d67e76e5c9a34dc26ec616a66b9888e25e7b9460e1c76d3293bd9dbf",
  packaging: "sha256:d7193f7c8e4e93f444fde0262bf90af30e16fa0ad0ad44cb553c87339b23cd1c",
  pluggy: "sha256:e920276dd6813095e9377c0bc5566d94c932c33b27a3e3945d8389c374dd4746",
  pytest: "sha256:872f880de3fc3a5bdc88a11b39c9710c3497a547cfa9320bc3c5e62fbf272e79",
  dotenv: "sha256:42269a8a5b3fd54ffa6f3d84b18abed50064717576b4ecf03dc4a55d8aa04fdc",
  requests: "sha256:2a0d60c172f83ac6ab31e4554906c0f3b3588d37b5cb939b1c061f4907e278e0",
  idna: "sha256:ab7ae7122974553370f0bdb919e1a960b2cd1bc1ef0276416d896db81c14582c",
  certifi: "sha256:62f22742b58a1a33014a2b6b706588a8d7e2a88ae7bd1a6ebe8c992928483775",
  urllib3: "sha256:0cf3cae568d36aa9576b28dfb35f11328f1cb974ca7647d9475ebb86c75ac6e3",
  charset: "sha256:211d5a3eb6af8f513b8d4ca19a8c1b7accab1b5f0d3175f9826b03c1a920dc1f",
  pysocks: "sha256:2725bd0a9925919b9b51739eea5f9e2bae91e83288108a9ad338b2e3a4435ee5",
  werkzeug: "sha256:6392e50c78460ba618e5b21f08a71f59c99ce99cdc6cf6e3dd7e6ccca8754fab",
  gunicorn: "sha256:bd249d0b3f7972f7432f0a6b6ff3b3ee2d129f70cd1ff6c09a9dd9e29a2b88e3",
  numpy226: "sha256:ba10f8411898fc418a521833e014a77d3ca01c15b0c6cdcce6a0d2897e6dbbdf",
  numpy235: "sha256:8cba086a43d54ca804ce711b2a940b16e452807acebe7852ff327f1ecd49b0d4",
  psycopg: "sha256:a1db9f7148b06a28606767efaca51fa6f9398c5c0a3810519be69d7000bdb631",
  attrs: "sha256:c647aa4a12dfbad9333ca4e71fe62ddc36f4e63b2d260a37a8b83d2f043ac309",
};

/** A registry [[package]] with one wheel, as uv writes it. */
function reg(name: string, version: string, hash: string, extra = ""): string {
  return `
[[package]]
name = "${name}"
version = "${version}"
source = { registry = "${PYPI}" }
${extra}wheels = [
    { url = "https://files.pythonhosted.org/packages/x/${name}-${version}-py3-none-any.whl", hash = "${hash}", size = 1000 },
]
`;
}

// A virtual project with a dev group, a win32-only dependency, an editable path
// package (which asks for requests[socks]) and flask's unrequested `dotenv` extra.
const VIRTUAL_PYPROJECT = `
[project]
name = "webapp"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = [
    "flask>=3",
    "colorama>=0.4; sys_platform == 'win32'",
    "greeting",
]

[dependency-groups]
dev = ["pytest>=8"]

[tool.uv.sources]
greeting = { path = "packages/greeting", editable = true }
`;

const VIRTUAL_LOCK = `version = 1
revision = 3
requires-python = ">=3.11"
` + reg("blinker", "1.9.0", H.blinker) + reg("certifi", "2026.7.22", H.certifi) +
  reg("charset-normalizer", "3.5.2", H.charset) +
  reg(
    "click",
    "8.5.0",
    H.click,
    `dependencies = [\n    { name = "colorama", marker = "sys_platform == 'win32'" },\n]\n`,
  ) + reg("colorama", "0.4.6", H.colorama) +
  `
[[package]]
name = "flask"
version = "3.1.3"
source = { registry = "${PYPI}" }
dependencies = [
    { name = "blinker" },
    { name = "click" },
    { name = "itsdangerous" },
    { name = "jinja2" },
    { name = "markupsafe" },
    { name = "werkzeug" },
]
sdist = { url = "https://files.pythonhosted.org/packages/x/flask-3.1.3.tar.gz", hash = "sha256:0000000000000000000000000000000000000000000000000000000000000001", size = 700000 }
wheels = [
    { url = "https://files.pythonhosted.org/packages/x/flask-3.1.3-py3-none-any.whl", hash = "${H.flask}", size = 103000 },
]

[package.optional-dependencies]
dotenv = [
    { name = "python-dotenv" },
]

[[package]]
name = "greeting"
version = "0.1.0"
source = { editable = "packages/greeting" }
dependencies = [
    { name = "requests", extra = ["socks"] },
]

[package.metadata]
requires-dist = [{ name = "requests", extras = ["socks"], specifier = ">=2.32" }]
` + reg("idna", "3.20", H.idna) + reg("iniconfig", "2.3.0", H.iniconfig) +
  reg("itsdangerous", "2.2.0", H.itsdangerous) +
  reg("jinja2", "3.1.6", H.jinja2, `dependencies = [\n    { name = "markupsafe" },\n]\n`) +
  reg("markupsafe", "3.0.3", H.markupsafe) + reg("packaging", "26.3", H.packaging) +
  reg("pluggy", "1.6.0", H.pluggy) + reg("pysocks", "1.7.1", H.pysocks) +
  reg(
    "pytest",
    "8.4.2",
    H.pytest,
    `dependencies = [
    { name = "colorama", marker = "sys_platform == 'win32'" },
    { name = "iniconfig" },
    { name = "packaging" },
    { name = "pluggy" },
]
`,
  ) + reg("python-dotenv", "1.2.4", H.dotenv) +
  `
[[package]]
name = "requests"
version = "2.34.2"
source = { registry = "${PYPI}" }
dependencies = [
    { name = "certifi" },
    { name = "charset-normalizer" },
    { name = "idna" },
    { name = "urllib3" },
]
wheels = [
    { url = "https://files.pythonhosted.org/packages/x/requests-2.34.2-py3-none-any.whl", hash = "${H.requests}", size = 64000 },
]

[package.optional-dependencies]
socks = [
    { name = "pysocks" },
]
` + reg("urllib3", "2.8.0", H.urllib3) +
  `
[[package]]
name = "webapp"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "colorama", marker = "sys_platform == 'win32'" },
    { name = "flask" },
    { name = "greeting" },
]

[package.dev-dependencies]
dev = [
    { name = "pytest" },
]

[package.metadata]
requires-dist = [
    { name = "colorama", marker = "sys_platform == 'win32'", specifier = ">=0.4" },
    { name = "flask", specifier = ">=3" },
    { name = "greeting", editable = "packages/greeting" },
]

[package.metadata.requires-dev]
dev = [{ name = "pytest", specifier = ">=8" }]
` + reg("werkzeug", "3.1.9", H.werkzeug, `dependencies = [\n    { name = "markupsafe" },\n]\n`);

function read(lock: string, pyproject: string, python = "3.11.7"): LockedInstall {
  return readUvLock(lock, { pyproject: parse(pyproject), pythonFullVersion: python });
}

function outOfSync(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof BuildpackError, String(e));
    return e.message;
  }
  assert.fail("expected a BuildpackError");
}

Deno.test("readUvLock: virtual project, no dev group, no win32 package, editable path, extras edge", () => {
  const r = read(VIRTUAL_LOCK, VIRTUAL_PYPROJECT);
  assert.deepEqual(r.distributions.map((d) => d.name), [
    "blinker",
    "certifi",
    "charset-normalizer",
    "click",
    "flask",
    "greeting",
    "idna",
    "itsdangerous",
    "jinja2",
    "markupsafe",
    "pysocks",
    "requests",
    "urllib3",
    "werkzeug",
  ]);
  const flask = r.distributions.find((d) => d.name === "flask")!;
  assert.deepEqual(flask, {
    name: "flask",
    version: "3.1.3",
    kind: "registry",
    requirement: "flask==3.1.3",
    hashes: ["sha256:0000000000000000000000000000000000000000000000000000000000000001", H.flask],
    index: PYPI,
  });
  assert.deepEqual(r.distributions.find((d) => d.name === "greeting"), {
    name: "greeting",
    version: "0.1.0",
    kind: "editable",
    requirement: "./packages/greeting",
    hashes: [],
  });
  assert.equal(r.project, undefined);
  assert.equal(r.lockFile, "uv.lock");
  assert.deepEqual(r.indexes, [{ url: PYPI }]);
  assert.ok(r.notes.some((n) => /virtual/.test(n)), r.notes.join("\n"));
});

Deno.test("readUvLock out of sync: changed specifier names both files and the difference", () => {
  const msg = outOfSync(() =>
    read(VIRTUAL_LOCK, VIRTUAL_PYPROJECT.replace('"flask>=3"', '"flask>=3.1"'))
  );
  const lines = msg.split("\n");
  assert.equal(
    lines[0],
    "The lockfile at `uv.lock` needs to be updated, but `--locked` was provided. To update the lockfile, run `uv lock`.",
  );
  assert.match(msg, /pyproject\.toml requires flask>=3\.1 but uv\.lock was made for flask>=3\b/);
  assert.match(msg, /`uv lock`/);
  assert.match(msg, /commit/);
});

Deno.test("readUvLock out of sync: added dependency, requires-python, changed group, dropped group", () => {
  assert.match(
    outOfSync(() =>
      read(
        VIRTUAL_LOCK,
        VIRTUAL_PYPROJECT.replace('"greeting",', '"greeting",\n    "gunicorn>=23",'),
      )
    ),
    /requires gunicorn>=23, which uv\.lock was not made with/,
  );
  assert.match(
    outOfSync(() => read(VIRTUAL_LOCK, VIRTUAL_PYPROJECT.replace('">=3.11"', '">=3.12"'))),
    /requires-python >=3\.12 but uv\.lock was made for >=3\.11/,
  );
  assert.match(
    outOfSync(() => read(VIRTUAL_LOCK, VIRTUAL_PYPROJECT.replace('"pytest>=8"', '"pytest>=9"'))),
    /dependency group dev: pyproject\.toml requires pytest>=9 but uv\.lock was made for pytest>=8/,
  );
  assert.match(
    outOfSync(() =>
      read(VIRTUAL_LOCK, VIRTUAL_PYPROJECT.replace('[dependency-groups]\ndev = ["pytest>=8"]', ""))
    ),
    /dependency group dev, which pyproject\.toml no longer has/,
  );
  assert.match(
    outOfSync(() =>
      read(
        VIRTUAL_LOCK,
        VIRTUAL_PYPROJECT.replace("sys_platform == 'win32'", "sys_platform == 'darwin'"),
      )
    ),
    /colorama/,
  );
});

Deno.test("readUvLock in sync when pyproject writes the same things differently", () => {
  const reordered = VIRTUAL_PYPROJECT
    .replace('"flask>=3"', '"Flask >= 3.0"')
    .replace(
      "\"colorama>=0.4; sys_platform == 'win32'\"",
      '"colorama>=0.4 ; \\"win32\\" == sys_platform"',
    );
  assert.equal(read(VIRTUAL_LOCK, reordered).distributions.length, 14);
});

Deno.test("readUvLock: Windows-only packages are installed on no target, dev tools never", () => {
  const r = read(VIRTUAL_LOCK, VIRTUAL_PYPROJECT, "3.13.1");
  assert.ok(!r.distributions.some((d) => ["colorama", "pytest", "python-dotenv"].includes(d.name)));
});

// A package project (`editable = "."`, console script) using every source
// kind, a named index, an extra of its own (not installed), and numpy locked
// twice under resolution-markers.
const PACKAGE_PYPROJECT = `
[project]
name = "Shop_Tool"
version = "1.2.0"
requires-python = ">=3.10"
dependencies = [
    "gunicorn>=23",
    "numpy>=1.26",
    "attrs",
    "shop-theme",
    "vendored-lib",
    "localdir",
    "remote-wheel",
]

[project.optional-dependencies]
pg = ["psycopg>=3.2"]

[project.scripts]
shop = "shop_tool.cli:main"

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[[tool.uv.index]]
name = "corp-internal"
url = "https://pkgs.example.com/simple/"

[tool.uv.sources]
gunicorn = { index = "corp-internal" }
attrs = { git = "https://github.com/python-attrs/attrs", tag = "26.1.0" }
shop-theme = { git = "https://github.com/example/monorepo", rev = "main", subdirectory = "theme" }
vendored-lib = { path = "dist/vendored_lib-1.0-py3-none-any.whl" }
localdir = { path = "libs/localdir" }
remote-wheel = { url = "https://example.com/wheels/remote_wheel-2.0-py3-none-any.whl" }
`;

const PACKAGE_LOCK = `version = 1
revision = 3
requires-python = ">=3.10"
resolution-markers = [
    "python_full_version >= '3.12'",
    "python_full_version < '3.12'",
]

[[package]]
name = "attrs"
version = "26.1.0"
source = { git = "https://github.com/python-attrs/attrs?tag=26.1.0#6f4d4a7e2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e" }

[[package]]
name = "gunicorn"
version = "26.2.0"
source = { registry = "https://pkgs.example.com/simple/" }
dependencies = [
    { name = "packaging" },
]
wheels = [
    { url = "https://pkgs.example.com/files/gunicorn-26.2.0-py3-none-any.whl", hash = "${H.gunicorn}", size = 85000 },
]

[[package]]
name = "localdir"
version = "0.3.0"
source = { directory = "libs/localdir" }

[[package]]
name = "numpy"
version = "2.2.6"
source = { registry = "${PYPI}" }
resolution-markers = [
    "python_full_version < '3.12'",
]
wheels = [
    { url = "https://files.pythonhosted.org/packages/x/numpy-2.2.6-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", hash = "${H.numpy226}", size = 16800000 },
]

[[package]]
name = "numpy"
version = "2.3.5"
source = { registry = "${PYPI}" }
resolution-markers = [
    "python_full_version >= '3.12'",
]
wheels = [
    { url = "https://files.pythonhosted.org/packages/x/numpy-2.3.5-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl", hash = "${H.numpy235}", size = 16900000 },
]
` + reg("packaging", "26.3", H.packaging) + reg("psycopg", "3.3.6", H.psycopg) + `
[[package]]
name = "remote-wheel"
version = "2.0"
source = { url = "https://example.com/wheels/remote_wheel-2.0-py3-none-any.whl" }
wheels = [
    { url = "https://example.com/wheels/remote_wheel-2.0-py3-none-any.whl", hash = "sha256:1111111111111111111111111111111111111111111111111111111111111111" },
]

[[package]]
name = "shop-theme"
version = "0.9.0"
source = { git = "https://github.com/example/monorepo?subdirectory=theme&rev=main#0123456789abcdef0123456789abcdef01234567" }

[[package]]
name = "shop-tool"
version = "1.2.0"
source = { editable = "." }
dependencies = [
    { name = "attrs" },
    { name = "gunicorn" },
    { name = "localdir" },
    { name = "numpy", version = "2.2.6", source = { registry = "${PYPI}" }, marker = "python_full_version < '3.12'" },
    { name = "numpy", version = "2.3.5", source = { registry = "${PYPI}" }, marker = "python_full_version >= '3.12'" },
    { name = "remote-wheel" },
    { name = "shop-theme" },
    { name = "vendored-lib" },
]

[package.optional-dependencies]
pg = [
    { name = "psycopg" },
]

[package.metadata]
requires-dist = [
    { name = "attrs", git = "https://github.com/python-attrs/attrs?tag=26.1.0" },
    { name = "gunicorn", specifier = ">=23", index = "https://pkgs.example.com/simple/" },
    { name = "localdir", directory = "libs/localdir" },
    { name = "numpy", specifier = ">=1.26" },
    { name = "psycopg", marker = "extra == 'pg'", specifier = ">=3.2" },
    { name = "remote-wheel", url = "https://example.com/wheels/remote_wheel-2.0-py3-none-any.whl" },
    { name = "shop-theme", git = "https://github.com/example/monorepo?subdirectory=theme&rev=main" },
    { name = "vendored-lib", path = "dist/vendored_lib-1.0-py3-none-any.whl" },
]
provides-extras = ["pg"]

[[package]]
name = "vendored-lib"
version = "1.0"
source = { path = "dist/vendored_lib-1.0-py3-none-any.whl" }
wheels = [
    { filename = "vendored_lib-1.0-py3-none-any.whl", hash = "sha256:2222222222222222222222222222222222222222222222222222222222222222" },
]
`;

Deno.test("readUvLock: package project, every source kind, named index, fork by Python", () => {
  const r = read(PACKAGE_LOCK, PACKAGE_PYPROJECT);
  assert.deepEqual(r.project, { editable: true });
  const by = Object.fromEntries(r.distributions.map((d) => [d.name, d]));
  assert.deepEqual(Object.keys(by), [
    "attrs",
    "gunicorn",
    "localdir",
    "numpy",
    "packaging",
    "remote-wheel",
    "shop-theme",
    "vendored-lib",
  ]);
  assert.equal(
    by.attrs.requirement,
    "attrs @ git+https://github.com/python-attrs/attrs@6f4d4a7e2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e",
  );
  assert.equal(by.attrs.kind, "git");
  assert.equal(
    by["shop-theme"].requirement,
    "shop-theme @ git+https://github.com/example/monorepo@0123456789abcdef0123456789abcdef01234567#subdirectory=theme",
  );
  assert.deepEqual(by.gunicorn.index, "https://pkgs.example.com/simple/");
  assert.equal(by.numpy.version, "2.2.6");
  assert.deepEqual(by.numpy.hashes, [H.numpy226]);
  assert.deepEqual(by["remote-wheel"], {
    name: "remote-wheel",
    version: "2.0",
    kind: "url",
    requirement: "remote-wheel @ https://example.com/wheels/remote_wheel-2.0-py3-none-any.whl",
    hashes: ["sha256:1111111111111111111111111111111111111111111111111111111111111111"],
  });
  assert.equal(by["vendored-lib"].kind, "path");
  assert.equal(by["vendored-lib"].requirement, "./dist/vendored_lib-1.0-py3-none-any.whl");
  assert.equal(by.localdir.kind, "directory");
  assert.equal(by.localdir.requirement, "./libs/localdir");
  assert.deepEqual(r.indexes, [
    {
      name: "corp-internal",
      url: "https://pkgs.example.com/simple/",
      credentialEnv: {
        username: "UV_INDEX_CORP_INTERNAL_USERNAME",
        password: "UV_INDEX_CORP_INTERNAL_PASSWORD",
      },
    },
    { url: PYPI },
  ]);
  assert.equal(
    read(PACKAGE_LOCK, PACKAGE_PYPROJECT, "3.12.4").distributions
      .find((d) => d.name === "numpy")!.version,
    "2.3.5",
  );
  assert.equal(uvLockRequiresPython(PACKAGE_LOCK), ">=3.10");
});

Deno.test("readUvLock out of sync: extras, git ref and index sources are compared", () => {
  assert.match(
    outOfSync(() =>
      read(PACKAGE_LOCK, PACKAGE_PYPROJECT.replace('"psycopg>=3.2"', '"psycopg>=3.3"'))
    ),
    /psycopg>=3\.3 ; extra == 'pg' but uv\.lock was made for psycopg>=3\.2 ; extra == 'pg'/,
  );
  assert.match(
    outOfSync(() =>
      read(PACKAGE_LOCK, PACKAGE_PYPROJECT.replace('tag = "26.1.0"', 'tag = "26.2.0"'))
    ),
    /attrs @ git=https:\/\/github\.com\/python-attrs\/attrs tag=26\.2\.0 but uv\.lock was made for attrs @ git=https:\/\/github\.com\/python-attrs\/attrs tag=26\.1\.0/,
  );
  assert.match(
    outOfSync(() =>
      read(PACKAGE_LOCK, PACKAGE_PYPROJECT.replace('gunicorn = { index = "corp-internal" }\n', ""))
    ),
    /gunicorn>=23/,
  );
  assert.match(
    outOfSync(() =>
      read(
        PACKAGE_LOCK,
        PACKAGE_PYPROJECT.replace('pg = ["psycopg>=3.2"]', 'pg = ["psycopg>=3.2"]\nredis = []'),
      )
    ),
    /extras \[pg, redis\] but uv\.lock was made for \[pg\]/,
  );
});

Deno.test("readUvLock: an edge without version picks the fork whose resolution-markers hold", () => {
  const lock = PACKAGE_LOCK.replace(
    / {4}\{ name = "numpy", version = "2\.2\.6".*\n {4}\{ name = "numpy", version = "2\.3\.5".*\n/,
    '    { name = "numpy" },\n',
  );
  assert.equal(
    read(lock, PACKAGE_PYPROJECT, "3.11.7").distributions
      .find((d) => d.name === "numpy")!.version,
    "2.2.6",
  );
  assert.equal(
    read(lock, PACKAGE_PYPROJECT, "3.13.0").distributions
      .find((d) => d.name === "numpy")!.version,
    "2.3.5",
  );
});

Deno.test("readUvLock refuses unreadable locks, naming uv.lock and the fix", () => {
  const invalid = (lock: string, pattern: RegExp) => {
    const msg = outOfSync(() => read(lock, PACKAGE_PYPROJECT));
    assert.match(msg, /uv\.lock/);
    assert.match(msg, /uv lock/);
    assert.match(msg, pattern);
  };
  invalid(PACKAGE_LOCK.replace("version = 1\n", "version = 2\n"), /lock format version 2/);
  invalid(
    PACKAGE_LOCK.replace('name = "localdir"\nversion', 'name = "localdir\nversion'),
    /not valid TOML at line \d+/,
  );
  invalid(
    PACKAGE_LOCK.replace(/source = \{ registry = "https:\/\/pkgs[^\n]*\n/, ""),
    /gunicorn without a source/,
  );
  invalid(
    PACKAGE_LOCK.replace(/wheels = \[\n    \{ url = "https:\/\/pkgs[^\n]*\n\]\n/, ""),
    /gunicorn 26\.2\.0 from https:\/\/pkgs\.example\.com\/simple\/ without any hash/,
  );
  const escaping = (text: string) => text.replaceAll("libs/localdir", "../outside/localdir");
  const msg = outOfSync(() => read(escaping(PACKAGE_LOCK), escaping(PACKAGE_PYPROJECT)));
  assert.match(
    msg,
    /uv\.lock installs localdir from \.\.\/outside\/localdir, which is outside the app dir/,
  );
});
