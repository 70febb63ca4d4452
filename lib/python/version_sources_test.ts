import assert from "node:assert/strict";
import { join } from "node:path";
import { BuildpackError } from "../errors.ts";
import type { Manifest } from "../manifest.ts";
import { parseManifest } from "../manifest_yaml.ts";
import {
  choosePython,
  committedVirtualenvs,
  decodeVersionFile,
  escapeText,
  misspelledVersionFiles,
  pipfileLockVersion,
  readRequiresPython,
  readVersionRequest,
  versionFileWarnings,
} from "./version_sources.ts";

const utf8 = (text: string) => new TextEncoder().encode(text);
const bytes = (...values: number[]) => new Uint8Array(values);

function errorMatching(...patterns: RegExp[]) {
  return (error: unknown) => {
    assert.ok(error instanceof BuildpackError, `expected BuildpackError, got ${error}`);
    for (const pattern of patterns) assert.match(error.message, pattern);
    return true;
  };
}

Deno.test("decodeVersionFile cleans BOM, CRLF and blanks", () => {
  const cases: [Uint8Array, string][] = [
    [utf8("python-3.13.x"), "python-3.13.x"],
    [utf8("python-3.13.x\n"), "python-3.13.x"],
    [utf8("python-3.13.x\r\n"), "python-3.13.x"],
    [utf8("\r\n  python-3.11.9 \t\r\n\r\n"), "python-3.11.9"],
    [utf8("3.13.x || 3.11.x\n"), "3.13.x || 3.11.x"],
    [utf8(">=3.11\n"), ">=3.11"],
    [utf8("~3.11"), "~3.11"],
    [bytes(0xef, 0xbb, 0xbf, ...utf8("python-3.12\r\n")), "python-3.12"],
    [utf8("abc"), "abc"], // improper constraint is reported later, with CF's text
  ];
  for (const [input, expected] of cases) {
    assert.equal(decodeVersionFile(input, "runtime.txt"), expected);
  }
});

Deno.test("decodeVersionFile: .python-version skips comments", () => {
  const text = "# managed by pyenv\n\n  # another comment\n3.12\n";
  assert.equal(decodeVersionFile(utf8(text), ".python-version"), "3.12");
  assert.equal(decodeVersionFile(utf8("3.13.1\r\n"), ".python-version"), "3.13.1");
  assert.throws(
    () => decodeVersionFile(utf8("# only a comment\n"), ".python-version"),
    errorMatching(/\.python-version: it is empty/, /such as 3\.13\./),
  );
});

Deno.test("decodeVersionFile rejects UTF-16 with the bytes found and the fix", () => {
  const le = bytes(0xff, 0xfe, 0x33, 0x00, 0x2e, 0x00, 0x31, 0x00);
  const be = bytes(0xfe, 0xff, 0x00, 0x33, 0x00, 0x2e);
  const noBom = bytes(0x33, 0x00, 0x2e, 0x00);
  for (const input of [le, be, noBom]) {
    assert.throws(
      () => decodeVersionFile(input, "runtime.txt"),
      errorMatching(
        /^Could not read the Python version from runtime\.txt: it is saved as UTF-16/,
        /found bytes [0-9a-f]{2} [0-9a-f]{2}/,
        /\nSave runtime\.txt as UTF-8 containing one line such as python-3\.13\.x\.$/,
      ),
    );
  }
  assert.throws(() => decodeVersionFile(le, "runtime.txt"), errorMatching(/bytes ff fe 33 00/));
});

Deno.test("decodeVersionFile rejects invalid UTF-8 showing the bad bytes", () => {
  assert.throws(
    () => decodeVersionFile(bytes(0x33, 0x2e, 0xe9, 0x31), ".python-version"),
    errorMatching(/is not valid UTF-8; found bytes e9 31 at offset 2/, /such as 3\.13\./),
  );
});

Deno.test("decodeVersionFile rejects invisible and control characters, escaped", () => {
  const cases: [string, RegExp][] = [
    ["\ufeffpython-3.11", /found "\\ufeffpython-3\.11"/], // a BOM after the stripped one
    ["python-3.11\u200b", /found "python-3\.11\\u200b"/],
    ["python\u00a03.11", /found "python\\u00a03\.11"/],
    ["3.11\u00073", /found "3\.11\\u00073"/],
    ["3.11\u2028", /found "3\.11\\u2028"/],
  ];
  for (const [text, found] of cases) {
    const input = bytes(0xef, 0xbb, 0xbf, ...utf8(text));
    assert.throws(
      () => decodeVersionFile(input, "runtime.txt"),
      errorMatching(/it contains invisible or control characters/, found, /Save runtime\.txt/),
      JSON.stringify(text),
    );
  }
});

