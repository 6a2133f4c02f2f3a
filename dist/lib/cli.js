import { createRequire as __ffCreateRequire } from 'node:module'; const require = __ffCreateRequire(import.meta.url);
import {
  OCI_CONFIG,
  OCI_MANIFEST,
  REVISION_KEY,
  deployFleet
} from "./chunks/chunk-BV2QX2XK.js";
import {
  GREEN_RESULTS,
  INPUTS,
  InputError,
  InputErrors,
  NOT_PROMOTED,
  OUTPUTS,
  appendHistory,
  convergenceTimeline,
  describeError,
  forgeFromSettings,
  isSettled,
  neutralize,
  parseSettings,
  renderLogTable,
  scrubSecrets,
  shortSha,
  summarizeRound,
  systemClock,
  tagMove
} from "./chunks/chunk-G7C343EU.js";

// src/cli/main.ts
import { readFileSync as readFileSync2 } from "node:fs";

// src/demo/replay.ts
import { createHash as createHash3, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// src/cli/exit-codes.ts
var EXIT_CODES = {
  deployed: 0,
  noop: 0,
  planned: 0,
  superseded: 0,
  stale: 1,
  blocked: 2,
  failed: 3,
  aborted: 4
};
var EXIT_USAGE = 64;
var EXIT_DEMO_FAILED = 1;
function exitCodeOf(result) {
  return EXIT_CODES[result];
}
var EXIT_CODE_MEANINGS = [
  [0, "deployed, noop, planned (a dry run) or superseded (green: nothing needs a person)"],
  [1, "stale: a tenant did not report the expected commit within settle-budget (each one is named)"],
  [2, "blocked: refused by the gate, the lock (lock-timeout) or the promotion (:latest would go back)"],
  [3, "failed: the forge, registry or redeploy could not be used, or the token was refused"],
  [4, "aborted: cancelled by SIGINT/SIGTERM; nothing was rolled back"],
  [EXIT_USAGE, "bad usage or input: an unknown flag, or every invalid value, each named; nothing was contacted"]
];
function exitCodeTable() {
  return [
    ...EXIT_CODE_MEANINGS.map(([code, meaning]) => `${String(code).padEnd(3)} ${meaning}`),
    `    (demo: 0 when every expectation held, ${EXIT_DEMO_FAILED} otherwise)`
  ];
}

// src/cli/flags.ts
import { parseArgs } from "node:util";
var CONTEXT_FLAGS = [
  { flag: "repository", env: "GITHUB_REPOSITORY", description: "Repository on the forge, owner/name." },
  {
    flag: "api-url",
    env: "GITHUB_API_URL",
    description: "Forge API root, e.g. https://api.github.com or https://gitea.example/api/v1 (an /api/v1 URL selects Gitea)."
  },
  { flag: "server-url", env: "GITHUB_SERVER_URL", description: "Forge web root, for links in the record; also locates the API when --api-url is not given." },
  { flag: "run-id", env: "GITHUB_RUN_ID", description: "Identifier of this run in your CI, for the record and the redeploy Idempotency-Key." },
  {
    flag: "run-url",
    env: "FLEET_FORWARD_RUN_URL",
    description: "Link to this run in your CI (http or https), for the record, the lock and the statuses. Without it a run outside Actions links nowhere rather than to a guessed page."
  }
];
var TOOL_FLAGS = [
  { flag: "json", description: "Print the run record as JSON on stdout; the human-readable output goes to stderr." },
  { flag: "help", description: "Show this help (also: fleet-forward help)." },
  { flag: "version", description: "Print the version of fleet-forward and exit." }
];
var BOOLEAN_INPUTS = new Set(INPUTS.filter((spec) => spec.default === "true" || spec.default === "false").map((spec) => spec.name));
var BOOLEAN_WORDS = /* @__PURE__ */ new Set(["true", "True", "TRUE", "false", "False", "FALSE"]);
var SECRET_INPUTS = new Set(INPUTS.filter((spec) => spec.secret).map((spec) => spec.name));
var COMMANDS = /* @__PURE__ */ new Set(["deploy", "demo", "help"]);
var UsageError = class extends Error {
  constructor(message, flag = null) {
    super(message);
    this.flag = flag;
    this.name = "UsageError";
  }
  flag;
};
function envNameOf(input) {
  return `FLEET_FORWARD_${input.replace(/-/g, "_").toUpperCase()}`;
}
function parseInvocation(argv) {
  const options = {};
  for (const spec of INPUTS) options[spec.name] = { type: "string" };
  for (const spec of CONTEXT_FLAGS) options[spec.flag] = { type: "string" };
  options.json = { type: "boolean" };
  options.help = { type: "boolean", short: "h" };
  options.version = { type: "boolean", short: "V" };
  let parsed;
  try {
    parsed = parseArgs({ args: withBooleanValues(argv), options, strict: true, allowPositionals: true });
  } catch (error) {
    throw usageErrorOf(error);
  }
  const values = parsed.values;
  const [first, ...rest] = parsed.positionals;
  if (first !== void 0 && !COMMANDS.has(first)) {
    throw new UsageError(`unknown command '${first.slice(0, 40)}': expected deploy, demo or help`);
  }
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0].slice(0, 40)}': every value follows its flag, e.g. --tenants-file fleet.txt`);
  const command = values.help ? "help" : values.version ? "version" : first ?? "deploy";
  const inputs = /* @__PURE__ */ new Map();
  for (const spec of INPUTS) {
    const value = values[spec.name];
    if (typeof value === "string") inputs.set(spec.name, value);
  }
  const context = {};
  for (const spec of CONTEXT_FLAGS) {
    const value = values[spec.flag];
    if (typeof value === "string") context[spec.env] = value;
  }
  if (command === "demo") {
    const given = [...inputs.keys(), ...CONTEXT_FLAGS.filter((spec) => spec.env in context).map((spec) => spec.flag), ...values.json ? ["json"] : []];
    if (given.length > 0) throw new UsageError(`--${given[0]} does not apply to demo: the demo brings its own forge, registry and fleet`, `--${given[0]}`);
  }
  return {
    command,
    inputs,
    context,
    json: values.json === true,
    secretsOnCommandLine: [...inputs.keys()].filter((name) => SECRET_INPUTS.has(name) && inputs.get(name) !== "")
  };
}
function withBooleanValues(argv) {
  return argv.map((arg, i) => {
    const name = arg.startsWith("--") ? arg.slice(2) : "";
    return BOOLEAN_INPUTS.has(name) && !BOOLEAN_WORDS.has(argv[i + 1] ?? "") ? `${arg}=true` : arg;
  });
}
function usageErrorOf(error) {
  const { code, message } = error;
  const flag = /'(?:-[A-Za-z], )?(-{1,2}[^'\s,]+)/.exec(message ?? "")?.[1] ?? null;
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return new UsageError(`unknown flag '${flag ?? "?"}'${suggestionFor(flag)}: see fleet-forward --help for the flags (named like the action inputs)`, flag);
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return new UsageError(
        flag === "--json" || flag === "--help" || flag === "--version" ? `${flag} takes no value` : `${flag ?? "a flag"} needs a value, e.g. ${flag ?? "--flag"} <value>`,
        flag
      );
    default:
      return new UsageError(message ?? String(error), flag);
  }
}
function suggestionFor(flag) {
  const near = flag?.replace(/^-+/, "").replace(/_/g, "-").toLowerCase();
  const known = [...INPUTS.map((spec) => spec.name), ...CONTEXT_FLAGS.map((spec) => spec.flag)];
  return near && known.includes(near) ? ` (did you mean --${near}?)` : "";
}

