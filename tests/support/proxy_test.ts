import assert from "node:assert/strict";
import { tinyproxyConfig } from "./proxy.ts";

Deno.test("tinyproxyConfig: loopback only, logged, optional outgoing address", () => {
  const plain = tinyproxyConfig(3128, { logFile: "/tmp/x/tinyproxy.log" });
  assert.match(plain, /^Port 3128\nListen 127\.0\.0\.1\n/);
  assert.match(plain, /^Allow 127\.0\.0\.1$/m);
  assert.match(plain, /^LogFile "\/tmp\/x\/tinyproxy\.log"$/m);
  assert.doesNotMatch(plain, /^Bind /m);
  const bound = tinyproxyConfig(3128, { logFile: "/tmp/l", outgoing: "127.0.0.2" });
  assert.match(bound, /^Bind 127\.0\.0\.2$/m);
});
