import assert from "node:assert/strict";
import { indexLines, isPublicIndex, lockedPlan, withCredentials } from "./locked_plan.ts";
import type { LockedInstall } from "./locked.ts";

const H1 = `sha256:${"1".repeat(64)}`;
const H2 = `sha256:${"2".repeat(64)}`;

const LOCK: LockedInstall = {
  lockFile: "uv.lock",
  distributions: [
    {
      name: "flask",
      version: "3.1.3",
      kind: "registry",
      requirement: "flask==3.1.3",
      hashes: [H2, H1],
      index: "https://pypi.org/simple",
    },
    { name: "greeting", kind: "editable", requirement: "./packages/greeting", hashes: [] },
    {
      name: "lib",
      kind: "git",
      requirement: "lib @ git+https://example.com/lib@0123abc",
      hashes: [],
    },
  ],
  project: { editable: true },
  indexes: [{ url: "https://pypi.org/simple" }],
  notes: ["left out: colorama (sys_platform == 'win32')"],
};

Deno.test("isPublicIndex knows pypi.org in its spellings", () => {
  assert.ok(isPublicIndex("https://pypi.org/simple"));
  assert.ok(isPublicIndex("https://pypi.org/simple/"));
  assert.ok(isPublicIndex("https://pypi.python.org/simple"));
  assert.ok(!isPublicIndex("https://test.pypi.org/simple"));
  assert.ok(!isPublicIndex("https://mirror.example/pypi/simple"));
  assert.ok(!isPublicIndex("not a url"));
});

Deno.test("lockedPlan: hashed run with --require-hashes --no-deps, then the rest, then the project", () => {
  const plan = lockedPlan(LOCK, {
    manager: "uv",
    inputs: [{ path: "uv.lock", text: "x" }],
    env: {},
    projectName: "My_App",
  });
  assert.equal(plan.manager, "uv");
  assert.equal(plan.source, "uv.lock");
  assert.deepEqual(plan.installs, [
    {
      requirements: { path: "locked/hashed.txt", scratch: true },
      flags: ["--require-hashes", "--no-deps"],
    },
    {
      requirements: { path: "locked/unhashed.txt", scratch: true },
      flags: ["--no-deps"],
      local: true,
    },
    {
      requirements: { path: "locked/project.txt", scratch: true },
      flags: ["--no-deps"],
      local: true,
    },
  ]);
  assert.deepEqual(plan.files, [
    {
      path: "locked/hashed.txt",
      text: `flask==3.1.3 \\\n    --hash=${H1} \\\n    --hash=${H2}\n`,
    },
    {
      path: "locked/unhashed.txt",
      text: "-e ./packages/greeting\nlib @ git+https://example.com/lib@0123abc\n",
    },
    { path: "locked/project.txt", text: "-e .\n" },
  ]);
  assert.deepEqual(plan.lockedNames, ["flask", "greeting", "lib", "my-app"]);
  assert.deepEqual(plan.localPaths, ["./packages/greeting", "."]);
  assert.ok(plan.notes?.includes("left out: colorama (sys_platform == 'win32')"));
  assert.ok(
    plan.notes?.some((n) => /without hash checking: lib \(uv\.lock lists no hashes/.test(n)),
  );
});

Deno.test("indexLines: the public index a lock names gives way to the operator's", () => {
  const pypi = [{ url: "https://pypi.org/simple" }];
  assert.deepEqual(indexLines(pypi, {}, "uv.lock"), { lines: [], notes: [] });
  const withMirror = indexLines(pypi, { PIP_INDEX_URL: "https://mirror/simple" }, "uv.lock");
  assert.deepEqual(withMirror.lines, []);
  assert.match(
    withMirror.notes[0],
    /uv\.lock names the public PyPI index: installing from the staging index/,
  );
});

Deno.test("indexLines: private indexes add to the operator's, or replace PyPI when nothing else is named", () => {
  const priv = { name: "corp", url: "https://corp.example/simple" };
  assert.deepEqual(indexLines([priv], {}, "poetry.lock").lines, ["-i https://corp.example/simple"]);
  assert.deepEqual(
    indexLines([{ url: "https://pypi.org/simple" }, priv], {}, "poetry.lock").lines,
    ["--extra-index-url https://corp.example/simple"],
  );
  assert.deepEqual(
    indexLines([priv], { PIP_EXTRA_INDEX_URL: "https://m/simple" }, "poetry.lock").lines,
    ["--extra-index-url https://corp.example/simple"],
  );
});

Deno.test("withCredentials: from the tool's variables, escaped, never in the notes", () => {
  const index = {
    name: "corp",
    url: "https://corp.example/simple",
    credentialEnv: { username: "UV_INDEX_CORP_USERNAME", password: "UV_INDEX_CORP_PASSWORD" },
  };
  const env = { UV_INDEX_CORP_USERNAME: "me", UV_INDEX_CORP_PASSWORD: "p@ss:w/rd" };
  assert.equal(withCredentials(index, env), "https://me:p%40ss%3Aw%2Frd@corp.example/simple");
  assert.equal(withCredentials(index, {}), "https://corp.example/simple");
  const { lines, notes } = indexLines([index], env, "uv.lock");
  assert.equal(lines[0], "-i https://me:p%40ss%3Aw%2Frd@corp.example/simple");
  assert.match(notes.join("\n"), /credentials from UV_INDEX_CORP_USERNAME\/UV_INDEX_CORP_PASSWORD/);
  assert.doesNotMatch(notes.join("\n"), /p%40ss|p@ss/);
});