// src/cli/help.ts
var NAME_WIDTH = 30;
var TEXT_WIDTH = 72;
function renderHelp() {
  const inputRows = INPUTS.map((spec) => {
    const envNames = secretEnvNames(spec.name);
    const notes = [
      spec.default ? `default: ${spec.default}` : "",
      spec.secret && !spec.description.includes(envNames[0]) ? `secret: set ${envNames.join(" or ")} rather than the flag` : ""
    ];
    const value = spec.default === "true" || spec.default === "false" ? "[true|false]" : "<value>";
    return row(`--${spec.name} ${value}`, [spec.description, ...notes.filter(Boolean).map((n) => `(${n})`)].join(" "));
  });
  const result = OUTPUTS.find((output) => output.name === "result");
  return [
    "fleet-forward: deploy a fleet of tenants without ever rolling it (or :latest) backward;",
    "verify every tenant's buildinfo and fail loudly, by name, when one is stale.",
    "",
    "Usage:",
    row("fleet-forward [deploy] --flag value \u2026", "Run the pipeline: ownership \u2192 redeploy \u2192 promote \u2192 settle/verify \u2192 record."),
    row("fleet-forward demo", "Replay the incident on a local simulated forge, registry and fleet (127.0.0.1 only)."),
    row("fleet-forward help", "This text (also --help, -h)."),
    "",
    `Inputs: flags named exactly like the action's inputs. A flag that is not given is read from`,
    `FLEET_FORWARD_<INPUT> (e.g. ${envNameOf("settle-budget")}=30), else its default. A switch alone means true`,
    "(--dry-run); --lock false turns one off.",
    ...inputRows,
    "",
    "Run context: what a runner would set. Each flag falls back to its variable, so the CLI also runs",
    "inside a job that exports them.",
    ...CONTEXT_FLAGS.map((spec) => row(`--${spec.flag} <value>`, `${spec.description} (env ${spec.env})`)),
    row("GITHUB_SHA", "Default for --sha."),
    row("GITEA_ACTIONS=true", "Selects Gitea under --forge auto."),
    row("GITHUB_ACTIONS=true", "Inside Actions: without --run-url, the run links to <server>/<repository>/actions/runs/<run-id>."),
    "",
    "Output:",
    ...TOOL_FLAGS.map((spec) => row(`--${spec.flag}`, spec.description)),
    "On a terminal a live block shows each verify round (counts, and the tenants not converged yet);",
    "otherwise each round is one plain line. Errors name the tenant: hongming is stale: actual=\u2026, expected=\u2026.",
    "",
    "Secrets: pass tokens and passwords in the environment, not as flags (flags show in `ps`):",
    ...INPUTS.filter((spec) => spec.secret).map((spec) => {
      const names = secretEnvNames(spec.name);
      return row(names.join(", "), names.length > 1 ? `${spec.name} (the first one set wins)` : spec.name);
    }),
    "",
    `Result: ${result?.description ?? ""}`,
    "",
    "Exit codes:",
    ...exitCodeTable().map((line) => `  ${line}`),
    ""
  ].join("\n");
}
function secretEnvNames(input) {
  return input === "token" ? [envNameOf(input), "GITHUB_TOKEN", "GITEA_TOKEN"] : [envNameOf(input)];
}
function row(name, text) {
  const lines = wrap(text, TEXT_WIDTH);
  const head = `  ${name}`;
  const first = head.length < NAME_WIDTH ? `${head.padEnd(NAME_WIDTH)}${lines[0]}` : `${head}
${" ".repeat(NAME_WIDTH)}${lines[0]}`;
  return [first, ...lines.slice(1).map((line) => `${" ".repeat(NAME_WIDTH)}${line}`)].join("\n");
}
function wrap(text, width) {
  const lines = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return lines.length || line ? [...lines, line] : [""];
}

// src/cli/logger.ts
function terminalLogger(term, progress) {
  return {
    info: (message) => {
      if (!progress?.isShownInBlock(message)) term.line(message);
    },
    warning: (message) => term.line(`warning: ${message}`),
    error: (message) => term.line(`error: ${message}`),
    group: async (title, body) => {
      term.line(title);
      return body();
    }
  };
}

// src/cli/outcome.ts
function renderOutcome(record) {
  const settled = record.tenants.filter(isSettled).length;
  const probed = record.tenants.some((t) => t.state !== "pending");
  const facts = [
    `commit ${shortSha(record.sha)}`,
    `branch head ${record.head_sha ? shortSha(record.head_sha) : "unknown"}`,
    `expected ${record.expected_sha ? shortSha(record.expected_sha) : "unknown"}`,
    probed ? `${settled}/${record.tenants.length} tenants settled` : `${record.tenants.length} tenants not probed`,
    `${record.rounds} round(s)`,
    `${record.elapsed_seconds}s`,
    `${record.forge_calls.requests} forge request(s)`
  ];
  const lines = [
    `fleet-forward ${record.environment}: ${record.result} (${GREEN_RESULTS.has(record.result) ? "green" : "red"}): ${record.message.replace(`${record.result}: `, "")}`,
    `  ${facts.join(" \xB7 ")}`
  ];
  const p = record.promotion;
  if (p?.status === "not_attempted") lines.push(`  ${p.image}:${p.tag} ${NOT_PROMOTED}`);
  else if (p) lines.push(`  ${p.image}:${p.tag} ${p.status}: ${tagMove(p)}`);
  return lines;
}

