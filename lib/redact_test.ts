import assert from "node:assert/strict";
import { redactUrls } from "./redact.ts";

Deno.test("redactUrls hides user and password in every URL", () => {
  assert.equal(
    redactUrls("Looking in indexes: https://bob:s3cret@pypi.example.com/simple, http://tok@h/x"),
    "Looking in indexes: https://-redacted-:-redacted-@pypi.example.com/simple, http://-redacted-@h/x",
  );
  assert.equal(redactUrls("https://example.com/a@b"), "https://example.com/a@b");
  assert.equal(redactUrls("no urls here: user@example.com"), "no urls here: user@example.com");
});

Deno.test("redactUrls: the userinfo ends at the LAST @ before the host", () => {
  assert.equal(redactUrls("https://u:p@ss@host/x"), "https://-redacted-:-redacted-@host/x");
  assert.equal(redactUrls("git+https://tok@en@h/r.git@v1"), "git+https://-redacted-@h/r.git@v1");
  assert.equal(
    redactUrls("Invalid URL: 'https://user:s3cret@[bad/x'"),
    "Invalid URL: 'https://-redacted-:-redacted-@[bad/x'",
  );
  const once = redactUrls("http://a:b@h");
  assert.equal(redactUrls(once), once, "redacting twice changes nothing");
});
