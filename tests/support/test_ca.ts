/**
 * A throwaway certificate authority for tests, made with the openssl CLI at
 * test time: a CA certificate and a server certificate for `127.0.0.1` and
 * `localhost` signed by it. Nothing is written outside its own temp dir and
 * the machine's trust store is never touched.
 * @module
 */
import { join } from "node:path";

/** A generated CA and a server certificate it signed. */
export interface TestCa {
  /** The temp dir holding every file; removed by {@link TestCa.remove}. */
  dir: string;
  /** Path of the CA certificate (PEM), what a client trusts. */
  caFile: string;
  /** The server certificate (PEM), for `Deno.serve({ cert })`. */
  cert: string;
  /** The server's private key (PEM), for `Deno.serve({ key })`. */
  key: string;
  /** Remove the temp dir. */
  remove(): Promise<void>;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd, stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** Why a test CA cannot be made here (no openssl), or `undefined`. */
export function caSkipReason(): string | undefined {
  try {
    const out = new Deno.Command("openssl", { args: ["version"], stdout: "null", stderr: "null" })
      .outputSync();
    return out.success ? undefined : "openssl does not run";
  } catch {
    return "openssl is not installed (apt-get install openssl)";
  }
}

const SERVER_EXT = [
  "basicConstraints=critical,CA:FALSE",
  "keyUsage=critical,digitalSignature,keyEncipherment",
  "extendedKeyUsage=serverAuth",
  "subjectAltName=IP:127.0.0.1,DNS:localhost",
  "subjectKeyIdentifier=hash",
  "authorityKeyIdentifier=keyid",
].join("\n") + "\n";

/**
 * Generate a CA named `name` (its subject CN) and a server certificate for
 * 127.0.0.1 signed by it (P-256 keys, valid one day).
 */
export async function createTestCa(name = "buildpack test CA"): Promise<TestCa> {
  const dir = await Deno.makeTempDir({ prefix: "e2e-ca-" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  try {
    await openssl([
      "req",
      "-x509",
      ...ec,
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "1",
      "-subj",
      `/CN=${name}`,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ], dir);
    await openssl(
      ["req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"],
      dir,
    );
    await Deno.writeTextFile(join(dir, "server.ext"), SERVER_EXT);
    await openssl([
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "server.pem",
      "-days",
      "1",
      "-extfile",
      "server.ext",
    ], dir);
    return {
      dir,
      caFile: join(dir, "ca.pem"),
      cert: await Deno.readTextFile(join(dir, "server.pem")),
      key: await Deno.readTextFile(join(dir, "server.key")),
      remove: () => Deno.remove(dir, { recursive: true }).catch(() => {}),
    };
  } catch (e) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw e;
  }
}