Deno.test("decodeVersionFile rejects empty, multi-line and non-version content", () => {
  assert.throws(
    () => decodeVersionFile(utf8(" \r\n\n"), "runtime.txt"),
    errorMatching(/runtime\.txt: it is empty; found " \\r\\n\\n"/),
  );
  assert.throws(() => decodeVersionFile(new Uint8Array(), "runtime.txt"), errorMatching(/empty/));
  assert.throws(
    () => decodeVersionFile(utf8("python-3.11.x\npython-3.12.x\n"), "runtime.txt"),
    errorMatching(/names more than one version/),
  );
  for (const garbage of ["python 3.11?", "3.11; rm -rf /", "{3.11}", "3.11 # latest"]) {
    assert.throws(
      () => decodeVersionFile(utf8(garbage), "runtime.txt"),
      errorMatching(/does not look like a Python version request/),
      garbage,
    );
  }
});

Deno.test("escapeText quotes and escapes, and truncates", () => {
  assert.equal(escapeText('a"b\\c\n\t'), '"a\\"b\\\\c\\n\\t"');
  assert.equal(escapeText("\u{1f600}"), '"\\u{1f600}"');
  assert.equal(escapeText("x".repeat(100), 10), `"${"x".repeat(10)}..."`);
});

Deno.test("pipfileLockVersion: full version first, then short version", () => {
  const lock = (requires: unknown) => JSON.stringify({ _meta: { requires }, default: {} });
  assert.equal(
    pipfileLockVersion(
      lock({ python_version: "3.11", python_full_version: "3.11.9" }),
      "Pipfile.lock",
    ),
    "3.11.9",
  );
  assert.equal(pipfileLockVersion(lock({ python_version: "3.10" }), "Pipfile.lock"), "3.10");
  assert.equal(pipfileLockVersion(lock({ python_full_version: " " }), "Pipfile.lock"), undefined);
  assert.equal(pipfileLockVersion(lock({}), "Pipfile.lock"), undefined);
  assert.equal(pipfileLockVersion(JSON.stringify({ default: {} }), "Pipfile.lock"), undefined);
  assert.equal(
    pipfileLockVersion("\ufeff" + lock({ python_version: "3.12" }), "Pipfile.lock"),
    "3.12",
  );
});

Deno.test("pipfileLockVersion errors name the file", () => {
  assert.throws(
    () => pipfileLockVersion("{not json", "Pipfile.lock"),
    errorMatching(
      /^Could not read the Python version from Pipfile\.lock: it is not valid JSON/,
      /pipenv lock/,
    ),
  );
  assert.throws(() => pipfileLockVersion("[]", "Pipfile.lock"), errorMatching(/not a JSON object/));
  assert.throws(
    () => pipfileLockVersion('{"_meta":{"requires":{"python_version":3.1}}}', "Pipfile.lock"),
    errorMatching(/_meta\.requires\.python_version is 3\.1, not a string/),
  );
  assert.throws(
    () =>
      pipfileLockVersion('{"_meta":{"requires":{"python_version":"3.11\\u200b"}}}', "Pipfile.lock"),
    errorMatching(/Pipfile\.lock: it contains invisible or control characters/),
  );
});

