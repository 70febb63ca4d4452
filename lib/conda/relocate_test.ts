import assert from "node:assert/strict";
import { join } from "node:path";
import { prefixedTextFiles, profileScript, writeRelocation } from "./relocate.ts";

/** Source profile.d/conda.sh the launcher's way, with DEPS_DIR set. */
async function sourceProfile(depsDir: string, idx: string): Promise<string> {
  const out = await new Deno.Command("bash", {
    args: [
      "-c",
      'source "$DEPS_DIR/$1/profile.d/conda.sh" && echo "activated=$ACTIVATED"',
      "_",
      idx,
    ],
    env: { DEPS_DIR: depsDir, PATH: Deno.env.get("PATH")! },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.ok(out.success, text);
  return text;
}

Deno.test("profileScript names no staging path", () => {
  const script = profileScript("03");
  assert.match(script, /__bp_conda="\$DEPS_DIR\/03"/);
  assert.match(script, /source "\$__bp_conda\/conda\/bin\/activate" dep_env\n/);
  assert.doesNotMatch(script, /\/tmp\//);
});

Deno.test("the profile script relocates listed text files once, then activates", async () => {
  const root = await Deno.makeTempDir();
  try {
    // Characters sed would otherwise read as regex or replacement syntax.
    const staging = join(root, "st a.g*e [x]|&^$", "deps");
    const depsIdxDir = join(staging, "00");
    const conda = join(depsIdxDir, "conda");
    await Deno.mkdir(join(conda, "bin"), { recursive: true });
    await Deno.writeTextFile(
      join(conda, "bin", "activate"),
      `# test double of conda's bin/activate\n_CONDA_ROOT="${conda}"\nexport ACTIVATED="$1 from $_CONDA_ROOT"\n`,
    );
    await Deno.writeTextFile(join(conda, "bin", "tool"), `#!${conda}/bin/python\n`);
    await Deno.writeFile(
      join(conda, "binary.so"),
      new Uint8Array([0, 1, ...new TextEncoder().encode(conda), 0]),
    );
    await Deno.writeTextFile(join(conda, "untouched.txt"), "no prefix here\n");
    await Deno.symlink("bin/tool", join(conda, "link"));
    const files = await prefixedTextFiles(depsIdxDir);
    assert.deepEqual(files, ["conda/bin/activate", "conda/bin/tool"]);
    await writeRelocation(depsIdxDir, files);
    await Deno.mkdir(join(depsIdxDir, "profile.d"));
    await Deno.writeTextFile(join(depsIdxDir, "profile.d", "conda.sh"), profileScript("00"));

    const runtime = join(root, "home & vcap|\\1", "deps");
    await Deno.mkdir(join(runtime, ".."), { recursive: true });
    await Deno.rename(staging, runtime);
    const moved = join(runtime, "00");
    assert.equal(
      await sourceProfile(runtime, "00"),
      `activated=dep_env from ${moved}/conda\n`,
    );
    assert.equal(
      await Deno.readTextFile(join(moved, "conda", "bin", "tool")),
      `#!${moved}/conda/bin/python\n`,
    );
    assert.equal(await Deno.readTextFile(join(moved, "conda-relocation", "prefix")), moved + "\n");
    assert.equal(await Deno.readLink(join(moved, "conda", "link")), "bin/tool");
    // Once relocated, a second start changes nothing.
    const before = (await Deno.stat(join(moved, "conda", "bin", "tool"))).mtime;
    await sourceProfile(runtime, "00");
    assert.deepEqual((await Deno.stat(join(moved, "conda", "bin", "tool"))).mtime, before);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
