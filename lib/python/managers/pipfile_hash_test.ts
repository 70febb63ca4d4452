import assert from "node:assert/strict";
import { parse } from "smol-toml";
import { pipfileHash } from "./pipfile_hash.ts";

// Each Pipfile below and its hash come from real pipenv 2022.12.19 (Debian's
// package): F1's hash is the one `pipenv lock` wrote into Pipfile.lock; F2's and
// F3's were printed by its `plette.Pipfile.load(f).get_hash().value`.

const F1 = `[[source]]
name = "mirror"
url = "http://127.0.0.1:8123/simple"
verify_ssl = false

[packages]
flask = "==3.1.3"
gunicorn = {version = "*", markers = "sys_platform == 'linux'"}

[dev-packages]
pytest = "*"

[requires]
python_version = "3.11"

[scripts]
serve = "gunicorn app:app"

[pipenv]
allow_prereleases = false
`;

const F2 = `[packages]
"Flask" = {extras = ["dotenv"], version = ">=3"}
"caf\u00e9" = {path = "./libs/caf\u00e9", editable = true}
requests = {git = "https://github.com/psf/requests.git", ref = "v2.32.3"}

[docs]
sphinx = "*"
`;

const F3 = `[[source]]
url = "https://\${PIP_USER}:\${PIP_PASSWORD}@pkgs.example.com/simple"
verify_ssl = true
name = "private"

[[source]]
url = "https://pypi.org/simple"
verify_ssl = true
name = "pypi"

[packages]
django = {version = "~=4.2", index = "private"}
"zope.interface" = "*"

[requires]
python_full_version = "3.11.7"
`;

Deno.test("pipfileHash: a Pipfile with scripts, pipenv settings and a source (real pipenv lock)", () => {
  assert.equal(
    pipfileHash(parse(F1)),
    "590026ac599d72d02ca00c999d133488e69dc268b0ff6ec6c51dd830b4953378",
  );
});

Deno.test("pipfileHash: no [[source]] (pypi added), non-ASCII names, extra category", () => {
  assert.equal(
    pipfileHash(parse(F2)),
    "da15bb95e3c34a553266ac7aee2c6d7522e957ce6285ee6f81cf314b7c4ff41e",
  );
});

Deno.test("pipfileHash: unexpanded ${VAR} in a source URL is hashed as written", () => {
  assert.equal(
    pipfileHash(parse(F3)),
    "5a720864ac795b8c249f965798a8b66aef554687b883b7ff7f98c1f95c90a393",
  );
});

Deno.test("pipfileHash changes with a package specifier but not with scripts", () => {
  const base = pipfileHash(parse(F1));
  assert.notEqual(pipfileHash(parse(F1.replace('"==3.1.3"', '"==3.1.2"'))), base);
  assert.equal(pipfileHash(parse(F1.replace("gunicorn app:app", "flask run"))), base);
});
