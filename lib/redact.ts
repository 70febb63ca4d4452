/**
 * Credential redaction for anything that reaches the log.
 * @module
 */

const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)([^/@\s:]+)(?::([^/@\s]*))?@/gi;

/**
 * Replace `user:password@` in every URL inside `text` with
 * `-redacted-:-redacted-@` (libbuildpack's spelling). A user name alone is
 * redacted too: tokens are often passed that way.
 */
export function redactUrls(text: string): string {
  return text.replace(
    URL_CREDENTIALS,
    (_m, scheme: string, _user: string, pass: string | undefined) =>
      `${scheme}-redacted-${pass === undefined ? "" : ":-redacted-"}@`,
  );
}
