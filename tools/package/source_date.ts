/**
 * The one timestamp every zip entry gets: `SOURCE_DATE_EPOCH`, else the last
 * commit's date (`git log -1 --format=%ct`).
 * @module
 */
import { packageSourceDate } from "../../lib/errors.ts";

/** Parse a `SOURCE_DATE_EPOCH` value (whole seconds since 1970). Pure. */
export function parseSourceDateEpoch(value: string): number {
  const trimmed = value.trim();
  if (!/^\d+$/.test(trimmed)) {
    throw packageSourceDate(
      `SOURCE_DATE_EPOCH is ${JSON.stringify(value)}; expected whole seconds since 1970`,
    );
  }
  return Number(trimmed);
}

/** Where the epoch came from, for the log. */
export interface SourceDate {
  /** Seconds since 1970. */
  epoch: number;
  /** `SOURCE_DATE_EPOCH` or `git log`. */
  from: string;
}

/** `SOURCE_DATE_EPOCH` from `env`, else the last commit of the git checkout at `repo`. */
export async function sourceDate(
  repo: string,
  env: Record<string, string | undefined>,
): Promise<SourceDate> {
  const fromEnv = env.SOURCE_DATE_EPOCH;
  if (fromEnv !== undefined && fromEnv !== "") {
    return { epoch: parseSourceDateEpoch(fromEnv), from: "SOURCE_DATE_EPOCH" };
  }
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("git", {
      args: ["-C", repo, "log", "-1", "--format=%ct"],
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
    }).output();
  } catch {
    throw packageSourceDate("SOURCE_DATE_EPOCH is not set and git is not installed");
  }
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success || !/^\d+$/.test(text)) {
    const why = new TextDecoder().decode(out.stderr).trim().split("\n")[0];
    throw packageSourceDate(
      `SOURCE_DATE_EPOCH is not set and ${repo} has no git commit to date the zip by` +
        (why ? ` (${why})` : ""),
    );
  }
  return { epoch: Number(text), from: "git log -1" };
}
