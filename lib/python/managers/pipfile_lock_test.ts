import assert from "node:assert/strict";
import { BuildpackError } from "../../errors.ts";
import { readPipfileLock } from "./pipfile_lock.ts";

// REAL: the Pipfile.lock real pipenv 2022.12.19 wrote for a Pipfile with flask,
// gunicorn (marker sys_platform == 'linux') and a dev pytest, against the
// machine's PyPI mirror served on 127.0.0.1.
const REAL_LOCK = `{
    "_meta": {
        "hash": {
            "sha256": "590026ac599d72d02ca00c999d133488e69dc268b0ff6ec6c51dd830b4953378"
        },
        "pipfile-spec": 6,
        "requires": {
            "python_version": "3.11"
        },
        "sources": [
            {
                "name": "mirror",
                "url": "http://127.0.0.1:8123/simple",
                "verify_ssl": false
            }
        ]
    },
    "default": {
        "blinker": {
            "hashes": [
                "sha256:ba0efaa9080b619ff2f3459d1d500c57bddea4a6b424b60a91141db6fd2f08bc"
            ],
            "version": "==1.9.0"
        },
        "click": {
            "hashes": [
                "sha256:255bc9599cf7748b4b1a446ccc735421bd08a2ae529a8b88597d3de5664ee360"
            ],
            "version": "==8.5.0"
        },
        "flask": {
            "hashes": [
                "sha256:f4bcbefc124291925f1a26446da31a5178f9483862233b23c0c96a20701f670c"
            ],
            "index": "mirror",
            "version": "==3.1.3"
        },
        "gunicorn": {
            "hashes": [
                "sha256:bd249d0b3f7972f7432f0a6b6ff3b3ee2d129f70cd1ff6c09a9dd9e29a2b88e3"
            ],
            "index": "mirror",
            "markers": "sys_platform == 'linux'",
            "version": "==26.2.0"
        },
        "itsdangerous": {
            "hashes": [
                "sha256:c6242fc49e35958c8b15141343aa660db5fc54d4f13a1db01a3f5891b98700ef"
            ],
            "version": "==2.2.0"
        },
        "jinja2": {
            "hashes": [
                "sha256:85ece4451f492d0c13c5dd7c13a64681a86afae63a5f347908daf103ce6d2f67"
            ],
            "version": "==3.1.6"
        },
        "markupsafe": {
            "hashes": [
                "sha256:0bf2a864d67e76e5c9a34dc26ec616a66b9888e25e7b9460e1c76d3293bd9dbf"
            ],
            "version": "==3.0.3"
        },
        "werkzeug": {
            "hashes": [
                "sha256:6392e50c78460ba618e5b21f08a71f59c99ce99cdc6cf6e3dd7e6ccca8754fab"
            ],
            "version": "==3.1.9"
        }
    },
    "develop": {
        "iniconfig": {
            "hashes": [
                "sha256:f631c04d2c48c52b84d0d0549c99ff3859c98df65b3101406327ecc7d53fbf12"
            ],
            "version": "==2.3.0"
        },
        "packaging": {
            "hashes": [
                "sha256:d7193f7c8e4e93f444fde0262bf90af30e16fa0ad0ad44cb553c87339b23cd1c"
            ],
            "version": "==26.3"
        },
        "pluggy": {
            "hashes": [
                "sha256:e920276dd6813095e9377c0bc5566d94c932c33b27a3e3945d8389c374dd4746"
            ],
            "version": "==1.6.0"
        },
        "pygments": {
            "hashes": [
                "sha256:2363c69b61c4a97c838da3b130dcd6468f4848992b21a82f2a63ec34377137d9"
            ],
            "version": "==2.21.0"
        },
        "pytest": {
            "hashes": [
                "sha256:37a86b45efb9a47a61a36449063e8e18d0cab3161329fc099eb21783169c4f0c"
            ],
            "index": "mirror",
            "version": "==9.1.1"
        }
    }
}
`;

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof BuildpackError, String(e));
    return e.message;
  }
  assert.fail("expected a BuildpackError");
}

