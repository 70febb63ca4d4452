/**
 * Finding a Django project's `manage.py`: at the app root, or one or two
 * levels down (monorepos, `src/` layouts), first in sorted order.
 * @module
 */
import { join } from "../path.ts";

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function subdirs(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)]
      .filter((e) => e.isDirectory && !e.name.startsWith("."))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/** `manage.py` relative to `appDir`, or undefined. */
export function findManagePy(appDir: string): string | undefined {
  if (isFile(join(appDir, "manage.py"))) return "manage.py";
  for (const a of subdirs(appDir)) {
    if (isFile(join(appDir, a, "manage.py"))) return `${a}/manage.py`;
  }
  for (const a of subdirs(appDir)) {
    for (const b of subdirs(join(appDir, a))) {
      if (isFile(join(appDir, a, b, "manage.py"))) return `${a}/${b}/manage.py`;
    }
  }
  return undefined;
}
