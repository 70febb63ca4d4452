/**
 * Pipenv's `${VAR}` / `$VAR` expansion in Pipfile and Pipfile.lock source
 * URLs, and the problem type the Pipfile.lock reader reports. Pure.
 * @module
 */

/** Something wrong with a Pipfile.lock; the caller turns it into a BuildpackError. */
export class LockProblem extends Error {}

/**
 * Expand `${VAR}` and `$VAR` in a source URL as Pipenv does.
 * @throws LockProblem naming the unset variable
 */
export function expandEnv(url: string, env: Record<string, string | undefined>): string {
  return url.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, a, b) => {
    const name = a ?? b;
    const value = env[name];
    if (value === undefined) {
      throw new LockProblem(
        `its source URL ${url} uses \${${name}}, which is not set in the staging environment`,
      );
    }
    return value;
  });
}