// src/cli/progress.ts
var LISTED_TENANTS = 8;
var RoundProgress = class {
  constructor(term, budgetSeconds, intervalSeconds) {
    this.term = term;
    this.budgetSeconds = budgetSeconds;
    this.intervalSeconds = intervalSeconds;
  }
  term;
  budgetSeconds;
  intervalSeconds;
  lastSummary = null;
  onRound = (round, reports) => {
    if (!this.term.live) return;
    this.lastSummary = summarizeRound(round, reports);
    this.term.setBlock(renderRoundBlock(round, reports, this.budgetSeconds, this.intervalSeconds));
  };
  /** True for the core's log line of the round the block already shows. */
  isShownInBlock(message) {
    return this.lastSummary !== null && message === this.lastSummary;
  }
  finish() {
    this.term.freezeBlock();
  }
};
function renderRoundBlock(round, reports, budgetSeconds, intervalSeconds) {
  const counts = /* @__PURE__ */ new Map();
  for (const report of reports) counts.set(report.state, (counts.get(report.state) ?? 0) + 1);
  const converged = counts.get("converged") ?? 0;
  const others = ["ahead", "stale", "unreachable", "pending"].filter((s) => counts.has(s)).map((s) => `${counts.get(s)} ${s}`);
  const waiting = reports.filter((report) => !isSettled(report));
  const header = [`verify round ${round}`, `${converged}/${reports.length} converged`, ...others, `budget ${budgetSeconds}s, every ${intervalSeconds}s`];
  const listed = waiting.slice(0, LISTED_TENANTS).map((report) => `  \u25CB ${report.name}: ${describeWaiting(report)}`);
  const more = waiting.length - listed.length;
  return [header.join(" \xB7 "), ...listed, ...more > 0 ? [`  \u2026 and ${more} more not converged`] : []];
}
function describeWaiting(report) {
  if (report.state === "unreachable") return `unreachable (${report.error_class})`;
  if (report.state === "pending") return "not probed yet";
  return `reports ${report.actual ? shortSha(report.actual) : "no commit"}`;
}

// src/cli/run-inputs.ts
var INPUT_NAMES = new Set(INPUTS.map((spec) => spec.name));
var SECRET_INPUTS2 = new Set(INPUTS.filter((spec) => spec.secret).map((spec) => spec.name));
function inputReader(invocation, env) {
  return (name) => {
    const source = sourceOf(invocation, env, name);
    return source === null ? "" : source === "flag" ? invocation.inputs.get(name) : env[source];
  };
}
function sourceOf(invocation, env, name) {
  if (invocation.inputs.get(name)) return "flag";
  const names = SECRET_INPUTS2.has(name) ? secretEnvNames(name) : [envNameOf(name)];
  return names.find((variable) => env[variable]) ?? null;
}
function runtimeEnvOf(invocation, env) {
  const runtime = {
    GITHUB_SHA: env.GITHUB_SHA,
    GITHUB_RUN_ATTEMPT: env.GITHUB_RUN_ATTEMPT,
    GITEA_ACTIONS: env.GITEA_ACTIONS,
    GITHUB_ACTIONS: env.GITHUB_ACTIONS,
    GITHUB_ACTOR: env.GITHUB_ACTOR
  };
  for (const spec of CONTEXT_FLAGS) runtime[spec.env] = invocation.context[spec.env] || env[spec.env];
  return runtime;
}
function flagFor(input, invocation, env) {
  const name = input.replace(/ \(from [A-Z_]+\)$/, "");
  if (INPUT_NAMES.has(name)) {
    const source = name === input ? sourceOf(invocation, env, name) : input.slice(name.length + 7, -1);
    return source && source !== "flag" ? `--${name} (from ${source})` : `--${name}`;
  }
  const context = CONTEXT_FLAGS.find((spec) => spec.env === input || spec.flag === input);
  if (!context) return input;
  return invocation.context[context.env] ? `--${context.flag}` : `--${context.flag} (or ${context.env})`;
}

// src/cli/terminal.ts
var ERASE_BELOW = "\x1B[J";
var cursorUp = (lines) => `\x1B[${lines}A\r`;
var Terminal = class {
  constructor(stream) {
    this.stream = stream;
  }
  stream;
  block = [];
  get live() {
    return this.stream.isTTY === true;
  }
  line(text) {
    this.stream.write(`${this.erase()}${scrubSecrets(text)}
${this.draw()}`);
  }
  /** Replaces the live block (a no-op off a terminal). */
  setBlock(lines) {
    if (!this.live) return;
    const erase = this.erase();
    this.block = lines.map((line) => this.fit(scrubSecrets(line)));
    this.stream.write(`${erase}${this.draw()}`);
  }
  /** Leaves the block on screen as it is (the run's last state) and stops redrawing it. */
  freezeBlock() {
    this.block = [];
  }
  erase() {
    return this.block.length ? `${cursorUp(this.block.length)}${ERASE_BELOW}` : "";
  }
  draw() {
    return this.block.map((line) => `${line}
`).join("");
  }
  /** A block line that wrapped would break the cursor arithmetic of the next redraw. */
  fit(line) {
    const width = Math.max(20, (this.stream.columns || 80) - 1);
    return line.length > width ? `${line.slice(0, width - 1)}\u2026` : line;
  }
};

// src/cli/deploy.ts
async function runDeploy(invocation, io) {
  const read = inputReader(invocation, io.env);
  const term = new Terminal(invocation.json ? io.stderr : io.stdout);
  for (const name of invocation.secretsOnCommandLine) {
    term.line(`warning: --${name} on the command line is visible to every user of this machine (ps, shell history); set ${secretEnvNames(name)[0]} instead`);
  }
  let settings;
  let forge;
  try {
    settings = parseSettings(read, runtimeEnvOf(invocation, io.env), io.readTextFile);
    forge = forgeFromSettings(settings, io.clock, io.dispatcher);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    reportInputError(error, invocation, io);
    return { code: EXIT_USAGE, record: null };
  }
  const progress = new RoundProgress(term, settings.settleBudgetSeconds, settings.settleIntervalSeconds);
  const log = terminalLogger(term, progress);
  const record = await deployFleet(settings, {
    forge,
    clock: io.clock,
    log,
    signal: io.signal,
    dispatcher: io.dispatcher,
    onRound: progress.onRound
  });
  progress.finish();
  if (settings.historyFile && !record.dry_run) {
    try {
      appendHistory(settings.historyFile, record);
    } catch (error) {
      log.warning(`could not append to --history-file '${settings.historyFile}': ${neutralize(describeError(error), 300)}`);
    }
  }
  if (!GREEN_RESULTS.has(record.result) && record.tenants.some((t) => t.state !== "pending")) {
    for (const line of renderLogTable(record)) term.line(line);
  }
  for (const line of renderOutcome(record)) term.line(line);
  if (invocation.json) io.stdout.write(`${JSON.stringify(record, null, 2)}
`);
  return { code: exitCodeOf(record.result), record };
}
function reportInputError(error, invocation, io) {
  const errors2 = error instanceof InputErrors ? error.errors : [error];
  const lines = errors2.map((each) => {
    const problem = neutralize(each.message, Infinity).replace(`input '${each.input}': `, "").replace(/ \(CLI: --[a-z-]+\)$/, "");
    const hint = each.input === "token" ? ` (set ${secretEnvNames("token").join(", ")})` : "";
    return `fleet-forward: ${flagFor(each.input, invocation, io.env)}: ${problem}${hint}
`;
  });
  const head = errors2.length > 1 ? `fleet-forward: ${errors2.length} inputs are invalid:
` : "";
  io.stderr.write(`${head}${lines.join("")}Nothing was contacted. See fleet-forward --help.
`);
}

