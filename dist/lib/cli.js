import { createRequire as __ffCreateRequire } from 'node:module'; const require = __ffCreateRequire(import.meta.url);
import {
  EXIT_CODES,
  EXIT_USAGE,
  UsageError,
  parseInvocation,
  renderHelp,
  runDeploy
} from "./chunks/chunk-V6HPXK3B.js";
import "./chunks/chunk-MBWVW4O5.js";
import {
  describeError,
  neutralize,
  systemClock
} from "./chunks/chunk-4IXU73SW.js";

// src/cli/main.ts
import { readFileSync } from "node:fs";

// package.json
var package_default = {
  name: "fleet-forward",
  version: "0.1.0",
  description: "Deploy a fleet of tenants from GitHub or Gitea Actions without ever rolling it backward: ownership, lock, gate, redeploy, promote, settle/verify, record.",
  license: "MIT",
  type: "module",
  engines: {
    node: ">=20.18.1"
  },
  bin: {
    "fleet-forward": "dist/cli.js"
  },
  files: [
    "dist/",
    "action.yml",
    "docs/",
    "CHANGELOG.md"
  ],
  scripts: {
    build: "node scripts/build.mjs",
    typecheck: "tsc --noEmit",
    lint: "eslint .",
    format: "prettier --write .",
    "format:check": "prettier --check .",
    test: "NODE_OPTIONS=--experimental-vm-modules jest",
    "check-dist": "node scripts/check-dist.mjs",
    demo: "node dist/cli.js demo",
    bench: "node bench/run.mjs",
    sim: "node test/sim/run.mjs",
    "preview-summary": "node scripts/preview-summary.mjs"
  },
  dependencies: {
    "@actions/core": "3.0.1",
    "@octokit/request-error": "7.1.2",
    "@octokit/rest": "22.0.1",
    "p-retry": "7.1.1",
    undici: "7.30.2"
  },
  devDependencies: {
    "@eslint/js": "10.0.1",
    "@octokit/openapi": "23.0.2",
    "@types/jest": "29.5.14",
    "@types/node": "20.19.43",
    ajv: "8.20.0",
    "ajv-formats": "3.0.1",
    esbuild: "0.28.2",
    eslint: "10.15.0",
    "eslint-config-prettier": "10.1.8",
    "eslint-plugin-jest": "29.17.0",
    "fast-check": "4.10.2",
    globals: "17.14.0",
    jest: "29.7.0",
    marked: "18.2.1",
    prettier: "3.10.1",
    "ts-jest": "29.4.15",
    typescript: "5.9.3",
    "typescript-eslint": "8.74.0"
  },
  overrides: {
    "@actions/http-client": {
      undici: "$undici"
    },
    "@octokit/request": "10.0.14"
  }
};

// src/cli/main.ts
async function runCli(argv, io) {
  if (argv.length === 0) {
    io.stderr.write(`${renderHelp()}
fleet-forward: no command; to deploy with inputs from the environment only, run \`fleet-forward deploy\`
`);
    return EXIT_USAGE;
  }
  let invocation;
  try {
    invocation = parseInvocation(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`fleet-forward: ${error.message}
`);
    return EXIT_USAGE;
  }
  switch (invocation.command) {
    case "help":
      io.stdout.write(renderHelp());
      return 0;
    case "version":
      io.stdout.write(`fleet-forward ${package_default.version}
`);
      return 0;
    case "demo": {
      const { runDemo } = await import("./chunks/replay-RJZKQSPY.js");
      return runDemo({ out: io.stdout, signal: io.signal });
    }
    case "deploy":
      return (await runDeploy(invocation, io)).code;
  }
}
async function main() {
  const controller = new AbortController();
  const cancel = (signal) => {
    process.stderr.write(`fleet-forward: ${signal} received, stopping (press Ctrl-C again to quit at once)
`);
    controller.abort(new Error(`received ${signal}`));
  };
  process.once("SIGINT", cancel);
  process.once("SIGTERM", cancel);
  try {
    process.exitCode = await runCli(process.argv.slice(2), {
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
      readTextFile: (path) => readFileSync(path, "utf8"),
      clock: systemClock,
      signal: controller.signal
    });
  } catch (error) {
    process.stderr.write(`fleet-forward: internal error: ${neutralize(describeError(error), 1e3)}
`);
    process.exitCode = EXIT_CODES.failed;
  } finally {
    process.removeListener("SIGINT", cancel);
    process.removeListener("SIGTERM", cancel);
  }
}
export {
  main,
  runCli
};
