import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Dependency } from "../../lib/manifest.ts";
import { bundledEntry, bundleDependencies } from "./dependencies.ts";

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

async function fixture(dir: string, name: string, text: string): Promise<Dependency> {
  const path = join(dir, "src", name);
  await Deno.mkdir(join(dir, "src"), { recursive: true });
  const bytes = new TextEncoder().encode(text);
  await Deno.writeFile(path, bytes);
  return {
    name: name.split("_")[0],
    version: "1.0",
    uri: pathToFileURL(path).href,
    sha256: sha256(bytes),
    cfStacks: [],
  };
}

Deno.test("bundledEntry is dependencies/<md5 of uri>/<basename>", () => {
  const dep = {
    name: "python",
    version: "3.11.16",
    uri: "https://example.org/a/python_3.11.16.tgz",
    sha256: "",
    cfStacks: [],
    file: "ignored",
  };
  const md5 = createHash("md5").update(dep.uri).digest("hex");
  assert.equal(bundledEntry(dep), `dependencies/${md5}/python_3.11.16.tgz`);
});

Deno.test("downloads are verified and kept in the download cache", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const dep = await fixture(dir, "python_1.tgz", "runtime");
    const lines: string[] = [];
    const options = { downloadCache: join(dir, "cache"), log: (l: string) => lines.push(l) };
    const [first] = await bundleDependencies([dep], options);
    assert.equal(first.path, join(dir, "cache", dep.sha256, "python_1.tgz"));
    await Deno.remove(join(dir, "src"), { recursive: true }); // the URI is gone now
    const [second] = await bundleDependencies([dep], options);
    assert.equal(second.path, first.path);
    assert.match(lines[0], /^Download \[file:/);
    assert.match(lines[1], /^Cached \[/);
    await assert.rejects(
      () => bundleDependencies([{ ...dep, sha256: "0".repeat(64) }], options),
      /Could not (install|download)/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--dependency-dir never downloads and lists every missing or wrong file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const good = await fixture(dir, "pip_1.tgz", "pip");
    const wrong = await fixture(dir, "python_1.tgz", "runtime");
    const absent = await fixture(dir, "setuptools_1.tgz", "st");
    const local = join(dir, "local");
    const md5 = createHash("md5").update(good.uri).digest("hex");
    await Deno.mkdir(join(local, md5), { recursive: true });
    await Deno.copyFile(join(dir, "src", "pip_1.tgz"), join(local, md5, "pip_1.tgz"));
    await Deno.writeTextFile(join(local, "python_1.tgz"), "tampered");
    const options = { dependencyDir: local, downloadCache: join(dir, "cache"), log: () => {} };
    assert.equal(
      (await bundleDependencies([good], options))[0].path,
      join(local, md5, "pip_1.tgz"),
    );
    await assert.rejects(
      () => bundleDependencies([good, wrong, absent], options),
      (err: Error) => {
        assert.match(err.message, /lacks 2 of the dependencies/);
        assert.match(err.message, /python_1\.tgz \(.* has sha256 [0-9a-f]{64}, not/);
        assert.match(err.message, /setuptools_1\.tgz \(setuptools 1\.0, from file:/);
        return true;
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
