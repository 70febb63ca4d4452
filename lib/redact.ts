/**
 * Credential redaction for anything that reaches the log.
 * @module
 */

// The authority runs to the first `/`, `?`, `#`, blank or quote; the userinfo
// is everything in it before its LAST `@` (a password may itself hold `@`).
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)([^/?#\s'"<>]*)@/gi;

/**
 * Replace `user:password@` in every URL inside `text` with
 * `-redacted-:-redacted-@` (libbuildpack's spelling). A user name alone is
 * redacted too: tokens are often passed that way. Idempotent.
 */
export function redactUrls(text: string): string {
  return text.replace(
    URL_CREDENTIALS,
    (_m, scheme: string, userinfo: string) =>
      `${scheme}-redacted-${userinfo.includes(":") ? ":-redacted-" : ""}@`,
  );
}
