import assert from "node:assert/strict";
import { expandEnv, LockProblem, lockToRequirements } from "./pipfile_lock.ts";

const lock = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    _meta: {
      requires: { python_version: "3.11" },
      sources: [
        { name: "pypi", url: "https://${USER}:${PASS}@example.com/simple", verify_ssl: true },
        { name: "extra", url: "http://10.0.0.1:8080/simple", verify_ssl: false },
      ],
    },
    default: {
      werkzeug: { version: "==3.1.9", hashes: ["sha256:bb", "sha256:aa"] },
      Flask: {
        version: "==3.1.3",
        hashes: ["sha256:cc"],
        markers: "python_version >= '3.9'",
        extras: ["dotenv", "async"],
      },
    },
    develop: { pytest: { version: "==8.0.0", hashes: ["sha256:dd"] } },
    ...over,
  });

Deno.test("lockToRequirements: sources, sorted default packages, markers, extras, hashes", () => {
  const r = lockToRequirements(lock(), { USER: "u", PASS: "p" });
  assert.equal(
    r.text,
    [
      "-i https://u:p@example.com/simple",
      "--extra-index-url http://10.0.0.1:8080/simple",
      "--trusted-host 10.0.0.1:8080",
      "Flask[async,dotenv]==3.1.3; python_version >= '3.9' \\",
      "    --hash=sha256:cc",
      "werkzeug==3.1.9 \\",
      "    --hash=sha256:aa \\",
      "    --hash=sha256:bb",
      "",
    ].join("\n"),
  );
  assert.equal(r.count, 2);
  assert.equal(r.hashed, true);
  assert.deepEqual(r.unhashable, []);
});

Deno.test("lockToRequirements is deterministic whatever the key order", () => {
  const a = lockToRequirements(lock(), { USER: "u", PASS: "p" }).text;
  const parsed = JSON.parse(lock());
  const reversed = Object.fromEntries(Object.entries(parsed.default).reverse());
  const b = lockToRequirements(JSON.stringify({ ...parsed, default: reversed }), {
    USER: "u",
    PASS: "p",
  }).text;
  assert.equal(a, b);
});

Deno.test("lockToRequirements drops hashes when a VCS or path package cannot carry them", () => {
  const r = lockToRequirements(
    lock({
      _meta: {},
      default: {
        six: { version: "==1.17.0", hashes: ["sha256:ab"] },
        mylib: { git: "https://github.com/x/mylib.git", ref: "abc123", editable: true },
        local: { path: ".", editable: true },
      },
    }),
    {},
  );
  assert.equal(
    r.text,
    "-e .\n-e git+https://github.com/x/mylib.git@abc123#egg=mylib\nsix==1.17.0\n",
  );
  assert.equal(r.hashed, false);
  assert.deepEqual(r.unhashable, ["local", "mylib"]);
});

Deno.test("lockToRequirements: an empty default gives an empty file", () => {
  const r = lockToRequirements(JSON.stringify({ _meta: {}, default: {} }), {});
  assert.equal(r.text, "");
  assert.equal(r.count, 0);
});

Deno.test("lockToRequirements rejects broken locks with what is wrong", () => {
  assert.throws(() => lockToRequirements("{nope", {}), /not valid JSON/);
  assert.throws(() => lockToRequirements("[]", {}), /not a JSON object/);
  assert.throws(() => lockToRequirements(`{"default": {"a b": {}}}`, {}), /"a b" is not a package/);
  assert.throws(() => lockToRequirements(`{"default": {"six": {}}}`, {}), /"six" has no "version"/);
  assert.throws(
    () => lockToRequirements(`{"default": {"six": {"version": "==1", "hashes": ["x y"]}}}`, {}),
    /malformed hash/,
  );
  assert.throws(
    () => lockToRequirements(`{"_meta": {"sources": [{"url": "https://$TOKEN@h/s"}]}}`, {}),
    (e) => e instanceof LockProblem && /\$\{TOKEN\}, which is not set/.test(e.message),
  );
});

Deno.test("expandEnv expands ${VAR} and $VAR", () => {
  assert.equal(expandEnv("https://${A}@h/$B/x", { A: "1", B: "2" }), "https://1@h/2/x");
});