// src/demo/expectations.ts
var Expectations = class {
  constructor(term) {
    this.term = term;
  }
  term;
  held = 0;
  broken = 0;
  check(ok, held, broke = held) {
    if (ok) this.held++;
    else this.broken++;
    this.term.line(ok ? `   \u2714 ${held}` : `   \u2718 NOT AS EXPECTED: ${broke}`);
    return ok;
  }
  get allHeld() {
    return this.broken === 0;
  }
  get counts() {
    return { held: this.held, broken: this.broken };
  }
};

// src/demo/http.ts
import { createServer } from "node:http";
async function startLocalServer(handle) {
  const sockets = /* @__PURE__ */ new Set();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      try {
        handle(req, Buffer.concat(chunks), res);
      } catch (error) {
        res.writeHead(500, { "content-type": "text/plain" }).end(String(error));
      }
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    })
  };
}
function sendJson(res, status, body, headers = {}) {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers }).end(JSON.stringify(body));
}
function parseJson(body) {
  try {
    const value = JSON.parse(body.toString("utf8"));
    return value && typeof value === "object" ? value : {};
  } catch {
    return {};
  }
}

// src/demo/fleet.ts
var SimulatedFleet = class {
  constructor(options) {
    this.options = options;
    for (const name of options.tenants) this.running.set(name, options.sha);
  }
  options;
  /** Redeploy requests received, by tenant, in order. */
  redeploys = [];
  running = /* @__PURE__ */ new Map();
  slow = /* @__PURE__ */ new Map();
  wedged = /* @__PURE__ */ new Set();
  timers = /* @__PURE__ */ new Set();
  server = null;
  get redeployUrl() {
    return `${this.origin}/redeploy/{tenant}`;
  }
  buildinfoUrl(name) {
    return `${this.origin}/t/${encodeURIComponent(name)}/buildinfo`;
  }
  shaOf(name) {
    return this.running.get(name);
  }
  /** Tenants and the commit each runs. */
  snapshot() {
    return [...this.running];
  }
  restartsSlowly(name, ms) {
    this.slow.set(name, ms);
  }
  /** The tenant runs `sha` and ignores every redeploy from now on. */
  wedge(name, sha) {
    this.running.set(name, sha);
    this.wedged.add(name);
  }
  async start() {
    this.server = await startLocalServer((req, body, res) => this.handle(req, body, res));
  }
  async close() {
    for (const timer of this.timers) clearTimeout(timer);
    await this.server?.close();
  }
  get origin() {
    if (!this.server) throw new Error("the fleet is not started");
    return this.server.origin;
  }
  handle(req, body, res) {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const buildinfo = /^\/t\/([^/]+)\/buildinfo$/.exec(path);
    if (buildinfo && req.method === "GET") {
      const name = decodeURIComponent(buildinfo[1]);
      const sha = this.running.get(name);
      return sha ? sendJson(res, 200, { sha, tenant: name }) : sendJson(res, 404, { error: "no such tenant" });
    }
    const redeploy = /^\/redeploy\/([^/]+)$/.exec(path);
    if (redeploy && req.method === "POST") {
      if (req.headers.authorization !== `Bearer ${this.options.token}`) return sendJson(res, 401, { error: "bad token" });
      const name = decodeURIComponent(redeploy[1]);
      const tag = String(parseJson(body).tag ?? "");
      const revision = this.options.revisionOf(tag);
      if (!this.running.has(name)) return sendJson(res, 404, { error: "no such tenant" });
      if (!revision) return sendJson(res, 404, { error: "no such image tag" });
      this.redeploys.push(name);
      if (!this.wedged.has(name)) this.restartLater(name, revision);
      return sendJson(res, 202, { accepted: true });
    }
    sendJson(res, 404, { error: "not found" });
  }
  restartLater(name, revision) {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        this.running.set(name, revision);
      },
      this.slow.get(name) ?? this.options.restartMs
    );
    this.timers.add(timer);
  }
};

