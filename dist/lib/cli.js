import { createRequire as __ffCreateRequire } from 'node:module'; const require = __ffCreateRequire(import.meta.url);
import {
  EXIT_CODES,
  EXIT_USAGE,
  UsageError,
  parseInvocation,
  renderHelp,
  runDeploy
} from "./chunks/chunk-M7DGTTYR.js";
import "./chunks/chunk-N2DGJREG.js";
import {
  describeError,
  neutralize,
  systemClock
} from "./chunks/chunk-N2BGSRBE.js";

// src/cli/main.ts
import { readFileSync } from "node:fs";

// package.json
var package_default = { version: "0.1.0" };

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
      const { runDemo } = await import("./chunks/replay-TLRPQTED.js");
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
