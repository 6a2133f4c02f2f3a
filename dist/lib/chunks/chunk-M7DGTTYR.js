import { createRequire as __ffCreateRequire } from 'node:module'; const require = __ffCreateRequire(import.meta.url);
import {
  deployFleet
} from "./chunk-N2DGJREG.js";
import {
  GREEN_RESULTS,
  INPUTS,
  InputError,
  InputErrors,
  NOT_PROMOTED,
  OUTPUTS,
  PROXY_VARIABLES,
  appendHistory,
  describeError,
  failureAnnotations,
  forgeFromSettings,
  isSettled,
  listNames,
  neutralize,
  notifyRun,
  parseSettings,
  renderLogTable,
  scrubSecrets,
  shortSha,
  summarizeRound,
  tagMove
} from "./chunk-N2BGSRBE.js";

// src/cli/exit-codes.ts
var EXIT_CODES = {
  deployed: 0,
  noop: 0,
  planned: 0,
  superseded: 0,
  deferred: 0,
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
  [0, "deployed, noop, planned (a dry run), superseded or deferred (green: nothing needs a person)"],
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
    throw new UsageError(`unknown command '${neutralize(first, 40)}': expected deploy, demo or help`);
  }
  if (rest.length > 0) throw new UsageError(`unexpected argument '${neutralize(rest[0], 40)}': every value follows its flag, e.g. --tenants-file fleet.txt`);
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
    row(
      "GITHUB_ACTIONS=true",
      "Inside Actions: without --run-url, the run links to its page, <server>/<repository>/actions/runs/<run-id> on GitHub, \u2026/runs/<GITHUB_RUN_NUMBER> on Gitea."
    ),
    "",
    "Output:",
    ...TOOL_FLAGS.map((spec) => row(`--${spec.flag}`, spec.description)),
    "On a terminal a live block shows each verify round (counts, the time left in the settle budget, and",
    "the tenants still rolling or waiting for their first read; none is stale before the budget ends);",
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
  if (record.override) lines.push(`  freeze overridden by ${record.override.actor ?? "an unknown actor"}: ${record.override.reason}`);
  if (record.rollback) {
    const from = listNames(record.rollback.from.map(shortSha), 5) || "nothing";
    lines.push(
      `  rollback by ${record.rollback.actor ?? "an unknown actor"}: ${record.rollback.reason}; moved back from ${from} to ${record.rollback.to ? shortSha(record.rollback.to) : "unknown"}`
    );
  }
  const p = record.promotion;
  if (p?.status === "not_attempted") lines.push(`  ${p.image}:${p.tag} ${NOT_PROMOTED}`);
  else if (p) lines.push(`  ${p.image}:${p.tag} ${p.status}: ${tagMove(p)}`);
  return lines;
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
  onRound = (round, reports, budgetLeftMs) => {
    if (!this.term.live) return;
    this.lastSummary = summarizeRound(round, reports);
    this.term.setBlock(renderRoundBlock(round, reports, { budgetSeconds: this.budgetSeconds, intervalSeconds: this.intervalSeconds, leftMs: budgetLeftMs }));
  };
  /** True for the core's log line of the round the block already shows. */
  isShownInBlock(message) {
    return this.lastSummary !== null && message === this.lastSummary;
  }
  finish() {
    this.term.freezeBlock();
  }
};
var LIVE_WORD = { stale: "rolling", pending: "waiting" };
function renderRoundBlock(round, reports, budget) {
  const counts = /* @__PURE__ */ new Map();
  for (const report of reports) counts.set(report.state, (counts.get(report.state) ?? 0) + 1);
  const converged = counts.get("converged") ?? 0;
  const others = ["ahead", "stale", "unhealthy", "unreachable", "pending"].filter((s) => counts.has(s)).map((s) => `${counts.get(s)} ${LIVE_WORD[s] ?? s}`);
  const waiting = reports.filter((report) => !isSettled(report));
  const left = `${Math.ceil(budget.leftMs / 1e3)}s left of the ${budget.budgetSeconds}s budget, every ${budget.intervalSeconds}s`;
  const header = [`verify round ${round}`, `${converged}/${reports.length} converged`, ...others, left];
  const listed = waiting.slice(0, LISTED_TENANTS).map((report) => `  \u25CB ${report.name}: ${describeWaiting(report)}`);
  const more = waiting.length - listed.length;
  return [header.join(" \xB7 "), ...listed, ...more > 0 ? [`  \u2026 and ${more} more not converged`] : []];
}
function describeWaiting(report) {
  if (report.state === "unreachable") return `unreachable (${report.error_class})`;
  if (report.state === "pending") return "waiting: not read yet";
  if (report.state === "unhealthy") return `health check ${report.health_status ?? "not run yet"}`;
  return `rolling: reports ${report.actual ? shortSha(report.actual) : "no commit"}`;
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
    GITHUB_RUN_NUMBER: env.GITHUB_RUN_NUMBER,
    GITEA_ACTIONS: env.GITEA_ACTIONS,
    GITHUB_ACTIONS: env.GITHUB_ACTIONS,
    GITHUB_ACTOR: env.GITHUB_ACTOR
  };
  for (const spec of CONTEXT_FLAGS) runtime[spec.env] = invocation.context[spec.env] || env[spec.env];
  for (const name of PROXY_VARIABLES) runtime[name] = env[name];
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
  for (const line of failureAnnotations(record)) term.line(`error: ${line}`);
  for (const line of renderOutcome(record)) term.line(line);
  if (invocation.json) io.stdout.write(`${JSON.stringify(record, null, 2)}
`);
  await notifyRun(record, settings.notify, { log, dispatcher: io.dispatcher });
  return { code: exitCodeOf(record.result), record };
}
function reportInputError(error, invocation, io) {
  const errors = error instanceof InputErrors ? error.errors : [error];
  const lines = errors.map((each) => {
    const problem = neutralize(each.message, Infinity).replace(`input '${each.input}': `, "").replace(/ \(CLI: --[a-z-]+\)$/, "");
    const hint = each.input === "token" ? ` (set ${secretEnvNames("token").join(", ")})` : "";
    return `fleet-forward: ${flagFor(each.input, invocation, io.env)}: ${problem}${hint}
`;
  });
  const head = errors.length > 1 ? `fleet-forward: ${errors.length} inputs are invalid:
` : "";
  io.stderr.write(`${head}${lines.join("")}Nothing was contacted. See fleet-forward --help.
`);
}

export {
  EXIT_CODES,
  EXIT_USAGE,
  EXIT_DEMO_FAILED,
  UsageError,
  parseInvocation,
  renderHelp,
  renderOutcome,
  Terminal,
  runDeploy
};
