import assert from "node:assert/strict";
import { bypassesProxy, proxyFor } from "./proxy.ts";

Deno.test("proxyFor picks the scheme's proxy, lower case first", () => {
  const env = { http_proxy: "http://p1:3128", HTTPS_PROXY: "p2:8080" };
  assert.equal(proxyFor("http://example.com/x", env), "http://p1:3128");
  assert.equal(proxyFor("https://example.com/x", env), "http://p2:8080");
  assert.equal(proxyFor("file:///tmp/x", env), undefined);
  assert.equal(proxyFor("https://example.com/", {}), undefined);
  assert.equal(
    proxyFor("https://example.com/", { https_proxy: "http://a:1", HTTPS_PROXY: "http://b:2" }),
    "http://a:1",
  );
});

Deno.test("no_proxy: exact, domain suffix, leading dot, wildcard, port", () => {
  assert.ok(bypassesProxy("example.com", "443", "example.com"));
  assert.ok(bypassesProxy("a.example.com", "443", "example.com"));
  assert.ok(bypassesProxy("a.example.com", "443", ".example.com"));
  assert.ok(bypassesProxy("example.com", "443", ".example.com"));
  assert.ok(bypassesProxy("anything", "80", "*"));
  assert.ok(bypassesProxy("127.0.0.1", "8080", "localhost, 127.0.0.1:8080"));
  assert.ok(!bypassesProxy("127.0.0.1", "9090", "127.0.0.1:8080"));
  assert.ok(!bypassesProxy("badexample.com", "443", "example.com"));
  assert.equal(
    proxyFor("http://127.0.0.1:9/x", { http_proxy: "http://p:1", NO_PROXY: "127.0.0.1" }),
    undefined,
  );
});

Deno.test("no_proxy: IPv4 CIDR ranges", () => {
  assert.ok(bypassesProxy("127.0.0.1", "80", "localhost,127.0.0.0/8"));
  assert.ok(bypassesProxy("10.1.2.3", "443", "10.0.0.0/8"));
  assert.ok(bypassesProxy("192.168.1.7", "80", "192.168.1.0/24"));
  assert.ok(!bypassesProxy("192.168.2.7", "80", "192.168.1.0/24"));
  assert.ok(!bypassesProxy("example.com", "80", "10.0.0.0/8"));
  assert.ok(bypassesProxy("1.2.3.4", "80", "0.0.0.0/0"));
  assert.ok(!bypassesProxy("10.0.0.1", "80", "10.0.0.0/33"), "a bad prefix matches nothing");
});
