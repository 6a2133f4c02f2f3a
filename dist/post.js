#!/usr/bin/env node

// src/entry/guard.ts
var MINIMUM_NODE_MAJOR = 20;
function nodeVersionProblem(version, execPath) {
  var _a;
  const major = Number((_a = /^v?(\d+)\./.exec(version)) == null ? void 0 : _a[1]);
  if (major >= MINIMUM_NODE_MAJOR) return null;
  return `fleet-forward needs Node.js ${MINIMUM_NODE_MAJOR} or newer, but this job runs Node.js ${version} (${execPath}). On Gitea act_runner the job container supplies node: use an image with Node 20+ (e.g. \`container: node:20-bookworm\`, or map the runner label to a current runner image); on a self-hosted GitHub runner, update the runner. Nothing was changed.`;
}
function launch(start) {
  const problem = nodeVersionProblem(process.version, process.execPath);
  if (problem) {
    process.stdout.write(errorLine(problem, process.env));
    process.exitCode = 1;
    return;
  }
  start().catch((error) => {
    process.stdout.write(errorLine(`fleet-forward internal error: ${String(error instanceof Error ? error.stack : error)}`, process.env));
    process.exitCode = 1;
  });
}
function errorLine(message, env) {
  const oneLine = message.replace(/\r?\n|\r/g, " | ");
  if (env.GITHUB_ACTIONS !== "true") return `error: ${oneLine}
`;
  return `::error::${oneLine.replace(/%/g, "%25")}
`;
}

// src/entry/post.ts
launch(() => import("./lib/post.js").then((post) => post.runPost()));
