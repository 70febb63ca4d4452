import assert from "node:assert/strict";
import { choosePhase } from "./mod.ts";
import { buildpackRoot, programName } from "./lib/root.ts";

Deno.test("choosePhase takes the phase from argv[0], else the first argument", () => {
  assert.deepEqual(choosePhase("/bp/bin/supply", ["a", "b"]), { name: "supply", args: ["a", "b"] });
  assert.deepEqual(choosePhase("/bp/bin/compile", ["a"]), { name: "compile", args: ["a"] });
  assert.deepEqual(choosePhase("/bp/bin/buildpack", ["detect", "/app"]), {
    name: "detect",
    args: ["/app"],
  });
  assert.deepEqual(choosePhase("buildpack", ["--version"]), { name: "version", args: [] });
  assert.deepEqual(choosePhase("/bp/bin/buildpack", []), { name: undefined, args: [] });
});

Deno.test("buildpackRoot is the parent of argv[0]'s dir, without following the file's symlink", () => {
  assert.equal(buildpackRoot("/tmp/buildpacks/abc/bin/supply"), "/tmp/buildpacks/abc");
  assert.equal(programName("/tmp/buildpacks/abc/bin/supply"), "supply");
});

async function runShim(name: string, args: string[]): Promise<{ code: number; stdout: string }> {
  const bin = new URL(`./bin/${name}`, import.meta.url).pathname;
  const out = await new Deno.Command(bin, { args, stdout: "piped", stderr: "piped" }).output();
  return { code: out.code, stdout: new TextDecoder().decode(out.stdout) };
}

Deno.test("the dev shim dispatches on the symlink name; unknown commands exit 2 with usage", async () => {
  const app = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${app}/requirements.txt`, "flask\n");
    const version = (await Deno.readTextFile(new URL("./VERSION", import.meta.url))).trim();
    assert.deepEqual(await runShim("detect", [app]), { code: 0, stdout: `python ${version}\n` });
    await Deno.remove(`${app}/requirements.txt`);
    assert.equal((await runShim("detect", [app])).code, 1);
    for (const lock of ["uv.lock", "poetry.lock"]) {
      await Deno.writeTextFile(`${app}/${lock}`, "version = 1\n");
      assert.equal((await runShim("detect", [app])).code, 0, `${lock} is detected`);
      await Deno.remove(`${app}/${lock}`);
    }
    const bad = await runShim("buildpack", ["frobnicate"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stdout, /Unknown command 'frobnicate'/);
    assert.match(
      bad.stdout,
      /Usage: buildpack <detect\|supply\|finalize\|release\|compile\|version>/,
    );
    const release = await runShim("release", [app]);
    assert.equal(release.stdout, "---\ndefault_process_types: {}\n");
    const supply = await runShim("supply", [app]);
    assert.equal(supply.code, 2);
    assert.match(
      supply.stdout,
      /bin\/supply expects arguments BUILD_DIR CACHE_DIR DEPS_DIR DEPS_IDX, got 1/,
    );
  } finally {
    await Deno.remove(app, { recursive: true });
  }
});
