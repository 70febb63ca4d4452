import assert from "node:assert/strict";
import { parseCli, UsageError } from "./cli.ts";

Deno.test("parseCli: defaults", () => {
  assert.deepEqual(parseCli(["app"]), {
    appDir: "app",
    buildpacks: [],
    detect: false,
    manifest: undefined,
    cacheDir: undefined,
    env: {},
    stack: undefined,
    dropletPath: undefined,
    startCommand: undefined,
    appName: undefined,
    keep: false,
    start: false,
    port: undefined,
  });
});

Deno.test("parseCli: every option, repeatable buildpacks and env (values may hold '=')", () => {
  const cli = parseCli([
    "my-app",
    "--buildpack",
    "a",
    "-b",
    "b",
    "--manifest",
    "m.yml",
    "--cache",
    "c",
    "--env",
    "A=1",
    "-e",
    "URL=http://x/?q=1",
    "--stack",
    "cflinuxfs3",
    "--droplet",
    "d.tgz",
    "--start",
    "--port",
    "8081",
    "--start-command",
    "python app.py",
    "--detect",
    "--keep",
    "--name",
    "n",
  ]);
  assert.ok(cli !== "help");
  assert.deepEqual(cli.buildpacks, ["a", "b"]);
  assert.deepEqual(cli.env, { A: "1", URL: "http://x/?q=1" });
  assert.equal(cli.port, 8081);
  assert.equal(cli.startCommand, "python app.py");
  assert.equal(cli.stack, "cflinuxfs3");
  assert.equal(cli.start && cli.detect && cli.keep, true);
  assert.equal(cli.appName, "n");
});

Deno.test("parseCli: usage errors and help", () => {
  assert.equal(parseCli(["--help"]), "help");
  assert.throws(() => parseCli([]), UsageError);
  assert.throws(() => parseCli(["a", "b"]), UsageError);
  assert.throws(() => parseCli(["a", "--env", "NOVALUE"]), UsageError);
  assert.throws(() => parseCli(["a", "--port", "0"]), UsageError);
  assert.throws(() => parseCli(["a", "--bogus"]), UsageError);
});