async function withApp(
  files: Record<string, string | Uint8Array>,
  body: (dir: string) => Promise<void>,
) {
  const dir = await Deno.makeTempDir();
  try {
    for (const [name, content] of Object.entries(files)) {
      if (typeof content === "string") await Deno.writeTextFile(join(dir, name), content);
      else await Deno.writeFile(join(dir, name), content);
    }
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const LOCK = JSON.stringify({ _meta: { requires: { python_version: "3.10" } } });

Deno.test("readVersionRequest: precedence runtime.txt > .python-version > Pipfile.lock", async () => {
  const all = {
    "runtime.txt": "python-3.11.x\r\n",
    ".python-version": "3.12\n",
    "Pipfile.lock": LOCK,
  };
  await withApp(all, async (dir) => {
    assert.deepEqual(await readVersionRequest(dir), {
      file: "runtime.txt",
      request: "python-3.11.x",
    });
  });
  await withApp({ ".python-version": "3.12\n", "Pipfile.lock": LOCK }, async (dir) => {
    assert.deepEqual(await readVersionRequest(dir), { file: ".python-version", request: "3.12" });
  });
  await withApp({ "Pipfile.lock": LOCK, "requirements.txt": "flask\n" }, async (dir) => {
    assert.deepEqual(await readVersionRequest(dir), { file: "Pipfile.lock", request: "3.10" });
  });
  await withApp({ "Pipfile.lock": "{}" }, async (dir) => {
    assert.equal(await readVersionRequest(dir), undefined);
  });
  await withApp({ "requirements.txt": "flask\n" }, async (dir) => {
    assert.equal(await readVersionRequest(dir), undefined);
  });
});

Deno.test("readVersionRequest: a bad higher-precedence file fails, naming it", async () => {
  const files = { "runtime.txt": bytes(0xff, 0xfe, 0x33, 0x00), ".python-version": "3.12\n" };
  await withApp(files, async (dir) => {
    await assert.rejects(
      () => readVersionRequest(dir),
      errorMatching(/runtime\.txt: it is saved as UTF-16/),
    );
  });
  await withApp({ "Pipfile.lock": "{" }, async (dir) => {
    await assert.rejects(
      () => readVersionRequest(dir),
      errorMatching(/Pipfile\.lock: it is not valid JSON/),
    );
  });
});

Deno.test("readVersionRequest: a directory or FIFO named runtime.txt is an error", async () => {
  await withApp({ ".python-version": "3.11\n" }, async (dir) => {
    await Deno.mkdir(join(dir, "runtime.txt"));
    await assert.rejects(
      () => readVersionRequest(dir),
      errorMatching(/^Could not read runtime\.txt: it is a directory, not a regular file/),
    );
  });
  await withApp({}, async (dir) => {
    const fifo = await new Deno.Command("mkfifo", { args: [join(dir, "runtime.txt")] }).output();
    assert.ok(fifo.success);
    await assert.rejects(
      () => readVersionRequest(dir),
      errorMatching(/^Could not read runtime\.txt: it is a named pipe \(FIFO\)/),
    );
  });
});

Deno.test("readVersionRequest: a 1 MB runtime.txt is refused without quoting it", async () => {
  await withApp({ "runtime.txt": "python-3.11\n" + "x".repeat(1024 * 1024) }, async (dir) => {
    const err = await readVersionRequest(dir).then(() => undefined, (e) => e);
    assert.ok(err instanceof BuildpackError);
    assert.match(err.message, /runtime\.txt: it is 1048588 bytes, more than the 65536 bytes/);
    assert.ok(err.message.length < 1000, err.message);
  });
});

Deno.test("misspelled version files give warnings, unless the right file exists", async () => {
  const [warning] = misspelledVersionFiles(["runtime.text", "app.py"]);
  assert.equal(
    warning,
    "Found runtime.text in the app: did you mean runtime.txt? " +
      "The buildpack reads the Python version from runtime.txt; runtime.text is ignored.",
  );
  assert.deepEqual(misspelledVersionFiles(["runtime.text", "runtime.txt"]), []);
  for (
    const [found, meant] of [
      [".python_version", ".python-version"],
      ["python-version", ".python-version"],
      ["Runtime.txt", "runtime.txt"],
      ["pipfile.lock", "Pipfile.lock"],
    ]
  ) {
    assert.ok(misspelledVersionFiles([found]).join().includes(`did you mean ${meant}?`), found);
  }
  assert.deepEqual(misspelledVersionFiles(["runtime.txt", ".python-version", "Pipfile.lock"]), []);
  await withApp({ ".python_version": "3.11\n", "app.py": "" }, async (dir) => {
    const warnings = await versionFileWarnings(dir);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /Found \.python_version in the app: did you mean \.python-version\?/);
  });
});

const MANIFEST_TEXT = `language: python
default_versions:
- name: python
  version: 3.13.x
dependencies:
${
  [
    ["3.10.21", "cflinuxfs4"],
    ["3.11.9", "cflinuxfs4"],
    ["3.11.16", "cflinuxfs4"],
    ["3.12.14", "cflinuxfs4"],
    ["3.13.15", "cflinuxfs4"],
    ["3.14.7", "cflinuxfs4"],
    ["3.13.9", "cflinuxfs3"],
  ].map(([version, stack]) =>
    `- name: python
  version: ${version}
  uri: https://example.com/python_${version}_${stack}.tgz
  sha256: ${"a".repeat(64)}
  cf_stacks: [${stack}]
`
  ).join("")
}- name: pip
  version: 26.2.1
  uri: https://example.com/pip.tgz
  sha256: ${"b".repeat(64)}
  cf_stacks: [cflinuxfs5]
`;
const MANIFEST: Manifest = parseManifest(MANIFEST_TEXT, "manifest.yml");

Deno.test("choosePython: the manifest default when nothing asks", () => {
  const chosen = choosePython(MANIFEST, "cflinuxfs4", undefined);
  assert.equal(chosen.version, "3.13.15");
  assert.equal(chosen.dependency.uri, "https://example.com/python_3.13.15_cflinuxfs4.tgz");
  assert.equal(chosen.request, undefined);
  assert.equal(choosePython(MANIFEST, "cflinuxfs3", undefined).version, "3.13.9");
});

Deno.test("choosePython: every request form", () => {
  const cases: [string, string][] = [
    ["python-3.11.9", "3.11.9"],
    ["3.11.9", "3.11.9"],
    ["python-3.11", "3.11.16"],
    ["3.11", "3.11.16"],
    ["3.11.x", "3.11.16"],
    ["python-3.x", "3.14.7"],
    ["3", "3.14.7"],
    [">=3.11", "3.14.7"],
    ["python-~3.11", "3.11.16"],
    ["3.13.x || 3.11.x", "3.13.15"],
    ["python-3.10.x", "3.10.21"],
  ];
  for (const [request, version] of cases) {
    const asked = { file: "runtime.txt", request };
    const chosen = choosePython(MANIFEST, "cflinuxfs4", asked);
    assert.equal(chosen.version, version, request);
    assert.equal(chosen.dependency.version, version);
    assert.deepEqual(chosen.request, asked);
  }
});

Deno.test("choosePython: version not offered keeps CF's text and explains", () => {
  assert.throws(
    () => choosePython(MANIFEST, "cflinuxfs4", { file: "runtime.txt", request: "python-3.12.13" }),
    (error: unknown) => {
      assert.ok(error instanceof BuildpackError);
      assert.equal(
        error.message,
        "Could not install python: no match found for 3.12.13 in [3.10.21 3.11.9 3.11.16 3.12.14 3.13.15 3.14.7]\n" +
          "runtime.txt asks for python 3.12.13, which this buildpack does not offer for stack cflinuxfs4.\n" +
          "Change runtime.txt to one of the versions above, or a range such as 3.12.x.",
      );
      return true;
    },
  );
  assert.throws(
    () => choosePython(MANIFEST, "cflinuxfs4", { file: ".python-version", request: "3.9" }),
    errorMatching(
      /^Could not install python: no match found for 3\.9\.x in \[/,
      /\.python-version asks for python 3\.9\.x/,
      /or a version line such as 3\.13\.$/, // the default's line: 3.9 is not offered
    ),
  );
  assert.throws(
    () => choosePython(MANIFEST, "cflinuxfs4", { file: "Pipfile.lock", request: "3.12.13" }),
    errorMatching(/Pipfile\.lock asks for python 3\.12\.13/, /python_version = "3\.12" in Pipfile/),
  );
  // versions listed are those of the stack only
  assert.throws(
    () => choosePython(MANIFEST, "cflinuxfs3", { file: "runtime.txt", request: "3.11.x" }),
    errorMatching(/no match found for 3\.11\.x in \[3\.13\.9\]\n/, /for stack cflinuxfs3/),
  );
});

Deno.test("choosePython: improper constraint names the file", () => {
  assert.throws(
    () => choosePython(MANIFEST, "cflinuxfs4", { file: "runtime.txt", request: "python-abc" }),
    errorMatching(
      /^Could not install python: improper constraint: abc\n/,
      /runtime\.txt asks for python "abc", which is not a version or a version range/,
    ),
  );
});

Deno.test("choosePython: ^3.12 is improper and the error says what to write", () => {
  assert.throws(
    () => choosePython(MANIFEST, "cflinuxfs4", { file: ".python-version", request: "^3.12" }),
    errorMatching(
      /^Could not install python: improper constraint: \^3\.12\n/,
      /\.python-version asks for python "\^3\.12", which is not a version or a version range: /,
      /\^ is Poetry\/npm syntax, not PEP 440: write >=3\.12,<4 or ~=3\.12\.\n/,
    ),
  );
});

Deno.test("choosePython: stack not supported, no default, bad default", () => {
  assert.throws(
    () => choosePython(MANIFEST, "cflinuxfs9", undefined),
    errorMatching(
      /^Stack not supported by buildpack: required stack cflinuxfs9 was not found/,
      /supports: cflinuxfs3, cflinuxfs4\./, // cflinuxfs5 has pip but no python
    ),
  );
  const noDefault = { ...MANIFEST, defaultVersions: [] };
  assert.throws(
    () => choosePython(noDefault, "cflinuxfs4", undefined),
    errorMatching(/no default version of python/),
  );
  assert.equal(
    choosePython(noDefault, "cflinuxfs4", { file: "runtime.txt", request: "3.12" }).version,
    "3.12.14",
  );
  const badDefault = { ...MANIFEST, defaultVersions: [{ name: "python", version: "3.99.x" }] };
  assert.throws(
    () => choosePython(badDefault, "cflinuxfs4", undefined),
    errorMatching(/no match found for 3\.99\.x/, /default python 3\.99\.x \(default_versions\)/),
  );
});

Deno.test("decodeVersionFile: comments in every version file, one version only", () => {
  assert.equal(
    decodeVersionFile(utf8("# pinned\npython-3.11.x\n"), "runtime.txt"),
    "python-3.11.x",
  );
  assert.throws(
    () => decodeVersionFile(utf8("3.12\n3.11\n"), ".python-version"),
    errorMatching(/\.python-version: it names more than one version/),
  );
});

Deno.test("readRequiresPython: pyproject.toml, else uv.lock", async () => {
  await withApp({
    "pyproject.toml": '[project]\nname = "a"\nrequires-python = ">=3.11"\n',
    "uv.lock": 'version = 1\nrequires-python = ">=3.10"\n',
  }, async (dir) => {
    assert.deepEqual(await readRequiresPython(dir), {
      file: "pyproject.toml (requires-python)",
      request: ">=3.11",
    });
  });
  await withApp({
    "pyproject.toml": '[project]\nname = "a"\n',
    "uv.lock": 'version = 1\nrequires-python = ">=3.10"\n',
  }, async (dir) => {
    assert.deepEqual(await readRequiresPython(dir), {
      file: "uv.lock (requires-python)",
      request: ">=3.10",
    });
  });
  await withApp({ "requirements.txt": "flask\n" }, async (dir) => {
    assert.equal(await readRequiresPython(dir), undefined);
  });
  await withApp({ "pyproject.toml": "[project\n" }, async (dir) => {
    await assert.rejects(
      () => readRequiresPython(dir),
      errorMatching(/pyproject\.toml: it is not valid TOML \(line 1/),
    );
  });
});

Deno.test("choosePython: requires-python picks the newest offered; a conflicting version file fails naming both", () => {
  const required = { file: "pyproject.toml (requires-python)", request: ">=3.10" };
  const newest = choosePython(MANIFEST, "cflinuxfs4", required, { requiresPython: required });
  assert.equal(newest.version, "3.14.7");
  const pinned = { file: "runtime.txt", request: "python-3.10.x" };
  assert.throws(
    () =>
      choosePython(MANIFEST, "cflinuxfs4", pinned, {
        requiresPython: { file: "pyproject.toml (requires-python)", request: ">=3.11" },
      }),
    errorMatching(
      /runtime\.txt asks for python python-3\.10\.x \(python 3\.10\.\d+\), but pyproject\.toml has requires-python = ">=3\.11"/,
      /change runtime\.txt to a version that satisfies ">=3\.11"/,
    ),
  );
  assert.throws(
    () =>
      choosePython(MANIFEST, "cflinuxfs4", pinned, {
        requiresPython: { file: "pyproject.toml (requires-python)", request: "abc" },
      }),
    errorMatching(/improper constraint: abc/),
  );
});

Deno.test("committedVirtualenvs: a pushed .venv/ or venv/ gets a warning saying it is not used", async () => {
  const [warning] = committedVirtualenvs([".venv", "static"]);
  assert.match(warning, /^Found \.venv\/ in the app: it is not used\./);
  assert.match(warning, /Add \.venv\/ to \.cfignore/);
  assert.deepEqual(committedVirtualenvs(["venvs", "src"]), []);
  await withApp({ "requirements.txt": "flask\n" }, async (dir) => {
    await Deno.mkdir(join(dir, "venv"));
    await Deno.writeTextFile(join(dir, ".venv"), "a file, not a virtualenv\n");
    const warnings = await versionFileWarnings(dir);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /Found venv\/ in the app/);
  });
});
