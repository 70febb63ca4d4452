import assert from "node:assert/strict";
import { configYaml, envFiles, profileScript } from "./launch_files.ts";

Deno.test("profileScript uses only $DEPS_DIR-relative paths", () => {
  const script = profileScript({ depsIdx: "3", buildpackVersion: "1.0.0" });
  assert.ok(script.includes("export PYTHONHOME=$DEPS_DIR/3/python\n"));
  assert.ok(script.includes("export PYTHONPATH=$DEPS_DIR/3\n"));
  assert.ok(script.includes("export PYTHONUNBUFFERED=1\n"));
  assert.ok(
    script.includes("export GUNICORN_CMD_ARGS=${GUNICORN_CMD_ARGS:-'--access-logfile -'}\n"),
  );
  assert.ok(!/\/tmp\//.test(script));
  assert.ok(!script.includes("NLTK_DATA"));
  assert.ok(
    profileScript({ depsIdx: "0", buildpackVersion: "1", nltkData: true }).includes("NLTK_DATA"),
  );
});

Deno.test("profileScript keeps user-set values in bash", async () => {
  const script = profileScript({ depsIdx: "0", buildpackVersion: "1" });
  const out = await new Deno.Command("bash", {
    args: ["-c", `${script}\necho "$GUNICORN_CMD_ARGS|$PYTHONHASHSEED|$PYTHONHOME"`],
    env: { DEPS_DIR: "/home/vcap/deps", GUNICORN_CMD_ARGS: "--workers 3", PYTHONHASHSEED: "0" },
    stdout: "piped",
  }).output();
  assert.equal(
    new TextDecoder().decode(out.stdout).trim(),
    "--workers 3|0|/home/vcap/deps/0/python",
  );
});

Deno.test("envFiles and configYaml", () => {
  const env = envFiles("/tmp/deps/0", { depsIdx: "0", buildpackVersion: "2.0.0" });
  assert.equal(env.PYTHONHOME, "/tmp/deps/0/python");
  assert.equal(env.LIBRARY_PATH, "/tmp/deps/0/lib");
  assert.equal(
    configYaml({ depsIdx: "0", buildpackVersion: "2.0.0" }),
    "name: python\nversion: 2.0.0\nconfig: {}\n",
  );
});
