/**
 * Test helper: fake v2 buildpacks made of small bash scripts, and fake apps.
 * @module
 */
import { dirname, join } from "node:path";

/** Bodies of the fake buildpack's scripts (bash, after `set -euo pipefail`). */
export interface FakeScripts {
  /** `bin/detect` body. */
  detect?: string;
  /** `bin/supply` body. */
  supply?: string;
  /** `bin/finalize` body. */
  finalize?: string;
  /** `bin/release` body. */
  release?: string;
  /** `bin/compile` body (legacy). */
  compile?: string;
  /** Extra files, path => content. */
  files?: Record<string, string>;
}

/** Write `files` (path => content) under `dir`, creating parents. */
export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const file = join(dir, path);
    await Deno.mkdir(dirname(file), { recursive: true });
    await Deno.writeTextFile(file, content);
  }
}

/** Create fake buildpack `parent/name` with executable `bin/<script>` files; returns its path. */
export async function fakeBuildpack(
  parent: string,
  name: string,
  scripts: FakeScripts,
): Promise<string> {
  const dir = join(parent, name);
  await Deno.mkdir(join(dir, "bin"), { recursive: true });
  const { files, ...bins } = scripts;
  for (const [script, body] of Object.entries(bins)) {
    if (body === undefined) continue;
    const file = join(dir, "bin", script);
    await Deno.writeTextFile(file, `#!/usr/bin/env bash\nset -euo pipefail\n${body}\n`);
    await Deno.chmod(file, 0o755);
  }
  if (files) await writeFiles(dir, files);
  return dir;
}

/** A release script printing `default_process_types` with a web command. */
export function releaseWeb(command: string): string {
  return `cat <<'EOF'\n---\ndefault_process_types:\n  web: ${command}\nEOF`;
}
