import assert from "node:assert/strict";
import { logicalLines, requirementFiles, summarizeRequirements } from "./requirements.ts";

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

Deno.test("requirementFiles follows nested -r relative to each file, once", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/reqs`);
    await Deno.writeTextFile(`${dir}/requirements.txt`, "-r reqs/base.txt\nflask\n");
    await Deno.writeTextFile(`${dir}/reqs/base.txt`, "-r common.txt\n-r ../requirements.txt\n");
    await Deno.writeTextFile(`${dir}/reqs/common.txt`, "gunicorn\n");
    const files = await requirementFiles(dir, "requirements.txt");
    assert.deepEqual(files.map((f) => f.path), [
      "requirements.txt",
      "reqs/base.txt",
      "reqs/common.txt",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
