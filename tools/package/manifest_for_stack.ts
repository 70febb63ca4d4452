/**
 * The manifest a release zip carries: for one stack, `stack: S` after
 * `language`, only the dependencies for S and no `cf_stacks`; for `any`,
 * every dependency as it is. A cached zip's entries also get `file:`. The
 * YAML is edited as a document, so quoting, order and comments stay. Pure.
 * @module
 */
import { isMap, isSeq, parseDocument, YAMLMap } from "yaml";
import { type Dependency, type Manifest, stacksOf } from "../../lib/manifest.ts";
import { parseManifest } from "../../lib/manifest_yaml.ts";
import { packageStackUnknown } from "../../lib/errors.ts";

/** `--stack any`: keep every stack. */
export const ANY_STACK = "any";

/** The rewritten manifest. */
export interface StackManifest {
  /** The YAML text for the zip's `manifest.yml`. */
  text: string;
  /** It, parsed. */
  manifest: Manifest;
  /** The dependencies it lists, in order. */
  dependencies: Dependency[];
}

function stackList(item: unknown): string[] | undefined {
  if (!isMap(item)) return undefined;
  const stacks = item.get("cf_stacks");
  if (!isSeq(stacks)) return undefined;
  return stacks.items.map((s) => String((s as { value?: unknown }).value ?? s).trim());
}

/**
 * Rewrite manifest `text` (read from `file`) for `stack` (or {@link ANY_STACK}).
 * `fileFor` gives the `file:` value of a kept dependency (cached zips).
 * @throws BuildpackError when the manifest is invalid or has no dependencies for `stack`
 */
export function manifestForStack(
  text: string,
  options: { file: string; stack: string; fileFor?: (dep: Dependency) => string },
): StackManifest {
  const { stack, file } = options;
  const source = parseManifest(text, file);
  if (stack !== ANY_STACK && !stacksOf(source).includes(stack)) {
    throw packageStackUnknown(file, stack, stacksOf(source));
  }
  const doc = parseDocument(text);
  const root = doc.contents as YAMLMap;
  const deps = root.get("dependencies");
  if (isSeq(deps) && stack !== ANY_STACK) {
    deps.items = deps.items.filter((item) => {
      const stacks = stackList(item);
      return stacks === undefined || stacks.length === 0 || stacks.includes(stack);
    });
    for (const item of deps.items) if (isMap(item)) item.delete("cf_stacks");
  }
  if (stack !== ANY_STACK) {
    root.delete("stack");
    const at = Math.max(0, root.items.findIndex((p) => String(p.key) === "language") + 1);
    root.items.splice(at, 0, doc.createPair("stack", stack));
  }
  const kept = parseManifest(doc.toString(), file).dependencies;
  if (options.fileFor && isSeq(deps)) {
    deps.items.forEach((item, i) => {
      if (isMap(item)) item.set("file", options.fileFor!(kept[i]));
    });
  }
  const packaged = stack === ANY_STACK ? "every stack" : `stack ${stack}`;
  const note = ` Packaged for ${packaged} by tools/package${options.fileFor ? " (cached)" : ""}.`;
  doc.commentBefore = doc.commentBefore ? `${note}\n${doc.commentBefore}` : note;
  const out = doc.toString();
  const manifest = parseManifest(out, file);
  return { text: out, manifest, dependencies: manifest.dependencies };
}

/**
 * `manifest` with `added` (entries the packager made, such as bytecode
 * archives) appended to its dependencies, each right after the entry whose
 * tarball it was made from when it names one (`runtime_sha256`). Pure.
 */
export function withAddedDependencies(
  manifest: StackManifest,
  added: Dependency[],
  file: string,
): StackManifest {
  if (added.length === 0) return manifest;
  const doc = parseDocument(manifest.text);
  const deps = (doc.contents as YAMLMap).get("dependencies");
  if (!isSeq(deps)) throw new Error(`${file}: no dependencies list to add to`);
  for (const dep of added) {
    const entry: Record<string, unknown> = {
      name: dep.name,
      version: dep.version,
      uri: dep.uri,
      sha256: dep.sha256,
      ...(dep.cfStacks.length ? { cf_stacks: dep.cfStacks } : {}),
      ...(dep.runtimeSha256 ? { runtime_sha256: dep.runtimeSha256 } : {}),
      ...(dep.file ? { file: dep.file } : {}),
    };
    const after = deps.items.findIndex((item) =>
      isMap(item) && String(item.get("sha256")).toLowerCase() === dep.runtimeSha256
    );
    deps.items.splice(after < 0 ? deps.items.length : after + 1, 0, doc.createNode(entry));
  }
  const text = doc.toString();
  const parsed = parseManifest(text, file);
  return { text, manifest: parsed, dependencies: parsed.dependencies };
}
