import assert from "node:assert/strict";
import { multiSupplyScript, writeProfileDir } from "./multi_supply.ts";

Deno.test("multiSupplyScript puts later buildpacks first and skips dirs without bin/lib", () => {
  const script = multiSupplyScript([
    { idx: "0", subdirs: ["bin", "lib"] },
    { idx: "1", subdirs: [] },
    { idx: "2", subdirs: ["bin"] },
  ]);
  assert.match(script, /^export PATH=\$DEPS_DIR\/2\/bin:\$DEPS_DIR\/0\/bin\$\(/m);
  assert.match(script, /^export LD_LIBRARY_PATH=\$DEPS_DIR\/0\/lib\$\(/m);
  assert.match(script, /^export LIBRARY_PATH=\$DEPS_DIR\/0\/lib\$\(/m);
  assert.ok(!script.includes("/1/"));
});

Deno.test("writeProfileDir copies every deps profile.d script as <idx>_<name>", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const i of ["0", "1"]) {
      await Deno.mkdir(`${dir}/deps/${i}/profile.d`, { recursive: true });
      await Deno.mkdir(`${dir}/deps/${i}/bin`);
      await Deno.writeTextFile(`${dir}/deps/${i}/profile.d/x.sh`, `export X${i}=1\n`);
    }
    const copied = await writeProfileDir(`${dir}/deps`, `${dir}/profile.d`);
    assert.deepEqual(copied, ["0_x.sh", "1_x.sh"]);
    assert.deepEqual([...Deno.readDirSync(`${dir}/profile.d`)].map((e) => e.name).sort(), [
      "000_multi-supply.sh",
      "0_x.sh",
      "1_x.sh",
    ]);
    // the script works in bash: PATH gets both bin dirs, later first
    const out = await new Deno.Command("bash", {
      args: [
        "-c",
        `DEPS_DIR=/d; PATH=/usr/bin; source ${dir}/profile.d/000_multi-supply.sh; echo $PATH`,
      ],
      stdout: "piped",
    }).output();
    assert.equal(new TextDecoder().decode(out.stdout).trim(), "/d/1/bin:/d/0/bin:/usr/bin");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