// src/demo/forge.ts
import { createHash } from "node:crypto";
var SimulatedGitHub = class {
  constructor(repository, token) {
    this.repository = repository;
    this.token = token;
  }
  repository;
  token;
  /** Commit statuses written (the durable record of a deploy): a run that must touch nothing adds none. */
  statusWrites = 0;
  /** Deployments created. */
  deployments = 0;
  commits = /* @__PURE__ */ new Map();
  refs = /* @__PURE__ */ new Map();
  statusesBySha = /* @__PURE__ */ new Map();
  server = null;
  /** A commit on top of `parent` (a root commit without one). */
  commit(sha, parent) {
    this.commits.set(sha, { parents: parent ? [parent] : [], tree: treeOf(sha), message: `commit ${sha.slice(0, 7)}` });
    return this;
  }
  /** Moves a branch, as a push does. */
  setBranch(name, sha) {
    this.refs.set(`refs/heads/${name}`, sha);
    return this;
  }
  statuses(sha) {
    return this.statusesBySha.get(sha) ?? [];
  }
  async start() {
    this.server = await startLocalServer((req, body, res) => this.handle(req, body, res));
    return this.server.origin;
  }
  async close() {
    await this.server?.close();
  }
  handle(req, body, res) {
    const [scheme, credential] = (req.headers.authorization ?? "").split(" ");
    if (scheme !== "Bearer" && scheme !== "token" || credential !== this.token) return sendJson(res, 401, { message: "Bad credentials" });
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.method === "POST" && url.pathname === "/graphql") return sendJson(res, 200, this.updateRefs(parseJson(body)));
    const prefix = `/repos/${this.repository}`;
    if (!url.pathname.startsWith(prefix)) return sendJson(res, 404, { message: "Not Found" });
    const path = decodeURIComponent(url.pathname.slice(prefix.length));
    const method = req.method ?? "GET";
    const json = parseJson(body);
    let m;
    if (method === "GET" && path === "") return sendJson(res, 200, { full_name: this.repository, node_id: REPOSITORY_NODE_ID, default_branch: "main" });
    if (method === "GET" && (m = /^\/git\/ref\/(.+)$/.exec(path))) {
      const sha = this.refs.get(`refs/${m[1]}`);
      return sha ? sendJson(res, 200, refJson(`refs/${m[1]}`, sha)) : sendJson(res, 404, { message: "Not Found" });
    }
    if (method === "POST" && path === "/git/refs") {
      const ref = String(json.ref ?? "");
      const sha = String(json.sha ?? "");
      if (!this.commits.has(sha)) return sendJson(res, 422, { message: "Object does not exist" });
      if (this.refs.has(ref)) return sendJson(res, 422, { message: "Reference already exists" });
      this.refs.set(ref, sha);
      return sendJson(res, 201, refJson(ref, sha));
    }
    if (method === "GET" && (m = /^\/git\/commits\/([0-9a-f]{40})$/.exec(path))) {
      const commit = this.commits.get(m[1]);
      if (!commit) return sendJson(res, 404, { message: "Not Found" });
      return sendJson(res, 200, { sha: m[1], tree: { sha: commit.tree }, message: commit.message, parents: commit.parents.map((p) => ({ sha: p })) });
    }
    if (method === "POST" && path === "/git/commits") {
      const commit = { tree: String(json.tree ?? ""), message: String(json.message ?? ""), parents: json.parents ?? [] };
      const sha = createHash("sha1").update(`${JSON.stringify(commit)}\0${this.commits.size}`).digest("hex");
      this.commits.set(sha, commit);
      return sendJson(res, 201, { sha, tree: { sha: commit.tree }, message: commit.message });
    }
    if (method === "GET" && (m = /^\/commits\/(.+)\/statuses$/.exec(path))) {
      const sha = this.resolve(m[1]);
      const perPage = Math.min(Number(url.searchParams.get("per_page")) || 30, 100);
      const page = Math.max(Number(url.searchParams.get("page")) || 1, 1);
      const newestFirst = sha ? [...this.statuses(sha)].reverse() : [];
      return sendJson(res, 200, newestFirst.slice((page - 1) * perPage, page * perPage));
    }
    if (method === "GET" && (m = /^\/commits\/(.+)$/.exec(path))) {
      const sha = this.resolve(m[1]);
      if (!sha) return sendJson(res, 422, { message: `No commit found for SHA: ${m[1]}` });
      if ((req.headers.accept ?? "").includes("application/vnd.github.sha")) {
        return void res.writeHead(200, { "content-type": "application/vnd.github.sha" }).end(sha);
      }
      return sendJson(res, 200, { sha, parents: this.commits.get(sha).parents.map((p) => ({ sha: p })) });
    }
    if (method === "GET" && (m = /^\/compare\/(.+)\.\.\.(.+)$/.exec(path))) {
      const base = this.resolve(m[1]);
      const head = this.resolve(m[2]);
      if (!base || !head) return sendJson(res, 404, { message: "Not Found" });
      return sendJson(res, 200, { status: this.relation(base, head) });
    }
    if (method === "POST" && (m = /^\/statuses\/([0-9a-f]{40})$/.exec(path))) {
      if (!this.commits.has(m[1])) return sendJson(res, 422, { message: `No commit found for SHA: ${m[1]}` });
      const status = {
        state: String(json.state),
        context: String(json.context ?? "default"),
        description: String(json.description ?? ""),
        target_url: typeof json.target_url === "string" ? json.target_url : null
      };
      this.statusesBySha.set(m[1], [...this.statuses(m[1]), status]);
      this.statusWrites++;
      return sendJson(res, 201, status);
    }
    if (method === "POST" && path === "/deployments") return sendJson(res, 201, { id: ++this.deployments, ref: json.ref, environment: json.environment });
    if (method === "POST" && /^\/deployments\/\d+\/statuses$/.test(path)) return sendJson(res, 201, { state: json.state });
    sendJson(res, 404, { message: "Not Found" });
  }
  /** A branch, a tag or an unambiguous SHA prefix. */
  resolve(ref) {
    const named = this.refs.get(`refs/heads/${ref}`) ?? this.refs.get(`refs/tags/${ref}`);
    if (named) return named;
    const matches = [...this.commits.keys()].filter((sha) => sha.startsWith(ref.toLowerCase()));
    return matches.length === 1 ? matches[0] : void 0;
  }
  /** Every commit reachable from `sha`, itself included. */
  ancestry(sha) {
    const seen = /* @__PURE__ */ new Set();
    const stack = [sha];
    while (stack.length) {
      const next = stack.pop();
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(...this.commits.get(next)?.parents ?? []);
      }
    }
    return seen;
  }
  /**
   * GraphQL `updateRefs`: every update applies only when the ref is at `beforeOid` (all zeros: absent),
   * and `afterOid` all zeros deletes it. Nothing applies when one does not match, as on GitHub.
   */
  updateRefs(request) {
    const input = request.variables?.input;
    const updates = input?.refUpdates ?? [];
    for (const update of updates) {
      const current = this.refs.get(String(update.name)) ?? ZERO_OID;
      if (current !== update.beforeOid) return { data: null, errors: [{ message: `ref ${update.name} is at ${current}, not at beforeOid` }] };
      if (update.afterOid !== ZERO_OID && !this.commits.has(String(update.afterOid))) return { data: null, errors: [{ message: "afterOid does not exist" }] };
    }
    for (const update of updates) {
      if (update.afterOid === ZERO_OID) this.refs.delete(String(update.name));
      else this.refs.set(String(update.name), String(update.afterOid));
    }
    return { data: { updateRefs: { clientMutationId: null } } };
  }
  /** GitHub's compare status of `head` relative to `base`. */
  relation(base, head) {
    if (base === head) return "identical";
    if (this.ancestry(head).has(base)) return "ahead";
    if (this.ancestry(base).has(head)) return "behind";
    return "diverged";
  }
};
var ZERO_OID = "0".repeat(40);
var REPOSITORY_NODE_ID = "R_demo";
function treeOf(sha) {
  return createHash("sha1").update(`tree of ${sha}`).digest("hex");
}
function refJson(ref, sha) {
  return { ref, object: { type: "commit", sha } };
}

