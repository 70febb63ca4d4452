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
