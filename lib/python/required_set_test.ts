import assert from "node:assert/strict";
import {
  eggRequires,
  type InstalledDistribution,
  requiredClosure,
  requirementName,
  requiresDist,
  rootRequirements,
} from "./required_set.ts";
import { linuxEnvironment } from "./pep508.ts";

const ENV = linuxEnvironment("3.11.7");

function dist(...requires: string[]): InstalledDistribution {
  return { requires, direct: false };
}

Deno.test("requirementName: names and extras of plain lines, none for paths, URLs and -e", () => {
  assert.deepEqual(requirementName("Flask[Async]==3.1.3"), { name: "flask", extras: ["async"] });
  assert.deepEqual(requirementName("six --hash=sha256:ab"), { name: "six", extras: [] });
  assert.deepEqual(requirementName("gunicorn ; python_version >= '3.8'"), {
    name: "gunicorn",
    extras: [],
  });
  assert.equal(requirementName("-e ."), undefined);
  assert.equal(requirementName("./local/pkg"), undefined);
  assert.equal(requirementName("pkg @ https://host/pkg-1.0.whl"), undefined);
  assert.equal(requirementName("git+https://host/repo#egg=x"), undefined);
});

Deno.test("requiresDist reads the header section only", () => {
  const text = "Metadata-Version: 2.1\nName: flask\nRequires-Dist: click>=8.1.3\n" +
    "Requires-Dist: asgiref>=3.2 ; extra == 'async'\n\nRequires-Dist: not-a-header\n";
  assert.deepEqual(requiresDist(text), ["click>=8.1.3", "asgiref>=3.2 ; extra == 'async'"]);
});

Deno.test("eggRequires turns sections into markers", () => {
  assert.deepEqual(
    eggRequires("six\n\n[socks]\npysocks\n\n[:sys_platform == 'win32']\ncolorama\n"),
    ["six", 'pysocks ; extra == "socks"', "colorama ; (sys_platform == 'win32')"],
  );
});

Deno.test("requiredClosure follows requirements, markers and extras for the staged Python", () => {
  const installed = new Map([
    [
      "flask",
      dist(
        "click>=8",
        "blinker",
        "asgiref ; extra == 'async'",
        "importlib-metadata ; python_version < '3.10'",
      ),
    ],
    ["click", dist("colorama ; platform_system == 'Windows'")],
    ["blinker", dist()],
    ["asgiref", dist("typing-extensions ; python_version < '3.11'")],
    ["requests", dist("idna", "urllib3")],
    ["idna", dist()],
    ["urllib3", dist()],
  ]);
  assert.deepEqual(
    [...requiredClosure([{ name: "flask", extras: [] }], installed, ENV)].sort(),
    ["blinker", "click", "flask"],
  );
  assert.deepEqual(
    [...requiredClosure([{ name: "flask", extras: ["async"] }], installed, ENV)].sort(),
    ["asgiref", "blinker", "click", "flask"],
  );
  // An extra asked for on a later edge still counts.
  assert.ok(
    requiredClosure(
      [{ name: "flask", extras: [] }, { name: "flask", extras: ["async"] }],
      installed,
      ENV,
    )
      .has("asgiref"),
  );
});

Deno.test("rootRequirements: markers evaluated for the staged Python, unnamed lines noted", () => {
  assert.deepEqual(
    rootRequirements(
      ["flask==3.1.3", "pywin32 ; sys_platform == 'win32'", "-e .", "six --hash=sha256:ab"],
      ENV,
    ),
    { named: [{ name: "flask", extras: [] }, { name: "six", extras: [] }], unnamed: true },
  );
});