// src/demo/indent.ts
function indented(stream, prefix) {
  return {
    write: (text) => (
      // eslint-disable-next-line no-control-regex
      stream.write(text.replace(/(^|\n)((?:\u001b\[[0-9;]*[A-Za-z]|\r)*)(?=[^\n\r\u001b])/g, `$1$2${prefix}`))
    ),
    get isTTY() {
      return stream.isTTY;
    },
    get columns() {
      return (stream.columns || 80) - prefix.length;
    }
  };
}

// src/demo/registry.ts
import { createHash as createHash2 } from "node:crypto";
var LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";
var SimulatedRegistry = class {
  constructor(repository) {
    this.repository = repository;
  }
  repository;
  /** Manifest PUTs received: a run that must touch nothing leaves this unchanged. */
  writes = 0;
  blobs = /* @__PURE__ */ new Map();
  manifests = /* @__PURE__ */ new Map();
  tags = /* @__PURE__ */ new Map();
  server = null;
  /** `127.0.0.1:<port>/<repository>`: the value of the `image` input. */
  get image() {
    return `${this.server ? new URL(this.server.origin).host : "127.0.0.1"}/${this.repository}`;
  }
  /** Stores an image built from `revision` under `tag`. */
  addImage(tag, revision) {
    const config = this.putBlob(
      JSON.stringify({
        architecture: "amd64",
        os: "linux",
        config: { Labels: { [REVISION_KEY]: revision, "org.opencontainers.image.version": tag } },
        rootfs: { type: "layers", diff_ids: [] }
      })
    );
    const layer = this.putBlob(`layer of ${tag}`);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: OCI_CONFIG, digest: config.digest, size: config.size },
        layers: [{ mediaType: LAYER, digest: layer.digest, size: layer.size }]
      })
    );
    const digest = digestOf(manifest);
    this.manifests.set(digest, { bytes: manifest, mediaType: OCI_MANIFEST });
    this.tags.set(tag, digest);
    return digest;
  }
  /** Points `tag` at the manifest `source` points at (how :latest starts out). */
  retag(tag, source) {
    const digest = this.tags.get(source);
    if (!digest) throw new Error(`no tag ${source}`);
    this.tags.set(tag, digest);
  }
  /** What a tag points at now, read from the store (not through the API the runs use). */
  tagState(tag) {
    const digest = this.tags.get(tag);
    if (!digest) return null;
    const manifest = JSON.parse(this.manifests.get(digest).bytes.toString("utf8"));
    const config = manifest.config?.digest ? this.blobs.get(manifest.config.digest) : void 0;
    const labels = config ? JSON.parse(config.toString("utf8")).config?.Labels : void 0;
    return { digest, revision: labels?.[REVISION_KEY] ?? null };
  }
  /** `latest → staging-7f25373 (sha256:…, commit 7f25373)`: a tag as a person wants to read it. */
  describeTag(tag) {
    const state = this.tagState(tag);
    if (!state) return `${tag} \u2192 nothing (absent)`;
    const twin = [...this.tags].find(([name, digest]) => name !== tag && digest === state.digest)?.[0];
    const commit = state.revision ? `commit ${shortSha(state.revision)}` : "no recorded commit";
    return `${tag} \u2192 ${twin ?? "an untagged manifest"} (${state.digest.slice(0, 19)}\u2026, ${commit})`;
  }
  async start() {
    this.server = await startLocalServer((req, body, res) => this.handle(req, body, res));
  }
  async close() {
    await this.server?.close();
  }
  putBlob(text) {
    const bytes = Buffer.from(text);
    const digest = digestOf(bytes);
    this.blobs.set(digest, bytes);
    return { digest, size: bytes.length };
  }
  handle(req, body, res) {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const method = req.method ?? "GET";
    const api = { "docker-distribution-api-version": "registry/2.0" };
    if (path === "/v2/" || path === "/v2") return sendJson(res, 200, {}, api);
    const manifestPath = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path);
    const blobPath = /^\/v2\/(.+)\/blobs\/([^/]+)$/.exec(path);
    const name = manifestPath?.[1] ?? blobPath?.[1];
    if (name !== this.repository) return sendJson(res, 404, errors("NAME_UNKNOWN", "repository name not known to registry"), api);
    if (blobPath && method === "GET") {
      const blob = this.blobs.get(blobPath[2]);
      if (!blob) return sendJson(res, 404, errors("BLOB_UNKNOWN", "blob unknown to registry"), api);
      return void res.writeHead(200, { ...api, "content-type": "application/octet-stream", "docker-content-digest": blobPath[2] }).end(blob);
    }
    if (manifestPath && (method === "GET" || method === "HEAD")) {
      const reference = manifestPath[2];
      const digest = reference.startsWith("sha256:") ? reference : this.tags.get(reference);
      const manifest = digest ? this.manifests.get(digest) : void 0;
      if (!digest || !manifest) return sendJson(res, 404, errors("MANIFEST_UNKNOWN", `manifest unknown: ${reference}`), api);
      res.writeHead(200, { ...api, "content-type": manifest.mediaType, "content-length": manifest.bytes.length, "docker-content-digest": digest });
      return void res.end(method === "HEAD" ? void 0 : manifest.bytes);
    }
    if (manifestPath && method === "PUT") {
      this.writes++;
      const mediaType = (req.headers["content-type"] ?? "").split(";")[0].trim();
      const digest = digestOf(body);
      this.manifests.set(digest, { bytes: body, mediaType });
      this.tags.set(manifestPath[2], digest);
      return void res.writeHead(201, { ...api, "docker-content-digest": digest, location: `/v2/${name}/manifests/${digest}` }).end();
    }
    sendJson(res, 405, errors("UNSUPPORTED", "the operation is unsupported"), api);
  }
};
function digestOf(bytes) {
  return `sha256:${createHash2("sha256").update(bytes).digest("hex")}`;
}
function errors(code, message) {
  return { errors: [{ code, message, detail: null }] };
}

