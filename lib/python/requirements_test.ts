import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { BuildpackError } from "../errors.ts";
import {
  includeLines,
  logicalLines,
  numberedLines,
  requirementFiles,
  summarizeRequirements,
} from "./requirements.ts";

Deno.test("logicalLines joins continuations and drops comments", () => {
  assert.deepEqual(logicalLines("\uFEFFflask==3.1 \\\r\n  # c\n# x\ngunicorn # web\n\n"), [
    "flask==3.1",
    "gunicorn",
  ]);
});

Deno.test("summarizeRequirements finds includes, local paths and requirements", () => {
  const s = summarizeRequirements(
    [
      "-r base.txt",
      "--requirement=more.txt",
      "-c constraints.txt",
      "-i https://user:pw@example.com/simple",
      "--extra-index-url https://x/simple",
      "-e .",
      "./libs/util",
      "flask>=3",
      "requests[socks]; python_version>'3'",
      "-e git+https://github.com/a/b.git#egg=b",
      "file:///tmp/x.whl",
    ].join("\n"),
  );
  assert.deepEqual(s.includes, ["base.txt", "more.txt", "constraints.txt"]);
  assert.deepEqual(s.localPaths, [".", "./libs/util", "file:///tmp/x.whl"]);
  assert.equal(s.requirements.length, 6);
});

Deno.test("summarizeRequirements of an empty file lists nothing", () => {
  assert.deepEqual(summarizeRequirements("# nothing\n\n"), {
    includes: [],
    localPaths: [],
    requirements: [],
  });
});

async function withApp(
  files: Record<string, string>,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "reqs-" });
  try {
    for (const [name, text] of Object.entries(files)) {
      await Deno.mkdir(dirname(join(dir, name)), { recursive: true });
      await Deno.writeTextFile(join(dir, name), text);
    }
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function failure(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(() => undefined, (e) => e);
  assert.ok(err instanceof BuildpackError, `expected a BuildpackError, got ${err}`);
  return err.message;
}

Deno.test("numberedLines keeps the line each logical line starts on", () => {
  assert.deepEqual(numberedLines("# c\nflask \\\n  ==3.1\n\n-r x.txt # why\n"), [
    { line: 2, text: "flask   ==3.1" },
    { line: 5, text: "-r x.txt" },
  ]);
  assert.deepEqual(includeLines("a\n-c c.txt\n--requirement=b.txt\n"), [
    { line: 2, include: "c.txt", constraint: true },
    { line: 3, include: "b.txt", constraint: false },
  ]);
});

Deno.test("requirementFiles follows nested -r relative to each file, once each", async () => {
  const files = {
    "requirements.txt": "-r reqs/base.txt\n-c reqs/common.txt\nflask\n",
    "reqs/base.txt": "-r common.txt\n-r https://example.com/remote.txt\n",
    "reqs/common.txt": "gunicorn\n",
  };
  await withApp(files, async (dir) => {
    const found = await requirementFiles(dir, "requirements.txt");
    assert.deepEqual(found.map((f) => f.path), [
      "requirements.txt",
      "reqs/base.txt",
      "reqs/common.txt",
    ]);
    assert.deepEqual(await requirementFiles(dir, "absent.txt"), []);
  });
});

Deno.test("requirementFiles refuses includes that leave the app, naming file and line", async () => {
  for (const include of ["../../../../x.txt", "/etc/passwd", "file:///etc/passwd"]) {
    await withApp({ "requirements.txt": `flask\n-r ${include}\n` }, async (dir) => {
      const message = await failure(requirementFiles(dir, "requirements.txt"));
      assert.match(message, /^requirements\.txt line 2 includes '.*', which is outside the app/);
      assert.match(message, /Keep included requirements files inside the app/);
    });
  }
  await withApp({ "requirements.txt": "-r reqs/link.txt\n", "reqs/x": "" }, async (dir) => {
    await Deno.symlink("/etc/passwd", join(dir, "reqs", "link.txt"));
    const message = await failure(requirementFiles(dir, "requirements.txt"));
    assert.match(message, /^requirements\.txt line 1 includes 'reqs\/link\.txt', which is outside/);
    assert.doesNotMatch(message, /root:/);
  });
});

Deno.test("requirementFiles: a missing include and an include loop are errors", async () => {
  await withApp({ "requirements.txt": "flask\n\n-r base.txt\n" }, async (dir) => {
    const message = await failure(requirementFiles(dir, "requirements.txt"));
    assert.match(message, /^requirements\.txt line 3 includes 'base\.txt', which does not exist/);
  });
  const loop = {
    "requirements.txt": "-r reqs/base.txt\n",
    "reqs/base.txt": "flask\n-r ../requirements.txt\n",
  };
  await withApp(loop, async (dir) => {
    const message = await failure(requirementFiles(dir, "requirements.txt"));
    assert.match(
      message,
      /^reqs\/base\.txt line 2 includes requirements\.txt again: .* loop \(requirements\.txt -> reqs\/base\.txt -> requirements\.txt\)/,
    );
  });
});

Deno.test("requirementFiles: non-UTF-8 bytes name the file", async () => {
  await withApp({ "requirements.txt": "-r other.txt\n" }, async (dir) => {
    await Deno.writeFile(join(dir, "other.txt"), new Uint8Array([0x66, 0xff, 0x0a]));
    const message = await failure(requirementFiles(dir, "requirements.txt"));
    assert.match(
      message,
      /^Could not read other\.txt: it is not valid UTF-8; found bytes ff 0a at offset 1/,
    );
  });
});