Deno.test("readPipfileLock: a real pipenv lock, default section only, hashes and index kept", () => {
  const r = readPipfileLock(REAL_LOCK, { env: {}, pythonFullVersion: "3.11.7" });
  const names = r.distributions.map((d) => d.name);
  assert.ok(names.includes("flask") && names.includes("gunicorn") && names.includes("werkzeug"));
  assert.ok(!names.includes("pytest"), "develop is not installed");
  const flask = r.distributions.find((d) => d.name === "flask")!;
  assert.deepEqual(flask, {
    name: "flask",
    version: "3.1.3",
    kind: "registry",
    requirement: "flask==3.1.3",
    hashes: ["sha256:f4bcbefc124291925f1a26446da31a5178f9483862233b23c0c96a20701f670c"],
    index: "http://127.0.0.1:8123/simple",
  });
  assert.deepEqual(r.indexes, [
    { name: "mirror", url: "http://127.0.0.1:8123/simple", trustedHost: true },
  ]);
  assert.equal(r.lockFile, "Pipfile.lock");
  assert.equal(r.project, undefined);
});

const lock = (fields: Record<string, unknown>) =>
  JSON.stringify({
    _meta: {
      sources: [
        { name: "private", url: "https://${USER}:$PASS@pkgs.example.com/simple", verify_ssl: true },
        { name: "pypi", url: "https://pypi.org/simple", verify_ssl: true },
      ],
    },
    default: {
      colorama: {
        version: "==0.4.6",
        hashes: ["sha256:4f1d9991f5acc0ca119f9d443620b77f9d6b33703e51011c16baf57afb285fc6"],
        markers: "sys_platform == 'win32'",
      },
      Django: {
        version: "==4.2.16",
        index: "pypi",
        hashes: ["sha256:bb", "sha256:aa"],
        markers: "python_version >= '3.8'",
      },
      requests: {
        git: "https://github.com/psf/requests.git",
        ref: "0e322af87745eff34caffe4df68456ebc20d9068",
      },
      greeting: { path: "./libs/greeting", editable: true },
      vendored: { file: "dist/vendored-1.0-py3-none-any.whl", hashes: ["sha256:cc"] },
      remote: { file: "https://example.com/remote-2.0.tar.gz" },
      ...fields,
    },
  });

Deno.test("readPipfileLock: markers, every source kind, ${VAR} and $VAR expanded", () => {
  const r = readPipfileLock(lock({}), {
    env: { USER: "u", PASS: "p" },
    pythonFullVersion: "3.12.1",
  });
  assert.deepEqual(r.distributions.map((d) => [d.name, d.kind, d.requirement]), [
    ["django", "registry", "django==4.2.16"],
    ["greeting", "editable", "./libs/greeting"],
    ["remote", "url", "remote @ https://example.com/remote-2.0.tar.gz"],
    [
      "requests",
      "git",
      "requests @ git+https://github.com/psf/requests.git@0e322af87745eff34caffe4df68456ebc20d9068",
    ],
    ["vendored", "path", "./dist/vendored-1.0-py3-none-any.whl"],
  ]);
  assert.deepEqual(r.distributions[0].hashes, ["sha256:aa", "sha256:bb"]);
  assert.equal(r.distributions[0].index, "https://pypi.org/simple");
  assert.equal(r.indexes[0].url, "https://u:p@pkgs.example.com/simple");
});

Deno.test("readPipfileLock refuses unset variables, escaping paths and broken JSON", () => {
  assert.match(
    message(() => readPipfileLock(lock({}), { env: { USER: "u" }, pythonFullVersion: "3.12.1" })),
    /Pipfile\.lock.*PASS.*\n.*pipenv lock.*cf set-env/s,
  );
  assert.match(
    message(() =>
      readPipfileLock(lock({ greeting: { path: "../greeting", editable: true } }), {
        env: { USER: "u", PASS: "p" },
        pythonFullVersion: "3.12.1",
      })
    ),
    /Pipfile\.lock installs greeting from \.\.\/greeting, which is outside the app directory/,
  );
  assert.match(
    message(() => readPipfileLock("{", { env: {}, pythonFullVersion: "3.12.1" })),
    /Pipfile\.lock: it is not valid JSON/,
  );
});
