import assert from "node:assert/strict";
import { downloaderErrors, parseNltkTxt } from "./nltk.ts";

Deno.test("parseNltkTxt splits on whitespace and commas, drops comments and repeats", () => {
  assert.deepEqual(parseNltkTxt("\uFEFFpunkt\r\nwordnet, stopwords # x\n# all\n\npunkt\n"), [
    "punkt",
    "wordnet",
    "stopwords",
  ]);
  assert.deepEqual(parseNltkTxt(""), []);
});

Deno.test("downloaderErrors finds failures in the downloader's output", () => {
  assert.deepEqual(
    downloaderErrors(
      "[nltk_data] Downloading package tiny to /x...\n[nltk_data]   Unzipping corpora/tiny.zip.\n",
    ),
    [],
  );
  assert.deepEqual(
    downloaderErrors("[nltk_data] Error loading nope: Package 'nope' not found in index\n"),
    ["[nltk_data] Error loading nope: Package 'nope' not found in index"],
  );
});