// src/demo/replay.ts
var REPOSITORY = "acme/fleet";
var TENANTS = ["hongming", "amara", "bruno", "chiara", "dmitri", "elif", "farah", "goran"];
var SLOW = "elif";
var SLOW_RESTART_MS = 2500;
var RESTART_MS = 300;
var STUCK = "hongming";
var SETTLE_BUDGET = 6;
var SETTLE_INTERVAL = 1;
var RUN_PREFIX = "   \u2502 ";
var commitOf = (short) => short + createHash3("sha1").update(short).digest("hex").slice(short.length);
var BASE = commitOf("b4a5e00");
var OLDER = commitOf("7a72516");
var NEWER = commitOf("7f25373");
var tagOf = (sha) => `staging-${shortSha(sha)}`;
async function runDemo(io) {
  const term = new Terminal(io.out);
  const stage = await startStage();
  const expect = new Expectations(term);
  const records = [];
  const deploy = async (sha, runId, extra = []) => {
    const run = await runFleetForward(stage, sha, runId, io, term, extra);
    if (run.record) records.push(run.record);
    return run;
  };
  try {
    introduce(term, stage);
    term.line("");
    term.line(`1. Two pushes land on main two minutes apart: ${shortSha(OLDER)}, then ${shortSha(NEWER)}. Both deploy jobs run,`);
    term.line("   no `concurrency:` block. The newer job gets going first, in two waves: a canary, then the rest.");
    const latestAtStart = stage.registry.tagState("latest");
    const newer = await deploy(NEWER, 1, [["waves", "1,100%"]]);
    if (io.signal.aborted) return cancelled(term);
    const newerRecord = newer.record;
    expect.check(
      newer.code === 0 && newerRecord?.result === "deployed",
      `the newer run deployed: exit 0, result deployed`,
      `the newer run ended ${newerRecord?.result ?? "without a record"} (exit ${newer.code})`
    );
    const waves = newerRecord?.waves ?? [];
    expect.check(
      waves.length === 2 && waves[0].tenants === 1 && waves.every((w) => w.result === "converged") && stage.fleet.redeploys[0] === TENANTS[0],
      `wave 1, the canary (${TENANTS[0]}), verified before wave 2 (${waves[1]?.tenants} tenants) was told to roll`,
      `waves: ${waves.map((w) => `${w.wave}: ${w.tenants} tenant(s) ${w.result}`).join("; ") || "none recorded"}`
    );
    const onNewer = stage.fleet.snapshot().filter(([, sha]) => sha === NEWER).length;
    expect.check(onNewer === TENANTS.length, `the fleet runs ${shortSha(NEWER)}: ${onNewer}/${TENANTS.length} tenants`);
    const slow = newerRecord?.tenants.find((t) => t.name === SLOW);
    expect.check(
      slow?.state === "converged" && slow.attempts > 1 && slow.seconds_to_converge !== null && slow.seconds_to_converge <= SETTLE_BUDGET,
      `${SLOW} was still draining at the first probe and settled after ${slow?.seconds_to_converge}s (attempt ${slow?.attempts}), inside the ${SETTLE_BUDGET}s budget`,
      `${SLOW}, the slow tenant, ended ${slow?.state ?? "unknown"} after ${slow?.attempts ?? 0} probe(s)`
    );
    if (newerRecord?.promotion) {
      const latest = stage.registry.tagState("latest");
      expect.check(
        newerRecord.promotion.status === "promoted" && latest?.revision === NEWER,
        `:latest promoted: ${stage.registry.describeTag("latest")}`,
        `:latest ${newerRecord.promotion.status}: ${stage.registry.describeTag("latest")}`
      );
    } else {
      term.line(`   \xB7 ${stage.registry.describeTag("latest")}: this build records no promotion, so :latest is left alone`);
    }
    neverBackward(expect, stage, latestAtStart, "the newer run");
    term.line("");
    term.line(`2. The older job (${shortSha(OLDER)}) starts now. In the incident this is the job that redeployed the fleet to`);
    term.line(`   ${tagOf(OLDER)} and re-pointed :latest backward, because its guard only protected the verify step.`);
    const before = {
      redeploys: stage.fleet.redeploys.length,
      registryWrites: stage.registry.writes,
      statuses: stage.forge.statusWrites,
      latest: stage.registry.tagState("latest")
    };
    const older = await deploy(OLDER, 2);
    if (io.signal.aborted) return cancelled(term);
    expect.check(
      older.code === 0 && older.record?.result === "superseded" && older.record.head_sha === NEWER,
      `the older run ended superseded, green (exit 0): branch main is owned by ${shortSha(NEWER)}`,
      `the older run ended ${older.record?.result ?? "without a record"} (exit ${older.code})`
    );
    const redeploys = stage.fleet.redeploys.length - before.redeploys;
    const registryWrites = stage.registry.writes - before.registryWrites;
    const statuses = stage.forge.statusWrites - before.statuses;
    expect.check(
      redeploys === 0 && registryWrites === 0 && statuses === 0,
      "it touched nothing: 0 redeploy calls, 0 registry writes, 0 commit statuses",
      `it had side effects: ${redeploys} redeploy call(s), ${registryWrites} registry write(s), ${statuses} commit status(es)`
    );
    const stillNewer = stage.fleet.snapshot().filter(([, sha]) => sha === NEWER).length;
    expect.check(stillNewer === TENANTS.length, `the fleet still runs ${shortSha(NEWER)}: ${stillNewer}/${TENANTS.length} tenants`);
    const latestNow = stage.registry.tagState("latest");
    expect.check(
      latestNow?.digest === before.latest?.digest && latestNow?.revision !== OLDER,
      `:latest not moved back: ${stage.registry.describeTag("latest")}`,
      `:latest moved during the superseded run: ${stage.registry.describeTag("latest")}`
    );
    term.line("");
    term.line(`3. A separate run: ${STUCK} is back on ${shortSha(OLDER)} (where the incident's older job left it) and its node`);
    term.line(`   is wedged: it accepts redeploys and never restarts. ${shortSha(NEWER)} is deployed again.`);
    stage.fleet.wedge(STUCK, OLDER);
    const redeploysBefore = stage.fleet.redeploys.length;
    const latestBeforeStuck = stage.registry.tagState("latest");
    const stuck = await deploy(NEWER, 3);
    if (io.signal.aborted) return cancelled(term);
    const staleLine = `${STUCK} is stale: actual=${shortSha(OLDER)}, expected=${shortSha(NEWER)}`;
    expect.check(
      stuck.code === EXIT_CODES.stale && stuck.record?.result === "stale" && stuck.output.includes(staleLine),
      `it failed loudly, by name: exit ${EXIT_CODES.stale}, result stale, "${staleLine}"`,
      `the run with a wedged tenant ended ${stuck.record?.result ?? "without a record"} (exit ${stuck.code}) without "${staleLine}"`
    );
    const rolled = stage.fleet.redeploys.slice(redeploysBefore);
    expect.check(
      rolled.length === 1 && rolled[0] === STUCK,
      `only ${STUCK} was asked to redeploy; the ${TENANTS.length - 1} healthy tenants were not restarted`,
      `redeploy calls: ${rolled.join(", ") || "none"}`
    );
    neverBackward(expect, stage, latestBeforeStuck, "the run with a wedged tenant");
    term.line("");
    term.line(`4. The records: one per run, also appended to ${stage.historyFile}`);
    const history = readFileSync(stage.historyFile, "utf8").trim().split("\n").filter(Boolean);
    expect.check(
      history.length === records.length && history.every((line, i) => JSON.parse(line).result === records[i].result),
      `${history.length} history lines: ${records.map((r) => r.result).join(", ")}`,
      `${history.length} history lines for ${records.length} runs`
    );
    records.forEach((record, i) => printRecord(term, record, i + 1));
    term.line("");
    const { held, broken } = expect.counts;
    term.line(
      expect.allHeld ? `All ${held} expectations held: the canary verified before the rest rolled, the older run touched nothing, the fleet and :latest never moved backward, the slow tenant settled inside the budget, and the wedged one failed loudly by name.` : `${broken} of ${held + broken} expectations did not hold (\u2718 above).`
    );
    return expect.allHeld ? 0 : EXIT_DEMO_FAILED;
  } finally {
    await stage.close();
  }
}
async function startStage() {
  const token = `demo-forge-${randomBytes(8).toString("hex")}`;
  const redeployToken = `demo-redeploy-${randomBytes(8).toString("hex")}`;
  const forge = new SimulatedGitHub(REPOSITORY, token).commit(BASE).commit(OLDER, BASE).commit(NEWER, OLDER).setBranch("main", NEWER);
  const registry = new SimulatedRegistry(REPOSITORY);
  for (const sha of [BASE, OLDER, NEWER]) registry.addImage(tagOf(sha), sha);
  registry.retag("latest", tagOf(BASE));
  const fleet = new SimulatedFleet({
    tenants: TENANTS,
    sha: BASE,
    revisionOf: (tag) => registry.tagState(tag)?.revision ?? null,
    token: redeployToken,
    restartMs: RESTART_MS
  });
  fleet.restartsSlowly(SLOW, SLOW_RESTART_MS);
  const [forgeUrl] = await Promise.all([forge.start(), registry.start(), fleet.start()]);
  const dir = mkdtempSync(join(tmpdir(), "fleet-forward-demo-"));
  const tenantsFile = join(dir, "tenants.txt");
  writeFileSync(tenantsFile, TENANTS.map((name) => `${name} ${fleet.buildinfoUrl(name)}`).join("\n"));
  return {
    forge,
    forgeUrl,
    registry,
    fleet,
    token,
    redeployToken,
    tenantsFile,
    historyFile: join(dir, "history.jsonl"),
    close: async () => {
      await Promise.all([forge.close(), registry.close(), fleet.close()]);
      rmSync(dir, { recursive: true, force: true });
    }
  };
}
function introduce(term, stage) {
  term.line("fleet-forward demo: the incident of the README (What it prevents), replayed on 127.0.0.1 with the real engine");
  term.line(`  forge     ${stage.forgeUrl}  simulated GitHub API, ${REPOSITORY}: ${shortSha(BASE)} \u2190 ${shortSha(OLDER)} \u2190 ${shortSha(NEWER)} (main)`);
  term.line(`  registry  ${stage.registry.image}  OCI registry: ${[BASE, OLDER, NEWER].map(tagOf).join(", ")}; ${stage.registry.describeTag("latest")}`);
  term.line(`  fleet     ${TENANTS.length} tenants on ${shortSha(BASE)}, ${stage.fleet.buildinfoUrl("<name>").replace("%3Cname%3E", "<name>")}`);
  term.line(`  control   ${stage.fleet.redeployUrl}  restarts a tenant in ${RESTART_MS} ms; ${SLOW} drains for ${SLOW_RESTART_MS / 1e3}s first`);
}
async function runFleetForward(stage, sha, runId, io, term, extra) {
  const flags = [
    ["sha", sha],
    ["run-id", String(runId)],
    ["repository", REPOSITORY],
    ["api-url", stage.forgeUrl],
    ["server-url", stage.forgeUrl],
    ["branch", "main"],
    ["tenants-file", stage.tenantsFile],
    ["redeploy-url", stage.fleet.redeployUrl],
    ["image", stage.registry.image],
    ["settle-budget", String(SETTLE_BUDGET)],
    ["settle-interval", String(SETTLE_INTERVAL)],
    ["history-file", stage.historyFile],
    ...extra
  ];
  printCommand(term, flags);
  let output = "";
  const shown = indented(io.out, RUN_PREFIX);
  const capture = {
    write: (text) => {
      output += text;
      return shown.write(text);
    },
    get isTTY() {
      return shown.isTTY;
    },
    get columns() {
      return shown.columns;
    }
  };
  const cli = {
    stdout: capture,
    stderr: capture,
    // Only what the demo sets: the user's own FLEET_FORWARD_* or GITHUB_* variables must not leak in.
    env: { FLEET_FORWARD_TOKEN: stage.token, FLEET_FORWARD_REDEPLOY_TOKEN: stage.redeployToken },
    readTextFile: (path) => readFileSync(path, "utf8"),
    clock: systemClock,
    signal: io.signal
  };
  const { code, record } = await runDeploy(parseInvocation(["deploy", ...flags.flatMap(([name, value]) => [`--${name}`, value])]), cli);
  term.line(`   \u2192 exit ${code}`);
  return { code, record, output };
}
function printCommand(term, flags) {
  const words = flags.map(([name, value]) => `--${name} ${value}`);
  const lines = [];
  let line = "   $ fleet-forward deploy";
  for (const word of words) {
    if (line.length + word.length + 1 > 110) {
      lines.push(`${line} \\`);
      line = `       ${word}`;
    } else {
      line = `${line} ${word}`;
    }
  }
  lines.push(line);
  for (const text of lines) term.line(text);
  term.line("     (tokens come from FLEET_FORWARD_TOKEN and FLEET_FORWARD_REDEPLOY_TOKEN, never from flags)");
}
function neverBackward(expect, stage, before, run) {
  const after = stage.registry.tagState("latest");
  const order = [BASE, OLDER, NEWER];
  const rank = (revision) => order.indexOf(revision ?? "");
  expect.check(
    after?.digest === before?.digest || rank(after?.revision) > rank(before?.revision),
    `:latest never moved backward during ${run}`,
    `:latest moved backward during ${run}: ${stage.registry.describeTag("latest")}`
  );
}
function printRecord(term, record, run) {
  const [verdict, ...facts] = renderOutcome(record);
  term.line(`   run ${run} \xB7 ${verdict}`);
  for (const line of facts) term.line(`   ${line}`);
  const unsettled = record.tenants.filter((t) => !isSettled(t) && t.state !== "pending");
  for (const t of unsettled) term.line(`     ${t.name}: ${t.state}, actual=${t.actual ? shortSha(t.actual) : "none"}, ${t.attempts} probe(s)`);
  if (record.result === "deployed") {
    for (const line of convergenceTimeline(record).filter((l) => l && !l.startsWith("```"))) term.line(`     ${line}`);
  }
}
function cancelled(term) {
  term.line("demo cancelled; the simulated forge, registry and fleet are shut down");
  return EXIT_CODES.aborted;
}

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
    "@octokit/plugin-retry": "8.1.1",
    "@octokit/plugin-throttling": "11.0.5",
    "@octokit/rest": "22.0.1",
    bottleneck: "2.19.5",
    "p-retry": "7.1.1",
    undici: "7.30.2"
  },
  devDependencies: {
    "@eslint/js": "10.0.1",
    "@types/jest": "29.5.14",
    "@types/node": "20.19.43",
    ajv: "8.20.0",
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
    }
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
    case "demo":
      return runDemo({ out: io.stdout, signal: io.signal });
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
      readTextFile: (path) => readFileSync2(path, "utf8"),
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
