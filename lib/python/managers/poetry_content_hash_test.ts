import assert from "node:assert/strict";
import { REAL_PYPROJECT } from "./poetry_real_pyproject.ts";
import { parse } from "smol-toml";
import { poetryContentHash, poetryLockIsFresh } from "./poetry_content_hash.ts";

// Poetry 1 pyprojects (all under [tool.poetry]) and the content-hash REAL Poetry
// 1.3.2 (Debian's python3-poetry) computed for them: REAL_PYPROJECT's (poetry_real_pyproject.ts) hash is the one
// `poetry lock --no-update` wrote into poetry.lock against the machine's mirror
// served over HTTP; P1-P3's were printed by Poetry's own
// `Factory().create_poetry(dir).locker._content_hash`. (Poetry 1.3.2 has no
// `priority` or `package-mode`, so P2 uses `default`/`secondary` sources.)

const P1 = `[tool.poetry]
name = "caf\u00e9-app"
version = "0.1.0"
description = "Cr\u00e8me br\u00fbl\u00e9e \u2713 \u{1f600} service"
authors = ["Zo\u00eb <zoe@example.com>"]

[tool.poetry.dependencies]
python = "^3.11"
flask = "^3.1"
gunicorn = { version = ">=23", markers = "sys_platform == 'linux'" }

[tool.poetry.group.dev.dependencies]
pytest = "^8.0"

[build-system]
requires = ["poetry-core"]
build-backend = "poetry.core.masonry.api"
`;

const P2 = `[tool.poetry]
name = "shop"
version = "1.0.0"
description = "\u00dcn\u00efcode in keys too"
authors = ["A <a@example.com>"]


[tool.poetry.dependencies]
python = ">=3.10,<4.0"
requests = { version = "^2.32", extras = ["socks"] }
colorama = { version = "*", platform = "win32" }
psycopg = { version = "^3.2", optional = true }
"\u03a9mega" = { path = "libs/omega", develop = true }
attrs = { git = "https://github.com/python-attrs/attrs.git", rev = "24.2.0" }

[tool.poetry.extras]
pg = ["psycopg"]

[[tool.poetry.source]]
name = "mirror"
url = "http://127.0.0.1:8123/simple/"
default = true

[[tool.poetry.source]]
name = "private"
url = "https://pkgs.example.com/simple/"
secondary = true

[tool.poetry.group.test]
optional = true

[tool.poetry.group.test.dependencies]
pytest = "^8.0"
`;

const P3 = `[tool.poetry]
name = "legacy"
version = "0.0.1"
description = ""
authors = []

[tool.poetry.dependencies]
python = "~3.11"
Django = "4.2.*"

[tool.poetry.dev-dependencies]
black = "^24"
`;

// Poetry 2 pyprojects ([project] form) and the hashes printed by the
// `_get_content_hash` of Poetry's master (src/poetry/packages/locker.py,
// 2.3 era) run under CPython 3.11, with and without `[dependency-groups]`
// (Poetry < 2.3 did not hash them). The same code also gives the P1-P3 and REAL_PYPROJECT hashes.

const Q1 = `[project]
name = "svc"
version = "0.1.0"
description = "Jalape\u00f1o service"
requires-python = ">=3.11"
dependencies = [
    "flask>=3.1,<4",
    "gunicorn>=23; sys_platform != 'win32'",
    "colorama; sys_platform == 'win32'",
]

[project.optional-dependencies]
pg = ["psycopg[binary]>=3.2"]

[tool.poetry]
package-mode = false
`;

const Q2 = `[project]
name = "app"
version = "2.0.0"
requires-python = ">=3.10,<4"
dependencies = ["requests (>=2.32,<3.0)", "attrs"]

[tool.poetry.dependencies]
attrs = { git = "https://github.com/python-attrs/attrs.git", rev = "24.2.0" }

[tool.poetry.group.dev.dependencies]
pytest = "^8"

[[tool.poetry.source]]
name = "private"
url = "https://pkgs.example.com/simple/"
priority = "supplemental"

[build-system]
requires = ["poetry-core>=2.0.0,<3.0.0"]
build-backend = "poetry.core.masonry.api"
`;

const Q3 = `[project]
name = "grp"
version = "0.0.1"
requires-python = ">=3.12"
dependencies = ["httpx>=0.28"]

[dependency-groups]
dev = ["pytest>=8", "ruff"]
`;

Deno.test("poetryContentHash: Poetry 1 pyprojects hash as real Poetry 1.3.2 does", () => {
  assert.equal(
    poetryContentHash(parse(P1)),
    "7b94a59d24890f33033623724726b4ec5a39fc0301004deb84d98c924a436917",
  );
  assert.equal(
    poetryContentHash(parse(P2)),
    "a01da7cee1902cc2da5d3e5168fe363984cf4568a2a3de811d8643acd5202e1b",
  );
  assert.equal(
    poetryContentHash(parse(P3)),
    "6cee81f1b468eabf2f701f3468f6edd2c1bc446674eda3e7f91d5d5498e6c065",
  );
  assert.equal(
    poetryContentHash(parse(REAL_PYPROJECT)),
    "83c203127cdfb6c8b8cd70842983b7197e0f919bf9fcefb012f3d596b88be0e7",
  );
});

Deno.test("poetryContentHash: Poetry 2 [project] form nests project and tool.poetry", () => {
  assert.equal(
    poetryContentHash(parse(Q1)),
    "fdd93198782f0a24265068a21ace220a2dc15c3adc978e4dc4a4e15174ede161",
  );
  assert.equal(
    poetryContentHash(parse(Q2)),
    "100fb58185c097a63e20afa67694fd20667e37398136af036c971dadf2f04768",
  );
});

Deno.test("poetryContentHash: [dependency-groups] counts from Poetry 2.3 on", () => {
  const q3 = parse(Q3);
  assert.equal(
    poetryContentHash(q3),
    "b3518fcc5bbf2bd95eacca3f04813b75b1348f70fc60929c0003efcf50a4f7f0",
  );
  assert.equal(
    poetryContentHash(q3, { withDependencyGroups: false }),
    "2983c2a3b69d0815df9ae6e857e6144f233e6550d2820e4080e01bdca3e5ba4e",
  );
});

Deno.test("poetryLockIsFresh: the older hash is accepted only from a lock Poetry < 2.3 wrote", () => {
  const q3 = parse(Q3);
  const old = "2983c2a3b69d0815df9ae6e857e6144f233e6550d2820e4080e01bdca3e5ba4e";
  const header = (v: string) =>
    `# This file is automatically @generated by Poetry ${v} and should not be changed by hand.\n`;
  assert.equal(poetryLockIsFresh(q3, { stored: old, lockText: header("2.1.3") }), true);
  assert.equal(poetryLockIsFresh(q3, { stored: old, lockText: header("2.3.1") }), false);
  assert.equal(
    poetryLockIsFresh(q3, {
      stored: "b3518fcc5bbf2bd95eacca3f04813b75b1348f70fc60929c0003efcf50a4f7f0",
      lockText: header("2.3.1"),
    }),
    true,
  );
});

Deno.test("poetryContentHash changes with a dependency but not with the description", () => {
  const base = poetryContentHash(parse(P3));
  assert.notEqual(poetryContentHash(parse(P3.replace('"4.2.*"', '"5.0.*"'))), base);
  assert.equal(poetryContentHash(parse(P3.replace('description = ""', 'description = "x"'))), base);
});
