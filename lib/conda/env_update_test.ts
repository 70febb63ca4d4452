import assert from "node:assert/strict";
import { condaEnv, envUpdateArgs } from "./env_update.ts";

Deno.test("condaEnv keeps CONDA_*, PIP_* and proxies, sets the package cache", () => {
  const env = condaEnv({
    PATH: "/usr/bin",
    CONDA_SSL_VERIFY: "/etc/ssl/certs/ca.pem",
    CONDA_CHANNEL_ALIAS: "https://conda.example",
    PIP_INDEX_URL: "http://127.0.0.1:1/simple",
    https_proxy: "http://proxy:3128",
    PYTHONHOME: "/elsewhere",
    PYTHONPATH: "/elsewhere/lib",
    CONDA_PREFIX: "/old/env",
  }, { cacheDir: "/tmp/cache" });
  assert.deepEqual(env, {
    PATH: "/usr/bin",
    CONDA_SSL_VERIFY: "/etc/ssl/certs/ca.pem",
    CONDA_CHANNEL_ALIAS: "https://conda.example",
    PIP_INDEX_URL: "http://127.0.0.1:1/simple",
    https_proxy: "http://proxy:3128",
    CONDA_PKGS_DIRS: "/tmp/cache/conda",
  });
});

Deno.test("envUpdateArgs: --quiet, or --debug --verbose with BP_DEBUG", () => {
  assert.deepEqual(envUpdateArgs("/tmp/app/environment.yml", { debug: false }), [
    "env",
    "update",
    "--quiet",
    "-n",
    "dep_env",
    "-f",
    "/tmp/app/environment.yml",
  ]);
  assert.deepEqual(envUpdateArgs("/a/environment.yml", { debug: true }).slice(2, 4), [
    "--debug",
    "--verbose",
  ]);
});
