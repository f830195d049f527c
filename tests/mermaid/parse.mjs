// Parses Mermaid documents with Mermaid's own parser: one line per file,
// "ok PATH" or "error PATH: MESSAGE"; exit status 1 when any fails.
// Mermaid sanitizes labels with DOMPurify, which needs a DOM: jsdom's.
import { readFileSync } from "node:fs";
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!DOCTYPE html><body></body>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
globalThis.DOMPurify = undefined;

const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });

let failed = 0;
for (const path of process.argv.slice(2)) {
  const text = readFileSync(path, "utf8");
  try {
    const result = await mermaid.parse(text);
    console.log(`ok ${path} ${result.diagramType}`);
  } catch (e) {
    failed += 1;
    const message = String(e && e.message ? e.message : e).replace(/\s+/g, " ");
    console.log(`error ${path}: ${message}`);
  }
}
process.exit(failed ? 1 : 0);
