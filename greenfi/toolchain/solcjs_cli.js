#!/usr/bin/env node
// A `solc` command over npm's solcjs (WASM) that speaks the two parts of the native CLI that
// py-solc-x and Brownie use: `--version` and `--standard-json` (input on stdin, output on stdout).
// Imports not given in the input are read from disk, confined to --base-path and --allow-paths,
// the way the native compiler resolves them.
"use strict";
const fs = require("fs");
const path = require("path");

const solcModule = process.env.GREENFI_SOLCJS_MODULE || "solc";
const solc = require(solcModule);

function parseArgs(argv) {
  const args = { version: false, standardJson: false, allowPaths: [], basePath: process.cwd() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--version") args.version = true;
    else if (arg === "--standard-json") args.standardJson = true;
    else if (arg === "--allow-paths") args.allowPaths.push(...argv[++i].split(","));
    else if (arg.startsWith("--allow-paths=")) args.allowPaths.push(...arg.slice(14).split(","));
    else if (arg === "--base-path") args.basePath = argv[++i];
    else if (arg.startsWith("--base-path=")) args.basePath = arg.slice(12);
    else if (arg === "--include-path") args.allowPaths.push(argv[++i]);
    else {
      process.stderr.write(`solcjs shim: unsupported argument ${arg} (only --version and --standard-json)\n`);
      process.exit(2);
    }
  }
  return args;
}

function importReader(args) {
  const roots = [args.basePath, ...args.allowPaths].map((p) => path.resolve(p));
  return function findImport(importPath) {
    for (const root of roots) {
      const candidate = path.resolve(root, importPath);
      const inside = roots.some((r) => candidate === r || candidate.startsWith(r + path.sep));
      if (inside && fs.existsSync(candidate)) {
        return { contents: fs.readFileSync(candidate, "utf8") };
      }
    }
    return { error: `File not found inside the allowed paths: ${importPath}` };
  };
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.version) {
    process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
    return;
  }
  if (!args.standardJson) {
    process.stderr.write("solcjs shim: pass --version or --standard-json\n");
    process.exit(2);
  }
  const input = fs.readFileSync(0, "utf8");
  const output = solc.compile(input, { import: importReader(args) });
  process.stdout.write(output);
}

main();
