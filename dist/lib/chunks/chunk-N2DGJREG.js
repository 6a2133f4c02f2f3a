import { createRequire as __ffCreateRequire } from 'node:module'; const require = __ffCreateRequire(import.meta.url);
import {
  DAY_MS,
  FleetError,
  HttpStatusError,
  InputError,
  RepositoryNotFoundError,
  __toESM,
  acquireRunLock,
  auditNote,
  buildRecord,
  chunks,
  classifyError,
  describeError,
  describeExit,
  describeTenant,
  failureLines,
  finishDeployment,
  fitColumn,
  formatInZone,
  groupBy,
  heartbeatMs,
  httpErrorClass,
  initialFacts,
  isCommitSha,
  isFatal,
  isLoopbackHost,
  isNotFound,
  isSettled,
  listNames,
  neutralize,
  neverReachedServer,
  parseImageRef,
  proxyAwareDispatcher,
  readRemoteText,
  registerCredentials,
  registerSecret,
  registryBaseUrl,
  require_undici,
  retryAfterSeconds,
  rollbackOf,
  runWatchedCommand,
  sameCommit,
  sharedDispatcher,
  shortSha,
  splitIntoWaves,
  startDeployment,
  summarizeRound,
  utcOfWall,
  wallOf,
  withAudit,
  withRetries,
  withinSettleBudget
} from "./chunk-N2BGSRBE.js";

// src/core/deploy.ts
import { setMaxListeners } from "node:events";

// src/fleet/classify.ts
function createClassifier(options) {
  const ancestry = /* @__PURE__ */ new Map();
  const failed = /* @__PURE__ */ new Set();
  const warned = /* @__PURE__ */ new Set();
  const ask = async (actual) => {
    try {
      return await options.compare(options.expectedSha, actual);
    } catch (error) {
      failed.add(actual);
      if (!warned.has(actual)) {
        warned.add(actual);
        options.log.warning(
          `could not tell whether ${shortSha(actual)} descends from ${shortSha(options.expectedSha)} (${classifyError(error)}: ${neutralize(describeError(error), 200)}); tenants reporting it count as stale`
        );
      }
      return null;
    }
  };
  return {
    async stateOf(actual) {
      if (sameCommit(actual, options.expectedSha)) return "converged";
      if (!options.compare) return "stale";
      const key = actual.toLowerCase();
      let answer = ancestry.get(key);
      if (!answer) {
        answer = ask(key);
        ancestry.set(key, answer);
      }
      const relation = await answer;
      if (relation === "identical") return "converged";
      if (relation === "ahead") return options.allowRollback ? "stale" : "ahead";
      return "stale";
    },
    nextRound() {
      for (const sha of failed) ancestry.delete(sha);
      failed.clear();
    }
  };
}
function withHealth(state, healthy) {
  return healthy === false && state !== "stale" ? "unhealthy" : state;
}

// src/fleet/health.ts
var NEW_HEALTH_TRACKER = { verdict: "checking", streak: 0, last: null };
function nextHealth(tracker, probe, thresholds) {
  const streak = tracker.last?.ok === probe.ok ? tracker.streak + 1 : 1;
  const reached = streak >= (probe.ok ? thresholds.successes : thresholds.failures);
  return { verdict: reached ? probe.ok ? "healthy" : "unhealthy" : tracker.verdict, streak, last: probe };
}
function healthStatus(tracker, thresholds) {
  if (!tracker.last) return null;
  if (tracker.verdict !== "healthy" && tracker.last.ok) return `${tracker.last.status}, ${tracker.streak} of ${thresholds.successes} passes in a row`;
  return tracker.last.status;
}
var HealthBook = class {
  constructor(thresholds) {
    this.thresholds = thresholds;
  }
  thresholds;
  trackers = /* @__PURE__ */ new Map();
  /** Folds one probe into the tenant's tracker and returns it. */
  record(tenant, probe) {
    const next = nextHealth(this.trackers.get(tenant) ?? NEW_HEALTH_TRACKER, probe, this.thresholds);
    this.trackers.set(tenant, next);
    return next;
  }
  /** A tenant read off the expected commit starts its check again when it comes back to it. */
  reset(tenant) {
    this.trackers.delete(tenant);
  }
};

// src/fleet/round.ts
function pendingReport(name) {
  return { name, state: "pending", actual: null, attempts: 0, seconds_to_converge: null, error_class: null, regressed: false };
}
async function probeRound(due, reports, ctx) {
  const answers = [];
  await ctx.prober.probe(due, (tenant, result) => answers.push({ tenant, result, at: ctx.clock.now() }), ctx.signal);
  ctx.classifier.nextRound();
  const details = /* @__PURE__ */ new Map();
  const read = [];
  await Promise.all(
    answers.map(async ({ tenant, result, at }) => {
      const report = reports.get(tenant.name);
      report.attempts++;
      if (result.sha === null) {
        report.seconds_to_converge = null;
        report.state = "unreachable";
        report.error_class = result.errorClass;
        details.set(tenant.name, result.detail);
        return;
      }
      report.actual = result.sha;
      report.error_class = null;
      read.push({ tenant, state: await ctx.classifier.stateOf(result.sha), at });
    })
  );
  if (ctx.health) await checkHealth(read, reports, ctx.health, ctx);
  for (const { tenant, state, at } of read) {
    const report = reports.get(tenant.name);
    const wasSettled = isSettled(report);
    report.state = withHealth(state, report.healthy);
    report.regressed = report.state === "stale" && (wasSettled || report.regressed);
    if (report.state !== "converged") report.seconds_to_converge = null;
    else if (report.seconds_to_converge === null) report.seconds_to_converge = Math.round((at - ctx.startedAt) / 100) / 10;
  }
  return details;
}
async function checkHealth(read, reports, book, ctx) {
  const onCommit = [];
  for (const { tenant, state } of read) {
    if (!tenant.health) continue;
    const report = reports.get(tenant.name);
    if (state === "stale") {
      book.reset(tenant.name);
      delete report.healthy;
      delete report.health_status;
    } else {
      report.healthy ??= false;
      onCommit.push(tenant);
    }
  }
  await ctx.prober.probeHealth(
    onCommit,
    (tenant, probe) => {
      const tracker = book.record(tenant.name, probe);
      const report = reports.get(tenant.name);
      report.healthy = tracker.verdict === "healthy";
      report.health_status = healthStatus(tracker, book.thresholds) ?? void 0;
    },
    ctx.signal
  );
}

// src/stages/status.ts
var MAX_DESCRIPTION = 140;
function statusContext(environment) {
  return `fleet-forward/${environment}`;
}
function failureSummary(errorClass) {
  return `deploy failed (${errorClass ?? "internal"}); the run log has the details`;
}
async function writeDeployStatus(forge, sha, environment, result, runUrl, log) {
  const status = {
    context: statusContext(environment),
    state: result.verified ? "success" : "failure",
    description: fitColumn(withAudit(result.summary, result.audit ?? null, MAX_DESCRIPTION), MAX_DESCRIPTION),
    targetUrl: runUrl || null
  };
  try {
    await forge.setStatus(sha, status);
    log.info(`recorded ${status.state} as ${status.context} on ${shortSha(sha)}`);
  } catch (error) {
    log.warning(
      `could not record ${status.context} on ${shortSha(sha)} (${classifyError(error)}: ${neutralize(describeError(error), 200)}); a gate that requires this environment will block it`
    );
  }
}
async function isRecordedVerified(forge, sha, environment, log) {
  try {
    return (await forge.latestStatus(sha, statusContext(environment)))?.state === "success";
  } catch (error) {
    log.warning(`could not read ${statusContext(environment)} on ${shortSha(sha)} (${classifyError(error)}); treating it as not recorded`);
    return false;
  }
}

// src/config/settings.ts
function registryCredentials({ username, password }) {
  return username && password ? { username, password } : void 0;
}

// src/registry/client.ts
import { createHash } from "node:crypto";

// src/registry/errors.ts
var RegistryError = class _RegistryError extends FleetError {
  constructor(message, errorClass, subject, code, status, retryAfterSeconds2) {
    super(message, errorClass, subject);
    this.code = code;
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds2;
    this.name = "RegistryError";
  }
  code;
  status;
  retryAfterSeconds;
  /** The same error, its message extended by what the client already tried (e.g. waits). */
  withNote(note) {
    return new _RegistryError(
      `${this.message}; ${note}`,
      this.errorClass,
      this.subject ?? "",
      this.code,
      this.status,
      this.retryAfterSeconds
    );
  }
};
var CODE = /^[A-Z][A-Z_]{0,63}$/;
var REMOTE_TEXT_MAX = 200;
function parseOciErrors(body) {
  let parsed;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return [];
  }
  const errors = parsed?.errors;
  if (!Array.isArray(errors)) return [];
  return errors.filter((e) => typeof e?.code === "string" && CODE.test(e.code)).map((e) => ({ code: e.code, message: typeof e.message === "string" ? e.message : "" }));
}
var STATUS_CODES = { 401: "UNAUTHORIZED", 403: "DENIED", 429: "TOOMANYREQUESTS" };
function registryErrorClass(status) {
  if (status === 429) return "rate_limited";
  if (status >= 500) return "http_5xx";
  return "registry";
}
function registryErrorFor(status, body, t, retryAfterSeconds2) {
  const errors = parseOciErrors(body);
  const code = errors[0]?.code ?? STATUS_CODES[status] ?? null;
  const remote = errors.map((e) => e.message).filter((m) => m !== "").join("; ");
  const detail = remote ? `: ${neutralize(remote, REMOTE_TEXT_MAX)}` : "";
  const message = `${t.target}: ${explain(code, status, t)}${detail}`;
  return new RegistryError(message, registryErrorClass(status), t.target, code, status, retryAfterSeconds2);
}
function explain(code, status, t) {
  const r = t.registry;
  switch (code) {
    case "UNAUTHORIZED":
      return t.hasCredentials ? `registry ${r} rejected the credentials (UNAUTHORIZED); check registry-username and registry-password` : `registry ${r} requires authentication (UNAUTHORIZED); set registry-username and registry-password`;
    case "DENIED":
      return `registry ${r} denied ${t.action} access (DENIED); the credentials need permission to ${t.action === "push" ? "write (push) packages" : "read (pull) packages"} of this repository`;
    case "MANIFEST_UNKNOWN":
      return `no such tag or manifest in registry ${r} (MANIFEST_UNKNOWN)`;
    case "NAME_UNKNOWN":
      return `repository unknown to registry ${r} (NAME_UNKNOWN)`;
    case "TOOMANYREQUESTS":
      return `registry ${r} is rate limiting requests (TOOMANYREQUESTS)`;
    default:
      return `registry ${r} answered HTTP ${status}${code ? ` (${code})` : ""}`;
  }
}

// src/registry/http.ts
var import_undici = __toESM(require_undici(), 1);
async function exchange(x) {
  let res;
  try {
    res = await (0, import_undici.request)(x.url, {
      method: x.method,
      headers: x.headers,
      body: x.body,
      dispatcher: x.dispatcher,
      headersTimeout: x.timeoutMs,
      bodyTimeout: x.timeoutMs
    });
  } catch (error) {
    throw transportError(error, x.subject);
  }
  const body = await readLimited(res, x.maxBytes, x.subject);
  return { status: res.statusCode, headers: res.headers, body };
}
function headerValue(headers, name) {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
async function readLimited(res, maxBytes, subject) {
  const tooLarge = () => new FleetError(`${subject}: response body larger than ${maxBytes} bytes`, "too_large", subject);
  const declared = Number(headerValue(res.headers, "content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.body.destroy();
    throw tooLarge();
  }
  const chunks2 = [];
  let size = 0;
  try {
    for await (const chunk of res.body) {
      size += chunk.length;
      if (size > maxBytes) throw tooLarge();
      chunks2.push(chunk);
    }
  } catch (error) {
    if (error instanceof FleetError) throw error;
    throw transportError(error, subject);
  }
  return Buffer.concat(chunks2);
}
function transportError(error, subject) {
  const errorClass = classifyError(error);
  return new FleetError(`${subject}: request failed (${errorClass}): ${neutralize(describeError(error))}`, errorClass, subject);
}

// src/registry/media-types.ts
var OCI_INDEX = "application/vnd.oci.image.index.v1+json";
var OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
var DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
var DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
var OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
var DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
var MANIFEST_MEDIA_TYPES = [OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST];
var MANIFEST_ACCEPT = MANIFEST_MEDIA_TYPES.join(", ");
function isIndexMediaType(mediaType) {
  return mediaType === OCI_INDEX || mediaType === DOCKER_MANIFEST_LIST;
}
function isImageConfigMediaType(mediaType) {
  return mediaType === OCI_CONFIG || mediaType === DOCKER_CONFIG;
}

// src/registry/challenge.ts
var TOKEN_CHAR = /[A-Za-z0-9!#$%&'*+.^_`|~-]/;
function parseChallenges(header) {
  const challenges = [];
  let pos = 0;
  const skip = (chars) => {
    while (pos < header.length && chars.test(header[pos])) pos++;
  };
  const readToken2 = () => {
    const start = pos;
    while (pos < header.length && TOKEN_CHAR.test(header[pos])) pos++;
    return header.slice(start, pos);
  };
  const readQuoted = () => {
    let value = "";
    pos++;
    while (pos < header.length && header[pos] !== '"') {
      if (header[pos] === "\\" && pos + 1 < header.length) pos++;
      value += header[pos++];
    }
    pos++;
    return value;
  };
  while (pos < header.length) {
    skip(/[\s,]/);
    const token = readToken2();
    if (!token) {
      pos++;
      continue;
    }
    skip(/\s/);
    const current = challenges[challenges.length - 1];
    if (header[pos] === "=" && current) {
      pos++;
      skip(/\s/);
      current.params[token.toLowerCase()] = header[pos] === '"' ? readQuoted() : readToken2();
    } else {
      challenges.push({ scheme: token.toLowerCase(), params: {} });
    }
  }
  return challenges;
}

// src/registry/auth.ts
var TOKEN_BODY_MAX = 1024 * 1024;
var TOKEN_MAX = 16 * 1024;
var TOKEN_CHARS = /^[\x21-\x7e]+$/;
var RegistryAuth = class {
  constructor(credentials, dispatcher, timeoutMs) {
    this.credentials = credentials;
    this.dispatcher = dispatcher;
    this.timeoutMs = timeoutMs;
    if (credentials) registerCredentials(credentials.username, credentials.password);
  }
  credentials;
  dispatcher;
  timeoutMs;
  authorization = null;
  get hasCredentials() {
    return this.credentials !== void 0;
  }
  header() {
    return this.authorization;
  }
  /** Answers a 401; true when there is a new Authorization worth one retry. */
  async answer(challengeHeader, target) {
    const challenges = challengeHeader ? parseChallenges(challengeHeader) : [];
    const bearer = challenges.find((c) => c.scheme === "bearer");
    if (bearer) {
      const token = await this.fetchToken(bearer, target);
      registerSecret(token);
      this.authorization = `Bearer ${token}`;
      return true;
    }
    const basic = challenges.find((c) => c.scheme === "basic");
    if (basic && this.credentials) {
      const header = basicAuthorization(this.credentials);
      if (this.authorization === header) return false;
      this.authorization = header;
      return true;
    }
    return false;
  }
  async fetchToken(challenge, target) {
    const url = this.realmUrl(challenge, target);
    const service = `${target.registry} (token service ${url.host})`;
    const headers = { accept: "application/json" };
    if (this.credentials) headers.authorization = basicAuthorization(this.credentials);
    const res = await exchange({
      url: url.toString(),
      method: "GET",
      headers,
      maxBytes: TOKEN_BODY_MAX,
      timeoutMs: this.timeoutMs,
      dispatcher: this.dispatcher,
      subject: `${target.target} (token service ${url.host})`
    });
    const asked = { ...target, registry: service, hasCredentials: this.hasCredentials };
    if (res.status === 401 || res.status === 403) {
      throw registryErrorFor(401, res.body, asked);
    }
    if (res.status < 200 || res.status > 299) throw registryErrorFor(res.status, res.body, asked);
    const token = readToken(res.body);
    if (!token) {
      throw new RegistryError(`${target.target}: ${service} answered without a usable token`, "registry", target.target, "UNAUTHORIZED", res.status);
    }
    return token;
  }
  realmUrl(challenge, target) {
    const fail = (problem) => new RegistryError(`${target.target}: registry ${target.registry} ${problem}`, "registry", target.target, "UNAUTHORIZED", 401);
    let url;
    try {
      url = new URL(challenge.params.realm ?? "");
    } catch {
      throw fail("sent a Bearer challenge without a usable realm");
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") throw fail("sent a Bearer realm that is not http(s)");
    if (this.credentials && url.protocol === "http:" && !isLoopbackHost(url.host)) {
      throw fail(`asked for credentials over plain HTTP at token service ${neutralize(url.host, 200)}; refusing to send them`);
    }
    url.username = "";
    url.password = "";
    if (challenge.params.service) url.searchParams.set("service", challenge.params.service);
    for (const scope of (challenge.params.scope ?? "").split(" ").filter(Boolean)) url.searchParams.append("scope", scope);
    return url;
  }
};
function basicAuthorization(credentials) {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
}
function readToken(body) {
  let parsed;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return null;
  }
  const token = typeof parsed?.token === "string" && parsed.token ? parsed.token : parsed?.access_token;
  return typeof token === "string" && token.length <= TOKEN_MAX && TOKEN_CHARS.test(token) ? token : null;
}

// src/registry/transport.ts
var DEFAULT_TIMEOUT_MS = 3e4;
var MAX_REDIRECTS = 3;
var RETRY_POLICY = {
  attempts: 3,
  backoffMs: 1e3,
  maxBackoffMs: 8e3,
  maxWaitMs: 6e4,
  // Registries (Docker Hub among them) often answer TOOMANYREQUESTS without Retry-After.
  rateLimitWaitMs: 5e3
};
var RegistryTransport = class {
  constructor(ref, options) {
    this.ref = ref;
    this.options = options;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.policy = { ...RETRY_POLICY, maxWaitMs: options.rateLimitBudgetMs ?? RETRY_POLICY.maxWaitMs };
    this.dispatcher = options.dispatcher ?? sharedDispatcher();
    this.auth = new RegistryAuth(options.credentials, this.dispatcher, this.timeoutMs);
    this.base = registryBaseUrl(ref);
  }
  ref;
  options;
  auth;
  base;
  timeoutMs;
  policy;
  dispatcher;
  async send(req) {
    const url = `${this.base}${req.path}`;
    let reauthenticated = false;
    const res = await withRetries(
      async () => {
        let res2 = await this.exchange(url, req, true);
        if (res2.status === 401 && !reauthenticated) {
          reauthenticated = true;
          if (await this.auth.answer(headerValue(res2.headers, "www-authenticate"), this.targetOf(req))) res2 = await this.exchange(url, req, true);
        }
        const answered = res2.status >= 200 && res2.status < 300 || res2.status === 404 && req.notFoundIsAnswer || isRedirect(res2.status) && req.followRedirects;
        if (answered) return res2;
        throw registryErrorFor(res2.status, res2.body, this.targetOf(req), retryAfterSeconds(res2.headers, this.options.clock.now()));
      },
      {
        policy: this.policy,
        clock: this.options.clock,
        // A PUT of a blob or manifest may have landed before the failure: only a refusal is repeated.
        idempotent: req.method !== "PUT",
        tooLong: (error, waitMs, waitedMs) => error instanceof RegistryError ? error.withNote(rateLimitNote(waitMs, waitedMs, this.policy.maxWaitMs)) : error
      }
    );
    return isRedirect(res.status) ? this.followRedirects(url, res, req) : res;
  }
  targetOf(req) {
    return {
      registry: this.ref.registry,
      target: req.target,
      action: req.action,
      hasCredentials: this.auth.hasCredentials
    };
  }
  exchange(url, req, authorized) {
    const authorization = authorized ? this.auth.header() : null;
    return exchange({
      url,
      method: req.method,
      headers: { ...req.headers, ...authorization ? { authorization } : {} },
      body: req.body,
      maxBytes: req.maxBytes,
      timeoutMs: this.timeoutMs,
      dispatcher: this.dispatcher,
      subject: req.target
    });
  }
  async followRedirects(from, first, req) {
    const origin = new URL(from).origin;
    let current = from;
    let res = first;
    for (let hop = 0; hop < MAX_REDIRECTS && isRedirect(res.status); hop++) {
      const next = new URL(headerValue(res.headers, "location") ?? "", current);
      if (next.protocol !== "https:" && next.protocol !== "http:") {
        throw new RegistryError(`${req.target}: registry ${this.ref.registry} redirected to a non-http(s) location`, "redirect", req.target, null, res.status);
      }
      current = next.toString();
      res = await this.exchange(current, req, next.origin === origin);
    }
    if (res.status >= 200 && res.status < 300) return res;
    if (isRedirect(res.status)) {
      throw new RegistryError(
        `${req.target}: registry ${this.ref.registry} redirected more than ${MAX_REDIRECTS} times`,
        "redirect",
        req.target,
        null,
        res.status
      );
    }
    throw registryErrorFor(res.status, res.body, this.targetOf(req));
  }
};
function isRedirect(status) {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}
function rateLimitNote(waitMs, waitedMs, budgetMs) {
  return `asked to wait ${Math.ceil(waitMs / 1e3)}s more after ${Math.round(waitedMs / 1e3)}s, beyond the ${Math.round(budgetMs / 1e3)}s allowed`;
}

// src/registry/client.ts
var MANIFEST_MAX_BYTES = 4 * 1024 * 1024;
var TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
var DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
var RegistryClient = class {
  constructor(ref, options) {
    this.ref = ref;
    this.transport = new RegistryTransport(ref, options);
  }
  ref;
  transport;
  /** `registry/repository:tag` or `registry/repository@digest`, the name errors and logs use. */
  describe(reference) {
    return `${this.ref.registry}/${this.ref.repository}${DIGEST.test(reference) ? "@" : ":"}${reference}`;
  }
  /** The manifest a tag or digest names; MANIFEST_UNKNOWN (naming image:tag and registry) when absent. */
  async getManifest(reference) {
    const res = await this.transport.send(this.manifestRequest("GET", reference, false));
    return this.readManifest(reference, res);
  }
  /** Like getManifest, but null when the tag does not exist. */
  async findManifest(reference) {
    const res = await this.transport.send(this.manifestRequest("GET", reference, true));
    return res.status === 404 ? null : this.readManifest(reference, res);
  }
  /** Digest a tag points at now, without downloading the manifest where the registry says it; null when absent. */
  async headDigest(reference) {
    const res = await this.transport.send(this.manifestRequest("HEAD", reference, true));
    if (res.status === 404) return null;
    const digest = headerValue(res.headers, "docker-content-digest");
    if (digest && DIGEST.test(digest)) return digest;
    return (await this.findManifest(reference))?.digest ?? null;
  }
  /** Writes the manifest's exact bytes under `tag` and checks the registry stored that digest. */
  async putManifest(tag, manifest) {
    const target = this.describe(checkReference(tag, this.describe(tag)));
    const res = await this.transport.send({
      method: "PUT",
      path: `/v2/${this.ref.repository}/manifests/${tag}`,
      headers: { "content-type": manifest.mediaType },
      body: manifest.bytes,
      maxBytes: MANIFEST_MAX_BYTES,
      target,
      action: "push"
    });
    const stored = headerValue(res.headers, "docker-content-digest");
    if (stored && stored !== manifest.digest) {
      throw new FleetError(
        `${target}: registry ${this.ref.registry} stored digest ${neutralize(stored, 200)} for a manifest whose digest is ${manifest.digest}`,
        "bad_payload",
        target
      );
    }
  }
  /** A blob's bytes, checked against its digest. */
  async getBlob(digest, maxBytes) {
    const target = this.describe(checkReference(digest, this.describe(digest)));
    const res = await this.transport.send({
      method: "GET",
      path: `/v2/${this.ref.repository}/blobs/${digest}`,
      maxBytes,
      target,
      action: "pull",
      followRedirects: true
    });
    if (digestOf(res.body, digest) !== digest) {
      throw new FleetError(`${target}: blob content does not match its digest`, "bad_payload", target);
    }
    return res.body;
  }
  manifestRequest(method, reference, notFoundIsAnswer) {
    return {
      method,
      path: `/v2/${this.ref.repository}/manifests/${checkReference(reference, this.describe(reference))}`,
      headers: { accept: MANIFEST_ACCEPT },
      maxBytes: MANIFEST_MAX_BYTES,
      target: this.describe(reference),
      action: "pull",
      notFoundIsAnswer
    };
  }
  readManifest(reference, res) {
    const target = this.describe(reference);
    const bad = (problem) => new FleetError(`${target}: ${problem}`, "bad_payload", target);
    let document;
    try {
      document = JSON.parse(res.body.toString("utf8"));
    } catch {
      throw bad("manifest is not JSON");
    }
    if (!document || typeof document !== "object" || Array.isArray(document)) throw bad("manifest is not a JSON object");
    const contentType = headerValue(res.headers, "content-type")?.split(";")[0].trim() ?? "";
    const mediaType = MANIFEST_MEDIA_TYPES.includes(contentType) ? contentType : document.mediaType;
    if (!mediaType || !MANIFEST_MEDIA_TYPES.includes(mediaType)) {
      throw new RegistryError(
        `${target}: unsupported manifest type '${neutralize(contentType || String(document.mediaType), 200)}'; expected an OCI or Docker schema 2 manifest or index`,
        "registry",
        target,
        null,
        res.status
      );
    }
    const digest = digestOf(res.body, "sha256:");
    const announced = headerValue(res.headers, "docker-content-digest");
    if (announced?.startsWith("sha256:") && announced !== digest) {
      throw bad(`registry announced digest ${neutralize(announced, 200)} but the bytes hash to ${digest}`);
    }
    if (DIGEST.test(reference) && digestOf(res.body, reference) !== reference) {
      throw bad("manifest content does not match the digest it was asked by");
    }
    return { digest, mediaType, bytes: res.body, document };
  }
};
function digestOf(bytes, like) {
  const algorithm = like.startsWith("sha512:") ? "sha512" : "sha256";
  return `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;
}
function checkReference(reference, subject) {
  if (TAG.test(reference) || DIGEST.test(reference)) return reference;
  throw new FleetError(`${subject}: '${reference}' is neither a valid tag nor a digest`, "input", subject);
}

// src/registry/revision.ts
var REVISION_KEY = "org.opencontainers.image.revision";
var CONFIG_MAX_BYTES = 8 * 1024 * 1024;
async function readRevision(client, manifest) {
  const annotated = revisionIn(manifest.document.annotations);
  if (annotated) return annotated;
  if (isIndexMediaType(manifest.mediaType)) {
    const platform = firstPlatformManifest(manifest.document.manifests ?? []);
    if (!platform?.digest) return null;
    const child = await client.getManifest(platform.digest);
    return isIndexMediaType(child.mediaType) ? null : readRevision(client, child);
  }
  return configRevision(client, manifest.document.config);
}
function firstPlatformManifest(manifests) {
  return manifests.find((d) => d.platform?.os !== "unknown" && d.annotations?.["vnd.docker.reference.type"] !== "attestation-manifest");
}
async function configRevision(client, config) {
  if (!config?.digest || !config.mediaType || !isImageConfigMediaType(config.mediaType)) return null;
  const bytes = await client.getBlob(config.digest, CONFIG_MAX_BYTES);
  let parsed;
  try {
    parsed = JSON.parse(bytes.toString("utf8"));
  } catch {
    return null;
  }
  return revisionIn(parsed?.config?.Labels);
}
function revisionIn(map) {
  const value = map && typeof map === "object" ? map[REVISION_KEY] : void 0;
  if (typeof value !== "string") return null;
  const sha = value.trim();
  return isCommitSha(sha) ? sha.toLowerCase() : null;
}

// src/stages/promote.ts
async function promoteTag(o) {
  const client = new RegistryClient(parseImageRef(o.image), { credentials: o.credentials, clock: o.clock, dispatcher: o.dispatcher });
  const sourceName = client.describe(o.sourceTag);
  const promoteName = client.describe(o.promoteTag);
  const source = await client.getManifest(o.sourceTag);
  const wanted = { digest: source.digest, revision: await readRevision(client, source) };
  const currentDigest = await client.headDigest(o.promoteTag);
  const before = currentDigest === source.digest ? wanted : await readTagState(client, o.promoteTag);
  const outcome = (status, after, message) => {
    o.log.info(`promotion: ${message}`);
    return { status, before, after, message };
  };
  const sourceProblem = checkSource(sourceName, wanted.revision, o.expectedSha);
  if (sourceProblem && (wanted.revision !== null || !o.allowRollback)) {
    return outcome("blocked", before, `${sourceProblem}; ${promoteName} left at ${describeState(before)}`);
  }
  if (before?.digest === source.digest) {
    return outcome("unchanged", before, `${promoteName} already points at ${describeState(before)}; nothing written`);
  }
  const verdict = await judgeMove(before, o.expectedSha, o.compare);
  if (!verdict.forward && !o.allowRollback) {
    return outcome("blocked", before, `refusing to move ${promoteName}: ${verdict.reason}; set allow-rollback: true to permit it`);
  }
  const move = `${promoteName} from ${describeState(before)} to ${describeState(wanted)}`;
  if (!verdict.forward || sourceProblem) {
    o.log.warning(`promote: allow-rollback is set, moving ${promoteName} although ${sourceProblem ?? verdict.reason}`);
  }
  if (o.dryRun) return outcome("planned", before, `dry run: would move ${move}`);
  if (!await o.stillOwner()) {
    return outcome("superseded", before, `a newer commit owns the deploy branch; ${promoteName} left at ${describeState(before)}`);
  }
  await client.putManifest(o.promoteTag, source);
  const readBack = await client.headDigest(o.promoteTag);
  if (readBack !== source.digest) {
    const after = readBack === null ? null : await readTagState(client, o.promoteTag);
    return outcome(
      "conflict",
      after,
      `${promoteName} changed while it was being promoted: wrote ${shortDigest(source.digest)}, read back ${describeState(after)}; another writer moved it, not overwritten again`
    );
  }
  return outcome("promoted", wanted, `moved ${move}`);
}
async function resolveImageRevision(image, tag, access) {
  const client = new RegistryClient(parseImageRef(image), access);
  return readRevision(client, await client.getManifest(tag));
}
async function readTagState(client, tag) {
  const manifest = await client.findManifest(tag);
  return manifest && { digest: manifest.digest, revision: await readRevision(client, manifest) };
}
function checkSource(sourceName, revision, expectedSha) {
  if (revision === null) {
    return `${sourceName} records no commit in ${REVISION_KEY}, so it cannot be proven to be ${shortSha(expectedSha)}`;
  }
  if (!sameCommit(revision, expectedSha)) {
    return `${sourceName} was built from ${shortSha(revision)}, not the expected ${shortSha(expectedSha)}`;
  }
  return null;
}
async function judgeMove(before, expectedSha, compare) {
  if (!before) return { forward: true, reason: "the tag does not exist yet" };
  if (!before.revision) {
    return {
      forward: false,
      reason: `it points at ${shortDigest(before.digest)}, which records no commit in ${REVISION_KEY}, so the move cannot be proven forward`
    };
  }
  const ancestry = sameCommit(before.revision, expectedSha) ? "identical" : await compare(before.revision, expectedSha);
  if (ancestry === "identical" || ancestry === "ahead") {
    return { forward: true, reason: `${shortSha(expectedSha)} descends from ${shortSha(before.revision)}` };
  }
  const relation = ancestry === "behind" ? "is newer than" : "has diverged from";
  return {
    forward: false,
    reason: `it points at ${shortSha(before.revision)}, which ${relation} the expected ${shortSha(expectedSha)}, so the move would not be forward`
  };
}
function describeState(state) {
  if (!state) return "nothing (tag absent)";
  return `${shortDigest(state.digest)} (${state.revision ? `commit ${shortSha(state.revision)}` : "no recorded commit"})`;
}
function shortDigest(digest) {
  return digest.slice(0, digest.indexOf(":") + 13);
}

// src/stages/plan.ts
async function planRollout(reports, expectedSha, allowRollback, compare, log, previousHolders = []) {
  const relationOf2 = /* @__PURE__ */ new Map();
  const uncomparable = [];
  const proven = [];
  const ifOwner = [];
  const newer = [];
  for (const tenant of reports) {
    if (tenant.state === "converged") continue;
    if (allowRollback) {
      proven.push(tenant.name);
      continue;
    }
    if (tenant.state === "ahead" && tenant.actual !== null) newer.push({ name: tenant.name, actual: tenant.actual });
    if (tenant.state === "ahead") continue;
    if (tenant.state === "unreachable" || tenant.state === "pending" || tenant.actual === null) {
      ifOwner.push(tenant.name);
      continue;
    }
    const actual = tenant.actual.toLowerCase();
    if (!relationOf2.has(actual))
      relationOf2.set(
        actual,
        compare(expectedSha, actual).catch(() => null)
      );
    const relation = await relationOf2.get(actual);
    if (relation === "behind") proven.push(tenant.name);
    else if (relation === "diverged") ifOwner.push(tenant.name);
    else if (relation === null) uncomparable.push(tenant.name);
    if (relation === "ahead" || relation === null) newer.push({ name: tenant.name, actual });
  }
  if (uncomparable.length > 0) {
    log.warning(
      `not redeploying ${uncomparable.length} tenant(s) whose commit could not be compared with ${shortSha(expectedSha)}: ${listNames(uncomparable)}; rolling them could move them backward`
    );
  }
  const plan2 = { proven, ifOwner, newer };
  if (allowRollback) return plan2;
  for (const holder of previousHolders) {
    if (sameCommit(holder.sha, expectedSha)) continue;
    const relation = await compare(expectedSha, holder.sha).catch(() => null);
    if (relation !== "behind") return { ...plan2, newerHolder: { runUrl: holder.runUrl, sha: holder.sha } };
  }
  return plan2;
}
function memoizeCompare(compare) {
  const answers = /* @__PURE__ */ new Map();
  return (base, head) => {
    const key = `${base.toLowerCase()}...${head.toLowerCase()}`;
    let answer = answers.get(key);
    if (!answer) {
      answer = compare(base, head);
      answers.set(key, answer);
      answer.catch(() => answers.delete(key));
    }
    return answer;
  };
}
function tenantsToRoll(plan2, notOwner, log) {
  if (notOwner === null) return [...plan2.proven, ...plan2.ifOwner];
  if (plan2.newerHolder) {
    const { runUrl, sha } = plan2.newerHolder;
    log.warning(
      `not redeploying any tenant: ${notOwner}, and the run that held the lock before it (${neutralize(runUrl, 300) || "an unknown run"}, commit ${neutralize(shortSha(sha), 40)}) deployed a commit not proven older, whose rollouts may still be landing`
    );
    return [];
  }
  if (plan2.newer.length > 0) {
    log.warning(
      `not redeploying any tenant: ${notOwner}, and ${plan2.newer.length} tenant(s) already run a newer commit (${listNames(plan2.newer.map((t) => `${t.name} actual=${shortSha(t.actual)}`))})`
    );
    return [];
  }
  if (plan2.ifOwner.length > 0) {
    log.warning(
      `not redeploying ${plan2.ifOwner.length} tenant(s) whose commit is unknown or unrelated (${listNames(plan2.ifOwner)}): ${notOwner}, and rolling them could move them backward`
    );
  }
  return plan2.proven;
}
function unreadForPlan(headRead, reports) {
  const missing = [];
  if (!headRead) missing.push("the branch head could not be read (see the warning above)");
  const unknown = reports.filter((t) => t.actual === null || t.state === "unreachable");
  if (unknown.length > 0)
    missing.push(`${unknown.length} tenant(s) could not be read (${listNames(unknown.map((t) => `${t.name}: ${t.error_class ?? t.state}`))})`);
  return missing.length > 0 ? missing.join("; ") : null;
}

// src/stages/bake-check.ts
var BakeCheckStopped = class extends Error {
  constructor() {
    super("bake-check stopped: this run no longer owns the branch or the lock");
    this.name = "BakeCheckStopped";
  }
};
async function runBakeCheck(req, deadlineMs, deps) {
  const env = {
    FLEET_TAG: req.tag,
    FLEET_SHA: req.sha,
    FLEET_ENVIRONMENT: req.environment,
    FLEET_REPOSITORY: req.repository,
    FLEET_WAVE: String(req.wave)
  };
  const { code, stopped } = await runWatchedCommand({ command: req.command, label: "bake-check", env, deadlineMs }, deps);
  if (stopped === "lost-right") throw new BakeCheckStopped();
  if (deps.signal?.aborted) throw deps.signal.reason;
  if (stopped === "deadline") return { passed: false, reason: `bake-check did not finish within ${Math.ceil(deadlineMs / 1e3)}s and was stopped` };
  return code === 0 ? { passed: true } : { passed: false, reason: `bake-check exited with ${describeExit(code)}` };
}
async function bakeWave(options) {
  const { clock, signal } = options;
  const until = clock.now() + options.seconds * 1e3;
  for (; ; ) {
    if (options.check) {
      const verdict = await options.check(Math.max(until - clock.now(), options.intervalMs));
      if (!verdict.passed) return { kind: "failed", reason: verdict.reason };
    }
    if (clock.now() >= until) return { kind: "baked" };
    await clock.sleep(Math.min(options.intervalMs, until - clock.now()), signal);
    const refused = await options.mayAct();
    if (refused) return { kind: "stopped", outcome: refused };
  }
}

// src/stages/redeploy.ts
var import_undici2 = __toESM(require_undici(), 1);
import { createHash as createHash2 } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// src/fleet/bounded.ts
async function forEachBounded(items, workers, work, signal) {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal?.aborted) {
      await work(items[next++]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(workers, items.length)) }, worker));
}

// src/stages/redeploy.ts
var RedeployStopped = class extends FleetError {
  constructor(what) {
    super(`${what}: this run no longer owns the branch or the lock`, "internal");
    this.name = "RedeployStopped";
  }
};
var WEBHOOK_RETRY_POLICY = { attempts: 3, backoffMs: 2e3, maxBackoffMs: 8e3, maxWaitMs: 6e4 };
var REQUEST_TIMEOUT_MS = 3e4;
async function redeployFleet(settings, req, deps) {
  if (req.tenants.length === 0) return "every tenant already reports the expected commit; nothing redeployed";
  switch (settings.kind) {
    case "none":
      return `no redeploy configured: waiting for ${req.tenants.length} tenant(s) to pull ${req.tag} on their own`;
    case "webhook":
      return settings.perTenant ? redeployPerTenant(settings.url, settings.token, req, deps) : postRedeploy(settings.url, settings.token, req, req.tenants, null, deps);
    case "command":
      return runRedeployCommand(settings.command, req, deps);
  }
}
async function redeployPerTenant(url, token, req, deps) {
  let sent = 0;
  let stop = null;
  const halt = new AbortController();
  await forEachBounded(
    req.tenants,
    deps.maxParallel ?? 1,
    async (tenant) => {
      try {
        if (deps.mayProceed && !await deps.mayProceed()) throw new RedeployStopped(`redeploy stopped after ${sent} of ${req.tenants.length} tenant call(s)`);
        if (halt.signal.aborted) return;
        sent++;
        await postRedeploy(url.replaceAll("{tenant}", encodeURIComponent(tenant)), token, req, [tenant], tenant, deps);
      } catch (error) {
        stop ??= error;
        halt.abort();
      }
    },
    halt.signal
  );
  if (stop) throw stop;
  return `redeploy requested for ${req.tenants.length} tenant(s), one call each, at most ${deps.maxParallel ?? 1} at once`;
}
function idempotencyKey(req, tenant) {
  return createHash2("sha256").update(`${req.runKey}\0${req.environment}\0${req.tag}\0${tenant ?? "*"}`).digest("hex").slice(0, 32);
}
async function postRedeploy(url, token, req, tenants, tenant, deps) {
  const endpoint = `POST ${redactUrl(url)}`;
  const body = JSON.stringify({ tag: req.tag, sha: req.sha, environment: req.environment, repository: req.repository, tenants });
  const headers = {
    "content-type": "application/json",
    "idempotency-key": idempotencyKey(req, tenant),
    "user-agent": "fleet-forward"
  };
  if (token) headers.authorization = `Bearer ${token}`;
  const send = async (attemptNumber) => {
    let res;
    try {
      res = await (0, import_undici2.request)(url, {
        method: "POST",
        headers,
        body,
        dispatcher: deps.dispatcher ?? sharedDispatcher(),
        signal: deps.signal,
        headersTimeout: REQUEST_TIMEOUT_MS,
        bodyTimeout: REQUEST_TIMEOUT_MS
      });
    } catch (error) {
      if (deps.signal?.aborted) throw error;
      const errorClass = classifyError(error);
      const why = neverReachedServer(errorClass) ? `after ${attemptNumber} attempt(s)` : "not retried because the request may have been received";
      throw new FleetError(`${endpoint} failed (${errorClass}); ${why}`, errorClass, endpoint);
    }
    const text = await readRemoteText(res.body);
    if (res.statusCode >= 200 && res.statusCode < 300) {
      deps.log.info(`${endpoint}: HTTP ${res.statusCode}${tenant ? ` (${tenant})` : ""}`);
      return `redeploy requested for ${tenants.length} tenant(s)`;
    }
    throw new HttpStatusError(res.statusCode, endpoint, neutralize(text, 200), retryAfterSeconds(res.headers, deps.clock.now()));
  };
  return withRetries(send, {
    policy: WEBHOOK_RETRY_POLICY,
    clock: deps.clock,
    // Sent once means acted on, perhaps: only a refusal or a connection never made is repeated.
    idempotent: false,
    signal: deps.signal,
    onRetry: (_error, waitMs, attemptNumber) => deps.log.warning(`${endpoint}: retrying in ${Math.ceil(waitMs / 1e3)}s (attempt ${attemptNumber + 1} of ${WEBHOOK_RETRY_POLICY.attempts})`)
  });
}
function redactUrl(url) {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}${parsed.search ? "?\u2026" : ""}`;
}
var MAX_INLINE_TENANTS_BYTES = 96 * 1024;
async function runRedeployCommand(command, req, deps) {
  const dir = mkdtempSync(join(tmpdir(), "fleet-forward-"));
  const tenantsFile = join(dir, "tenants.json");
  writeFileSync(tenantsFile, JSON.stringify(req.tenants));
  const names = req.tenants.join("\n");
  const env = {
    FLEET_TAG: req.tag,
    FLEET_SHA: req.sha,
    FLEET_ENVIRONMENT: req.environment,
    FLEET_REPOSITORY: req.repository,
    FLEET_TENANTS_FILE: tenantsFile,
    // Linux caps one environment variable at 128 KiB; huge fleets read the file instead.
    FLEET_TENANTS: Buffer.byteLength(names) <= MAX_INLINE_TENANTS_BYTES ? names : ""
  };
  try {
    const { code, stopped } = await runWatchedCommand({ command, label: "redeploy-command", env }, deps);
    if (stopped) throw new RedeployStopped("redeploy-command killed");
    if (code !== 0) throw new FleetError(`redeploy-command exited with ${describeExit(code)}`, "internal", "redeploy-command");
    return `redeploy-command rolled ${req.tenants.length} tenant(s)`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// src/fleet/connection-plan.ts
var import_undici3 = __toESM(require_undici(), 1);
function originOf(url) {
  return new URL(url).origin;
}
function planConnections(tenants, concurrency) {
  const tenantsPerOrigin = /* @__PURE__ */ new Map();
  for (const tenant of tenants) {
    const origin = originOf(tenant.url);
    tenantsPerOrigin.set(origin, (tenantsPerOrigin.get(origin) ?? 0) + 1);
  }
  const singleTenant = new Set([...tenantsPerOrigin].filter(([, count]) => count === 1).map(([origin]) => origin));
  if (tenantsPerOrigin.size > concurrency) return { keepAlive: false, concurrency, perOrigin: /* @__PURE__ */ new Map(), singleTenant };
  const spare = concurrency - tenantsPerOrigin.size;
  const perOrigin = /* @__PURE__ */ new Map();
  for (const [origin, count] of tenantsPerOrigin) {
    perOrigin.set(origin, Math.min(count, 1 + Math.floor(spare * count / tenants.length)));
  }
  return { keepAlive: true, concurrency, perOrigin, singleTenant };
}
var MAX_PROBE_REDIRECTS = 3;
function createFleetTransport(plan2, timings) {
  return proxyAwareDispatcher({
    factory: (origin, options) => {
      if (plan2.singleTenant.has(String(origin))) return new import_undici3.Client(origin, options);
      return new import_undici3.Pool(origin, { ...options, connections: plan2.perOrigin.get(String(origin)) ?? null });
    },
    connect: (0, import_undici3.buildConnector)({ timeout: timings.connectTimeoutMs }),
    keepAliveTimeout: timings.keepAliveMs,
    keepAliveMaxTimeout: timings.keepAliveMs
  });
}

// src/fleet/buildinfo.ts
function readCommit(body, shaFields) {
  let doc;
  try {
    doc = JSON.parse(body.charCodeAt(0) === 65279 ? body.slice(1) : body);
  } catch {
    return { sha: null, problem: "body is not JSON" };
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    return { sha: null, problem: "body is not a JSON object" };
  }
  const fields = doc;
  for (const field of shaFields) {
    if (!Object.hasOwn(fields, field) || fields[field] === null) continue;
    const value = fields[field];
    if (typeof value === "string" && isCommitSha(value.trim())) return { sha: value.trim().toLowerCase(), problem: null };
    return { sha: null, problem: `field '${field}' is not a commit SHA: ${neutralize(JSON.stringify(value) ?? "", 40)}` };
  }
  return { sha: null, problem: `none of the fields ${shaFields.join(", ")} is present` };
}

// src/fleet/probe.ts
var HEADERS = { accept: "application/json", "cache-control": "no-cache", "user-agent": "fleet-forward" };
function probeTarget(url) {
  const parsed = new URL(url);
  return { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
}
function startProbe(target, req) {
  return startGet(
    target,
    req,
    (body) => {
      const reading = readCommit(body, req.shaFields);
      return reading.sha === null ? failure("bad_payload", reading.problem) : { sha: reading.sha, errorClass: null, detail: null };
    },
    failure
  );
}
function startHealthProbe(target, req) {
  return startGet(
    target,
    req,
    (_body, status) => ({ ok: true, status: `http ${status}` }),
    (errorClass, _detail, status) => ({ ok: false, status: status ? `http ${status}` : errorClass })
  );
}
function startGet(target, req, onBody, onFailure) {
  let cancel = () => void 0;
  const result = new Promise((resolve, reject) => {
    let controller = null;
    let abortWhenStarted = null;
    let settled = false;
    const visited = [urlOf(target)];
    const settle = (outcome, abortReason) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (abortReason) {
        if (controller) controller.abort(abortReason);
        else abortWhenStarted = abortReason;
      }
      if ("cancelled" in outcome) reject(outcome.cancelled);
      else resolve(outcome.value);
    };
    const failed = (errorClass, detail, httpStatus = null) => ({
      value: onFailure(errorClass, visited.length > 1 ? `redirected to ${neutralize(visited[visited.length - 1], 200)}: ${detail}` : detail, httpStatus)
    });
    const stop = (errorClass, detail) => settle(failed(errorClass, detail), new FleetError(detail, errorClass));
    const deadline = setTimeout(() => stop("deadline", `no complete answer within ${req.requestTimeoutMs} ms`), req.requestTimeoutMs);
    cancel = (reason) => settle({ cancelled: reason }, new Error("probe cancelled"));
    const send = (hop) => {
      let status = 0;
      let size = 0;
      let next = null;
      const chunks2 = [];
      const ok = () => status >= 200 && status < 300;
      const handler = {
        onRequestStart(c) {
          controller = c;
          if (abortWhenStarted) c.abort(abortWhenStarted);
        },
        onResponseStart(_c, statusCode, headers) {
          status = statusCode;
          if (status >= 300 && status < 400) {
            const followed = redirectTarget(hop, headers.location, visited);
            if (typeof followed === "string") return stop("redirect", `HTTP ${status}: ${followed}`);
            next = followed;
            return;
          }
          const declared = Number(headers["content-length"]);
          if (ok() && declared > req.maxBodyBytes) stop("too_large", `Content-Length ${declared} exceeds ${req.maxBodyBytes} bytes`);
        },
        onResponseData(_c, chunk) {
          if (settled || next) return;
          size += chunk.length;
          if (size > req.maxBodyBytes) {
            if (ok()) stop("too_large", `body exceeds ${req.maxBodyBytes} bytes`);
            else settle(failed(httpErrorClass(status), `HTTP ${status}`, status), new FleetError(`HTTP ${status}`, httpErrorClass(status)));
          } else if (ok()) {
            chunks2.push(chunk);
          }
        },
        onResponseEnd() {
          if (settled) return;
          if (next) {
            visited.push(urlOf(next));
            controller = null;
            return send(next);
          }
          if (!ok()) return settle(failed(httpErrorClass(status), `HTTP ${status}`, status));
          const body = chunks2.length === 1 ? chunks2[0] : Buffer.concat(chunks2, size);
          settle({ value: onBody(body.toString("utf8"), status) });
        },
        onResponseError(_c, error) {
          settle(failed(classifyError(error), neutralize(describeError(error), 200)));
        }
      };
      try {
        req.dispatcher.dispatch({ origin: hop.origin, path: hop.path, method: "GET", headers: HEADERS, reset: req.closeAfter ?? false }, handler);
      } catch (error) {
        settle(failed(classifyError(error), neutralize(describeError(error), 200)));
      }
    };
    send(target);
  });
  return { result, cancel: (reason) => cancel(reason) };
}
function urlOf(target) {
  return `${target.origin}${target.path}`;
}
function redirectTarget(from, location, visited) {
  const given = Array.isArray(location) ? location[0] : location;
  if (!given) return "redirect without a Location";
  let url;
  try {
    url = new URL(given, urlOf(from));
  } catch {
    return `redirect to an unusable Location '${neutralize(given, 200)}'`;
  }
  const shown = neutralize(url.href, 200);
  if (url.protocol !== "http:" && url.protocol !== "https:") return `redirect to ${shown}, not an http or https URL`;
  const next = probeTarget(url.href);
  if (visited.includes(urlOf(next))) return `redirect loop at ${shown}`;
  if (visited.length > MAX_PROBE_REDIRECTS) return `more than ${MAX_PROBE_REDIRECTS} redirects; the next would go to ${shown}`;
  return next;
}
function failure(errorClass, detail) {
  return { sha: null, errorClass, detail };
}

// src/fleet/prober.ts
var PROBE_DEFAULTS = {
  concurrency: 64,
  requestTimeoutMs: 5e3,
  maxBodyBytes: 64 * 1024,
  keepAliveMs: 3e4
};
function createFleetProber(fleet, shaFields, options = {}) {
  const concurrency = Math.max(1, options.concurrency ?? PROBE_DEFAULTS.concurrency);
  const requestTimeoutMs = options.requestTimeoutMs ?? PROBE_DEFAULTS.requestTimeoutMs;
  const targets = /* @__PURE__ */ new Map();
  const targetOf = (url) => {
    let target = targets.get(url);
    if (!target) {
      target = probeTarget(url);
      targets.set(url, target);
    }
    return target;
  };
  const plan2 = planConnections(fleet, concurrency);
  const transport = options.dispatcher ? null : createFleetTransport(plan2, {
    connectTimeoutMs: options.connectTimeoutMs ?? Math.ceil(requestTimeoutMs * 0.6),
    keepAliveMs: options.keepAliveMs ?? PROBE_DEFAULTS.keepAliveMs
  });
  const dispatcher = options.dispatcher ?? transport;
  const req = {
    dispatcher,
    shaFields,
    requestTimeoutMs,
    maxBodyBytes: options.maxBodyBytes ?? PROBE_DEFAULTS.maxBodyBytes,
    closeAfter: !plan2.keepAlive
  };
  const probeEach = async (tenants, urlOf2, start, onResult, signal) => {
    const inFlight = /* @__PURE__ */ new Set();
    const cancelAll = () => inFlight.forEach((probe) => probe.cancel(signal?.reason));
    signal?.addEventListener("abort", cancelAll, { once: true });
    const probeOne = async (tenant) => {
      const probe = start(targetOf(urlOf2(tenant)));
      inFlight.add(probe);
      try {
        onResult(tenant, await probe.result);
      } catch (error) {
        if (!signal?.aborted) throw error;
      } finally {
        inFlight.delete(probe);
      }
    };
    const due = tenants.filter((tenant) => urlOf2(tenant) !== void 0);
    try {
      await Promise.all(
        lanes(plan2, due, (tenant) => targetOf(urlOf2(tenant))).map(({ tenants: lane, workers }) => forEachBounded(lane, workers, probeOne, signal))
      );
    } finally {
      signal?.removeEventListener("abort", cancelAll);
    }
  };
  return {
    probe: (tenants, onResult, signal) => probeEach(
      tenants,
      (tenant) => tenant.url,
      (target) => startProbe(target, req),
      onResult,
      signal
    ),
    probeHealth: (tenants, onResult, signal) => probeEach(
      tenants,
      (tenant) => tenant.health,
      (target) => startHealthProbe(target, req),
      onResult,
      signal
    ),
    async close() {
      await transport?.destroy();
    }
  };
}
function lanes(plan2, tenants, targetOf) {
  if (!plan2.keepAlive) return [{ tenants: [...tenants], workers: plan2.concurrency }];
  const byOrigin = groupBy(tenants, (tenant) => targetOf(tenant).origin);
  return [...byOrigin].map(([origin, lane]) => ({ tenants: lane, workers: plan2.perOrigin.get(origin) ?? 1 }));
}

// src/stages/verify.ts
async function settleFleet(options) {
  const { clock, log, signal } = options;
  const startedAt = clock.now();
  const deadline = startedAt + options.budgetSeconds * 1e3;
  const intervalMs = options.intervalSeconds * 1e3;
  const reports = new Map(options.tenants.map((t) => [t.name, pendingReport(t.name)]));
  const checked = new Set(options.health ? options.tenants.filter((t) => t.health).map((t) => t.name) : []);
  for (const report of options.settled ?? []) {
    if (isSettled(report) && reports.has(report.name) && (!checked.has(report.name) || report.healthy === true)) reports.set(report.name, { ...report });
  }
  const prober = createFleetProber(options.tenants, options.shaFields, {
    keepAliveMs: intervalMs + 5e3,
    ...options.probe
  });
  const ctx = {
    prober,
    classifier: createClassifier({
      expectedSha: options.expectedSha,
      allowRollback: options.allowRollback,
      compare: options.compare,
      log
    }),
    clock,
    startedAt: options.since ?? startedAt,
    signal,
    health: options.health
  };
  const stillOwner = ownershipCheck(options.stillOwner, log);
  let rounds = 0;
  let details = /* @__PURE__ */ new Map();
  const finish = (outcome) => ({
    outcome,
    tenants: options.tenants.map((t) => ({ ...reports.get(t.name) })),
    rounds,
    seconds: Math.round((clock.now() - startedAt) / 100) / 10,
    details
  });
  try {
    for (; ; ) {
      const roundStartedAt = clock.now();
      const due = new Set(options.tenants.filter((t) => !isSettled(reports.get(t.name))));
      details = await probeRound([...due], reports, ctx);
      if (signal?.aborted) return finish("aborted");
      rounds++;
      const snapshot = options.tenants.map((t) => ({ ...reports.get(t.name) }));
      options.onRound?.(rounds, snapshot, Math.max(0, deadline - clock.now()));
      log.info(summarizeRound(rounds, snapshot));
      const spent = clock.now() >= deadline;
      if (snapshot.every(isSettled) || spent) {
        if (!await stillOwner()) return finish("superseded");
        const readBefore = options.tenants.filter((t) => !due.has(t));
        const regressed = await confirmSettled(readBefore, reports, ctx);
        if (signal?.aborted) return finish("aborted");
        if (regressed.length === 0 && snapshot.every(isSettled)) return finish("converged");
        if (regressed.length > 0)
          log.warning(
            `${regressed.length} tenant(s) no longer report ${shortSha(options.expectedSha)} when read again before the verdict: ${listNames(regressed.map(describeTenant))}${spent ? "" : "; verifying on"}`
          );
        if (spent) {
          return finish("stale");
        }
      }
      const nextRoundAt = Math.min(roundStartedAt + intervalMs, deadline);
      try {
        await clock.sleep(Math.max(0, nextRoundAt - clock.now()), signal);
      } catch (error) {
        if (signal?.aborted) return finish("aborted");
        throw error;
      }
      if (!await stillOwner()) return finish("superseded");
      if (signal?.aborted) return finish("aborted");
    }
  } finally {
    await prober.close();
  }
}
function ownershipCheck(stillOwner, log) {
  let warned = false;
  return async () => {
    try {
      return await stillOwner();
    } catch (error) {
      if (isFatal(error)) throw error;
      if (warned) return true;
      warned = true;
      log.warning(`could not re-check ownership between verify rounds (${classifyError(error)}: ${neutralize(describeError(error), 200)}); verifying on`);
      return true;
    }
  };
}
async function confirmSettled(tenants, reports, ctx) {
  if (tenants.length === 0) return [];
  await probeRound(tenants, reports, ctx);
  return tenants.map((t) => reports.get(t.name)).filter((report) => !isSettled(report));
}
async function probeFleet(tenants, expectedSha, options) {
  const reports = new Map(tenants.map((t) => [t.name, pendingReport(t.name)]));
  const prober = createFleetProber(tenants, options.shaFields, options.probe);
  try {
    await probeRound(tenants, reports, {
      prober,
      classifier: createClassifier({
        expectedSha,
        allowRollback: options.allowRollback ?? false,
        compare: options.compare,
        log: options.log
      }),
      clock: options.clock,
      startedAt: options.clock.now(),
      signal: options.signal
    });
  } finally {
    await prober.close();
  }
  return tenants.map((t) => reports.get(t.name));
}

// src/stages/waves.ts
function planWaves(tenants, toRoll, spec) {
  const rolling = new Set(toRoll);
  const groups = groupTenants(tenants, rolling, spec);
  return groups.map((group, i) => ({
    index: i + 1,
    tenants: group,
    toRoll: group.filter((t) => rolling.has(t.name)).map((t) => t.name)
  }));
}
function groupTenants(tenants, rolling, spec) {
  switch (spec.kind) {
    case "single":
      return [[...tenants]];
    case "per-tenant": {
      const numbers = [...new Set(tenants.map((t) => t.wave))].sort((a, b) => a - b);
      return numbers.map((n) => tenants.filter((t) => t.wave === n));
    }
    case "steps": {
      const waves = splitIntoWaves(
        tenants.filter((t) => rolling.has(t.name)),
        spec.steps
      );
      const untouched = tenants.filter((t) => !rolling.has(t.name));
      if (waves.length === 0) return [untouched];
      waves[waves.length - 1].push(...untouched);
      return waves;
    }
  }
}
function waveLabel(wave, count) {
  return count > 1 ? `wave ${wave.index} of ${count}` : "the fleet";
}
function waveOfTenants(waves) {
  return new Map(waves.flatMap((wave) => wave.tenants.map((t) => [t.name, wave.index])));
}
function waveVerdict(failingHere, failingSoFar, maxFailures) {
  return failingSoFar > maxFailures ? "halted" : failingHere > 0 ? "stale" : "converged";
}

// src/core/run.ts
import { randomUUID } from "node:crypto";

// src/stages/ownership.ts
async function checkOwnership(forge, branchInput, sha, log) {
  let head;
  let branch = branchInput;
  try {
    branch ??= await forge.defaultBranch();
    head = await forge.readBranchHead(branch);
  } catch (error) {
    if (isFatal(error)) throw error;
    if (isNotFound(error)) await explainNotFound(forge, branch, error);
    const what = branch ? `the head of branch '${branch}'` : `the default branch of ${forge.repository}`;
    const message = `could not read ${what} (${classifyError(error)}: ${neutralize(describeError(error))}); continuing as owner: ownership fails open so a genuine deploy is never skipped`;
    log.warning(message);
    return { superseded: false, head: null, relation: null, message, branch };
  }
  if (sameCommit(head, sha)) {
    return { superseded: false, head, relation: "identical", message: `branch '${branch}' is at ${shortSha(sha)}: this run owns it`, branch };
  }
  const relation = await relationOf(forge, sha, head, log);
  const where = relation ? `${describeRelation(relation)} this run's ${shortSha(sha)}` : `ancestry with this run's ${shortSha(sha)} unknown`;
  return {
    superseded: true,
    head,
    relation,
    message: `superseded: branch '${branch}' is owned by ${shortSha(head)} (${where}); this run skips every side effect`,
    branch
  };
}
async function explainNotFound(forge, branch, error) {
  if (branch === null) throw new RepositoryNotFoundError(forge.kind, forge.repository, error.endpoint);
  let defaultBranch;
  try {
    defaultBranch = await forge.defaultBranch();
  } catch (repoError) {
    if (isNotFound(repoError)) throw new RepositoryNotFoundError(forge.kind, forge.repository, repoError.endpoint);
    if (isFatal(repoError)) throw repoError;
    return;
  }
  throw new InputError(
    "branch",
    `branch '${branch}' does not exist in ${forge.repository} (${error.subject} answered 404; its default branch is '${neutralize(defaultBranch, 100)}'): pass the deploy branch's name`
  );
}
async function relationOf(forge, sha, head, log) {
  try {
    return await forge.compare(sha, head);
  } catch (error) {
    log.warning(`could not compare ${shortSha(sha)} with ${shortSha(head)} (${classifyError(error)}); the branch head still decides ownership`);
    return null;
  }
}
function describeRelation(relation) {
  if (relation === "ahead") return "ahead of";
  if (relation === "behind") return "behind";
  if (relation === "diverged") return "diverged from";
  return "identical to";
}
var OwnershipGuard = class {
  constructor(forge, branch, sha, log) {
    this.forge = forge;
    this.branch = branch;
    this.sha = sha;
    const warned = /* @__PURE__ */ new Set();
    this.quietLog = {
      ...log,
      warning: (message) => {
        if (warned.has(message)) return;
        warned.add(message);
        log.warning(message);
      }
    };
  }
  forge;
  branch;
  sha;
  latest = null;
  /** A head that stays unreadable is warned about once, not at every re-check. */
  quietLog;
  /** The most recent verdict (the superseding one, once there is one). */
  get verdict() {
    return this.latest;
  }
  /**
   * The latest read found the branch head at this run's commit. False after a fail-open read: the run
   * acts, but it may be an older run that only could not see the newer commit.
   */
  get proven() {
    return this.latest !== null && !this.latest.superseded && this.latest.head !== null;
  }
  /** Reads the branch head now (unless already superseded) and returns the verdict. */
  async check() {
    if (!this.latest?.superseded) this.latest = await checkOwnership(this.forge, this.branch ?? this.latest?.branch ?? null, this.sha, this.quietLog);
    return this.latest;
  }
  async stillOwner() {
    return !(await this.check()).superseded;
  }
};

// src/core/run.ts
var PROOF_REUSE_MS = 1e3;
var PipelineRun = class {
  constructor(settings, deps, facts) {
    this.settings = settings;
    this.deps = deps;
    this.facts = facts;
    this.guard = new OwnershipGuard(deps.forge, settings.branch, settings.sha, deps.log);
    this.compare = memoizeCompare((base, head) => deps.forge.compare(base, head));
    this.health = new HealthBook(settings.health);
    this.runKey = settings.run.runId ? `${settings.run.repository}#${settings.run.runId}.${settings.run.runAttempt}` : randomUUID();
  }
  settings;
  deps;
  facts;
  guard;
  /** Ancestry answers are asked once per pair for the whole run. */
  compare;
  held = { lock: null, attempted: false, deployment: null };
  expectedSha = "";
  rollout = { proven: [], ifOwner: [], newer: [] };
  /** The tenants actually told to roll. */
  toRoll = [];
  plan = "";
  promotion = null;
  /** When the first wave was told to roll: `seconds_to_converge` counts from here in every wave. */
  rolloutStartedAt = 0;
  /** Each tenant's latest report, from planning on. */
  reports = /* @__PURE__ */ new Map();
  /** Each health-checked tenant's verdict so far: it carries over from wave to wave and into the bake's confirmation. */
  health;
  /** Outside Actions there is no run id: a fresh key per invocation, so a new deploy is never taken for a duplicate. */
  runKey;
  proof = null;
  /** Proven the owner of the branch by a read made while holding the lock (or with the lock switched off). */
  /**
   * Why this run may not roll tenants of unknown or unrelated commit, or null when it may: it proved, holding
   * the lock, that the branch is at its commit. Owning the branch rules out a newer commit only for a run that
   * deploys the branch head itself; one that deploys an earlier release (a target-tag of an older image) may
   * find the head's commit on any tenant.
   */
  get notOwner() {
    if (!sameCommit(this.expectedSha, this.settings.sha))
      return `this run deploys ${shortSha(this.expectedSha)}, not the branch head ${shortSha(this.settings.sha)}`;
    return this.guard.proven && (this.held.lock !== null || !this.settings.lock) ? null : "this run could not prove it owns the branch";
  }
  superseded() {
    this.facts.headSha = this.guard.verdict?.head ?? this.facts.headSha;
    return { result: "superseded", message: this.guard.verdict?.message ?? "superseded" };
  }
  lostLock() {
    return {
      result: "failed",
      message: `this run could not prove it still holds lock '${this.settings.environment}' (see the warning above); stopped before the next side effect`,
      errorClass: "forge",
      lockLost: true
    };
  }
  /**
   * Proof, right before a side effect, that this run still owns the branch and holds the lock. Per-tenant
   * calls pass `shared`: concurrent callers, and callers within PROOF_REUSE_MS of the last proof, get the
   * same answer, so the forge sees about one proof a second whatever the size of the fleet. Every other
   * proof (a wave's start and end, a verdict) is fresh: there are only a few per wave.
   */
  mayAct(shared = false) {
    const now = this.deps.clock.now();
    if (shared && this.proof && now - this.proof.at < PROOF_REUSE_MS) return this.proof.answer;
    const answer = this.prove();
    this.proof = { at: now, answer };
    answer.catch(() => {
      if (this.proof?.answer === answer) this.proof = null;
    });
    return answer;
  }
  async prove() {
    if (!await this.guard.stillOwner()) return this.superseded();
    if (this.held.lock && !await this.held.lock.ensureHeld()) return this.lostLock();
    return null;
  }
  /** Who overrode a freeze or moves the fleet back, and why, for every commit status the run writes. */
  get audit() {
    return auditNote({ override: this.facts.override, rollback: rollbackOf(this.settings) });
  }
  /** A red verdict: recorded as a failure on the commit, :latest left where it was. */
  async stale(message, errorClass = null) {
    await writeDeployStatus(
      this.deps.forge,
      this.expectedSha,
      this.settings.environment,
      { verified: false, summary: message, audit: this.audit },
      this.settings.run.runUrl,
      this.deps.log
    );
    return { result: "stale", message, errorClass };
  }
};
function abortedOutcome(signal) {
  const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? "cancelled");
  return { result: "aborted", message: `cancelled: ${reason}; nothing was rolled back` };
}
function failedOutcome(error) {
  if (error instanceof FleetError) return { result: "failed", message: neutralize(error.message, 1e3), errorClass: error.errorClass };
  return { result: "failed", message: `internal error: ${neutralize(describeError(error), 1e3)}`, errorClass: "internal" };
}

// src/core/rollout.ts
async function rollOut(run) {
  const { settings, deps, facts } = run;
  const { proven, ifOwner } = run.rollout;
  if (proven.length + ifOwner.length > 0) {
    deps.log.info(run.plan);
    const refused = await run.mayAct();
    if (refused) return refused;
    run.toRoll = tenantsToRoll(run.rollout, run.notOwner, deps.log);
    if (run.toRoll.length > 0) {
      run.held.deployment = await startDeployment(deps.forge, settings, run.expectedSha, deps.log, deps.onDeployment);
      if (run.held.deployment) facts.deployment = { id: run.held.deployment.id, environment_url: settings.environmentUrl };
    }
  }
  const waves = planWaves(settings.tenants, run.toRoll, settings.rollout.waves);
  run.rolloutStartedAt = deps.clock.now();
  facts.waves = waves.map((wave) => ({ wave: wave.index, tenants: wave.tenants.length, redeployed: 0, result: "not_attempted", seconds: null }));
  facts.tenantWave = waveOfTenants(waves);
  if (waves.length > 1)
    deps.log.info(`${waves.length} waves: ${waves.map((w) => `${w.toRoll.length}/${w.tenants.length}`).join(", ")} (tenants to roll/verified per wave)`);
  for (const wave of waves) {
    const record = facts.waves[wave.index - 1];
    const startedAt = deps.clock.now();
    const ended = await rollWave(run, wave, waves, record);
    record.seconds = Math.round((deps.clock.now() - startedAt) / 100) / 10;
    if (ended) {
      markNotAttempted(run, waves.slice(wave.index));
      return ended;
    }
  }
  const failing = facts.tenants.filter((t) => !isSettled(t));
  if (failing.length === 0) return null;
  return run.stale(
    `${failing.length} of ${facts.tenants.length} tenant(s) did not report ${shortSha(run.expectedSha)} (tolerated by max-failures ${settings.rollout.maxFailures}); :latest was not promoted`
  );
}
async function rollWave(run, wave, waves, record) {
  const { settings, deps } = run;
  const { maxFailures, bakeSeconds } = settings.rollout;
  const label = waveLabel(wave, waves.length);
  const startedAt = deps.clock.now();
  if (wave.toRoll.length > 0) {
    const stopped2 = await redeployWave(run, wave);
    if (stopped2) return endWave(record, stopped2);
    record.redeployed = wave.toRoll.length;
  }
  const earlier = waves.slice(0, wave.index - 1).flatMap((w) => w.tenants);
  const verified = [...earlier.filter((t) => isSettled(run.reports.get(t.name))), ...wave.tenants];
  const judge = () => {
    const failing2 = [...earlier, ...wave.tenants].filter((t) => !isSettled(run.reports.get(t.name)));
    const failingHere = verified.filter((t) => !isSettled(run.reports.get(t.name)));
    return { failing: failing2, failingHere, verdict: waveVerdict(failingHere.length, failing2.length, maxFailures) };
  };
  const stopped = await verifyTenants(run, verified);
  if (stopped) return endWave(record, stopped);
  let judged = judge();
  let confirmedAfterBake = false;
  if (judged.verdict !== "halted" && bakeSeconds > 0) {
    const unverified = judged.failingHere.length ? `ended with ${describeFailing(judged, maxFailures)}` : "converged";
    deps.log.info(`${label} ${unverified}; baking ${bakeSeconds}s before confirming it again`);
    const baked = await bake(run, wave);
    if (typeof baked === "string") {
      record.result = "halted";
      const later = waves.length > 1 ? `; ${waves.length - wave.index} later wave(s) not attempted` : "";
      return run.stale(`${label} halted: ${baked} during the ${bakeSeconds}s bake${later}`, "bake_check");
    }
    const confirmed = baked ?? await verifyTenants(run, verified, 0);
    if (confirmed) return endWave(record, confirmed);
    judged = judge();
    confirmedAfterBake = true;
  }
  record.result = judged.verdict;
  const { failing } = judged;
  if (judged.verdict === "halted") {
    const took = deps.clock.now() - startedAt;
    const when = confirmedAfterBake ? `when confirmed after the ${bakeSeconds}s bake (the wave took ${Math.round(took / 100) / 10}s: redeploy, verify, bake and confirm)` : withinSettleBudget(settings.settleBudgetSeconds, took);
    const why = `${notVerified(failing, run)} ${when}`;
    const later = waves.length - wave.index;
    return run.stale(
      waves.length > 1 ? `${label} halted: ${why}, more than max-failures ${maxFailures}; ${later} later wave(s) not attempted` : `${failing.length} of ${run.facts.tenants.length} ${notVerified(failing, run).replace(/^\d+ /, "")} ${when}`
    );
  }
  if (judged.failingHere.length > 0) deps.log.warning(`${label}: ${describeFailing(judged, maxFailures)}, going on`);
  else if (waves.length > 1) deps.log.info(`${label} verified: ${wave.tenants.length} tenant(s)`);
  return null;
}
function notVerified(failing, run) {
  const unhealthy = failing.filter((t) => run.reports.get(t.name).state === "unhealthy").length;
  const healthNote = unhealthy > 0 ? ` (${unhealthy} of them report${unhealthy === 1 ? "s" : ""} it but ${unhealthy === 1 ? "is" : "are"} unhealthy)` : "";
  return `${failing.length} tenant(s) did not report ${shortSha(run.expectedSha)}${healthNote}`;
}
function describeFailing({ failing, failingHere }, maxFailures) {
  return `${failingHere.length} tenant(s) not verified (${listNames(failingHere.map((t) => t.name))}); ${failing.length} in all, within max-failures ${maxFailures}`;
}
function endWave(record, outcome) {
  record.result = outcome.result === "aborted" ? "aborted" : outcome.result === "superseded" ? "superseded" : "failed";
  return outcome;
}
async function redeployWave(run, wave) {
  const { settings, deps, held } = run;
  const refused = await run.mayAct();
  if (refused) return refused;
  let stoppedBy = null;
  const toldAt = deps.clock.now();
  const redeployed = await redeployFleet(
    settings.redeploy,
    {
      tag: settings.targetTag,
      sha: run.expectedSha,
      environment: settings.environment,
      repository: settings.run.repository,
      tenants: wave.toRoll,
      runKey: run.runKey
    },
    {
      clock: deps.clock,
      log: deps.log,
      signal: deps.signal,
      dispatcher: deps.dispatcher,
      mayProceed: async () => (stoppedBy = await run.mayAct(true)) === null,
      heartbeatMs: heartbeatMs(held.lock),
      onCommand: deps.onCommand,
      maxParallel: settings.rollout.maxParallel
    }
  ).catch((error) => {
    if (error instanceof RedeployStopped && stoppedBy) return null;
    throw error;
  });
  if (redeployed === null) return stoppedBy ?? run.superseded();
  deps.log.info(redeployed);
  for (const name of wave.toRoll) run.facts.redeployedAt.set(name, toldAt);
  return run.mayAct();
}
async function verifyTenants(run, tenants, budgetSeconds = run.settings.settleBudgetSeconds) {
  const { settings, deps, facts } = run;
  let stoppedBy = null;
  const settled = await settleFleet({
    tenants,
    expectedSha: run.expectedSha,
    shaFields: settings.shaFields,
    budgetSeconds,
    intervalSeconds: settings.settleIntervalSeconds,
    allowRollback: settings.allowRollback,
    clock: deps.clock,
    compare: run.compare,
    stillOwner: async () => (stoppedBy = await run.mayAct()) === null,
    log: deps.log,
    onRound: deps.onRound && ((round, reports, budgetLeftMs) => deps.onRound(facts.rounds + round, reports, budgetLeftMs)),
    probe: { dispatcher: deps.dispatcher },
    signal: deps.signal,
    since: run.rolloutStartedAt,
    settled: tenants.map((t) => run.reports.get(t.name)).filter(isSettled),
    health: run.health
  });
  for (const report of settled.tenants) run.reports.set(report.name, report);
  facts.tenants = settings.tenants.map((t) => run.reports.get(t.name));
  facts.rounds += settled.rounds;
  if (settled.outcome === "superseded") return stoppedBy ?? run.superseded();
  if (settled.outcome === "aborted") return abortedOutcome(deps.signal);
  if (settled.outcome === "stale") {
    for (const line of failureLines(settled.tenants, run.expectedSha, settled.details, tenants)) deps.log.info(line);
  }
  return null;
}
async function bake(run, wave) {
  const { settings, deps } = run;
  const command = settings.rollout.bakeCheck;
  let stoppedBy = null;
  const watch = {
    clock: deps.clock,
    log: deps.log,
    signal: deps.signal,
    mayProceed: async () => (stoppedBy = await run.mayAct(true)) === null,
    heartbeatMs: heartbeatMs(run.held.lock),
    onCommand: deps.onCommand
  };
  const request3 = { tag: settings.targetTag, sha: run.expectedSha, environment: settings.environment, repository: settings.run.repository, wave: wave.index };
  try {
    const end = await bakeWave({
      seconds: settings.rollout.bakeSeconds,
      intervalMs: settings.settleIntervalSeconds * 1e3,
      clock: deps.clock,
      signal: deps.signal,
      mayAct: () => run.mayAct(),
      check: command ? (deadlineMs) => runBakeCheck({ ...request3, command }, deadlineMs, watch) : void 0
    });
    return end.kind === "baked" ? null : end.kind === "stopped" ? end.outcome : end.reason;
  } catch (error) {
    if (deps.signal.aborted) return abortedOutcome(deps.signal);
    if (error instanceof BakeCheckStopped) return stoppedBy ?? run.superseded();
    throw error;
  }
}
function markNotAttempted(run, waves) {
  const untouched = new Set(waves.flatMap((w) => w.tenants.map((t) => t.name)));
  run.facts.tenants = run.facts.tenants.map((t) => untouched.has(t.name) ? { ...t, state: "not_attempted" } : t);
}

// src/core/finish.ts
async function promote(run) {
  if (!run.settings.promotion) return null;
  const refused = await run.mayAct();
  if (refused) return refused;
  const promotion = await promoteImage(run, false);
  run.promotion = promotion;
  if (promotion?.status === "superseded") return run.superseded();
  if (promotion?.status === "blocked") return { result: "blocked", message: `promote blocked: ${promotion.message}` };
  if (promotion?.status === "conflict") return { result: "failed", message: `promote conflict: ${promotion.message}`, errorClass: "registry" };
  const stopped = await verifyTenants(run, run.settings.tenants);
  if (stopped) return stopped;
  const failing = run.facts.tenants.filter((t) => !isSettled(t));
  if (failing.length === 0) return null;
  return run.stale(`${failing.length} tenant(s) stopped reporting ${shortSha(run.expectedSha)} while ${run.settings.promotion.promoteTag} was promoted`);
}
async function promoteImage(run, dryRun2) {
  const { settings, deps, facts } = run;
  if (!settings.promotion) return null;
  const { image, promoteTag: tag } = settings.promotion;
  const outcome = await promoteTag({
    image,
    sourceTag: settings.targetTag,
    promoteTag: tag,
    expectedSha: run.expectedSha,
    allowRollback: settings.allowRollback,
    dryRun: dryRun2,
    credentials: registryCredentials(settings.promotion),
    compare: run.compare,
    stillOwner: () => run.guard.stillOwner(),
    clock: deps.clock,
    log: deps.log,
    dispatcher: deps.dispatcher
  });
  facts.promotion = { image, tag, status: outcome.status, before: outcome.before, after: outcome.after };
  return outcome;
}
async function recordVerified(run) {
  const { settings, deps, facts, expectedSha } = run;
  const ahead = facts.tenants.filter((t) => t.state === "ahead").length;
  const verified = `${facts.tenants.length - ahead}/${facts.tenants.length} tenants report ${shortSha(expectedSha)}${ahead ? `, ${ahead} report a newer commit` : ""}`;
  await writeDeployStatus(deps.forge, expectedSha, settings.environment, { verified: true, summary: verified, audit: run.audit }, settings.run.runUrl, deps.log);
  return run.toRoll.length > 0 || run.promotion?.status === "promoted" ? { result: "deployed", message: `deployed ${settings.targetTag}: ${verified}` } : { result: "noop", message: `nothing to do: ${verified}` };
}

// src/report/dry-run.ts
var NAMES_PER_LINE = 20;
var ONE_LINE = 10;
function dryRunPlanLines(waves, fromOf, to) {
  return waves.flatMap((wave) => {
    const label = `dry run, ${waveLabel(wave, waves.length)}: would roll ${wave.toRoll.length}`;
    const verify = `then verify ${wave.tenants.length} tenant(s)`;
    if (wave.toRoll.length <= ONE_LINE) {
      const rolls = wave.toRoll.map((name) => `${name} ${fromOf(name)} \u2192 ${to}`);
      return [`${label}${rolls.length ? ` (${rolls.join(", ")})` : ""}, ${verify}`];
    }
    const byFrom = groupBy(wave.toRoll, fromOf);
    return [
      `${label} to ${to}, ${verify}:`,
      ...[...byFrom].flatMap(([from, names]) => chunks(names, NAMES_PER_LINE).map((part) => `  from ${from} (${names.length}): ${part.join(", ")}`))
    ];
  });
}

// src/stages/gate.ts
async function checkGate(forge, sha, upstream, log) {
  const context = statusContext(upstream);
  const commit = shortSha(sha);
  let status;
  try {
    status = await forge.latestStatus(sha, context);
  } catch (error) {
    if (isFatal(error)) throw error;
    return {
      passed: false,
      message: `gate: could not read ${context} on ${commit} (${classifyError(error)}: ${neutralize(describeError(error), 200)}); the gate fails closed, nothing changed`
    };
  }
  if (!status) return { passed: false, message: `gate: ${commit} has no ${context} record: it was never verified in ${upstream}; nothing changed` };
  if (status.state !== "success") {
    const detail = [status.description, status.targetUrl].filter(Boolean).map((s) => neutralize(s, 200)).join(", ");
    return { passed: false, message: `gate: ${context} on ${commit} is ${status.state}${detail ? ` (${detail})` : ""}, not success; nothing changed` };
  }
  const message = `gate: ${commit} was verified in ${upstream}${status.targetUrl ? ` (${neutralize(status.targetUrl, 200)})` : ""}`;
  log.info(message);
  return { passed: true, message };
}

// src/stages/window.ts
var HORIZON_DAYS = 4 * 366;
var MINUTE_MS = 6e4;
var MAX_SHIFT_MS = 3 * 36e5;
var MAX_BOUNDARIES = 5e3;
function decideWindow(schedule, now) {
  const freeze = schedule.deny.find((entry) => isActive(entry, now)) ?? null;
  const within = schedule.allow.find((entry) => isActive(entry, now)) ?? null;
  if (!freeze && (within || schedule.allow.length === 0)) return { open: true, within };
  return { open: false, reason: freeze ? "frozen" : "outside_windows", by: freeze, opensAt: nextOpening(schedule, now) };
}
function describeClosed(decision) {
  const why = decision.by ? `deploy freeze '${decision.by.text}' is on` : "outside every deploy window";
  const next = decision.opensAt ? `the next window opens ${formatInZone(decision.opensAt.zone, decision.opensAt.at)}` : "no window opens within four years";
  return `${why}; ${next}`;
}
function checkWindow(windows, now) {
  const { schedule, override } = windows;
  if (schedule.allow.length === 0 && schedule.deny.length === 0) {
    const log = override ? { level: "info", text: "override-freeze has no effect: no deploy window or freeze is configured" } : null;
    return { record: null, override: null, deferred: null, log };
  }
  const decision = decideWindow(schedule, now);
  if (decision.open) {
    const where = decision.within ? `inside deploy window '${decision.within.text}'` : "no deploy freeze is on";
    return {
      record: { state: "open", reason: null, freeze: null, next_open: null, next_open_zone: null },
      override: null,
      deferred: null,
      log: { level: "info", text: `${where}${override ? "; override-freeze not needed" : ""}` }
    };
  }
  const closed = describeClosed(decision);
  const record = (state) => ({
    state,
    reason: decision.reason,
    freeze: decision.by?.text ?? null,
    next_open: decision.opensAt ? new Date(decision.opensAt.at).toISOString() : null,
    next_open_zone: decision.opensAt?.zone ?? null
  });
  if (!override) return { record: record("deferred"), override: null, deferred: `deferred: ${closed}; nothing was touched`, log: null };
  return {
    record: record("overridden"),
    override,
    deferred: null,
    log: { level: "warning", text: `${closed}; going ahead: override-freeze by ${override.actor ?? "an unknown actor"}: ${override.reason}` }
  };
}
function isOpen(schedule, at) {
  return !schedule.deny.some((entry) => isActive(entry, at)) && (schedule.allow.length === 0 || schedule.allow.some((entry) => isActive(entry, at)));
}
function isActive(entry, at) {
  if (entry.kind === "calendar") return utcOfWall(entry.zone, entry.from) <= at && at < utcOfWall(entry.zone, entry.to);
  const opened = lastFiring(entry.from, entry.zone, at);
  if (opened === null) return false;
  const closed = lastFiring(entry.to, entry.zone, at);
  return closed === null || opened > closed;
}
function nextOpening(schedule, now) {
  const entries = [...schedule.allow, ...schedule.deny];
  let at = now;
  for (let tried = 0; tried < MAX_BOUNDARIES; tried++) {
    let next = null;
    for (const entry of entries) {
      const boundary = nextBoundary(entry, at);
      if (boundary !== null && (next === null || boundary < next.at)) next = { at: boundary, zone: entry.zone };
    }
    if (next === null) return null;
    if (isOpen(schedule, next.at)) return next;
    at = next.at;
  }
  return null;
}
function nextBoundary(entry, after) {
  const candidates = entry.kind === "calendar" ? [utcOfWall(entry.zone, entry.from), utcOfWall(entry.zone, entry.to)].filter((t) => t > after) : [nextFiring(entry.from, entry.zone, after), nextFiring(entry.to, entry.zone, after)].filter((t) => t !== null);
  return candidates.length > 0 ? Math.min(...candidates) : null;
}
function lastFiring(cron, zone, at) {
  const wallAt = wallOf(zone, at);
  const today = Math.floor(wallAt / DAY_MS);
  for (let day = today + 1; day >= today - HORIZON_DAYS; day--) {
    if (!firesOn(cron, day)) continue;
    for (const wall of timesOf(cron, day).reverse()) {
      if (wall > wallAt + MAX_SHIFT_MS) continue;
      const instant = utcOfWall(zone, wall);
      if (instant <= at) return instant;
    }
  }
  return null;
}
function nextFiring(cron, zone, after) {
  const wallAfter = wallOf(zone, after);
  const today = Math.floor(wallAfter / DAY_MS);
  for (let day = today - 1; day <= today + HORIZON_DAYS; day++) {
    if (!firesOn(cron, day)) continue;
    for (const wall of timesOf(cron, day)) {
      if (wall < wallAfter - MAX_SHIFT_MS) continue;
      const instant = utcOfWall(zone, wall);
      if (instant > after) return instant;
    }
  }
  return null;
}
function timesOf(cron, day) {
  return cron.hours.flatMap((hour) => cron.minutes.map((minute) => day * DAY_MS + (hour * 60 + minute) * MINUTE_MS));
}
function firesOn(cron, day) {
  const date = new Date(day * DAY_MS);
  if (!cron.months.has(date.getUTCMonth() + 1)) return false;
  const byDay = cron.days.has(date.getUTCDate());
  const byWeekday = cron.weekdays.has(date.getUTCDay());
  if (cron.daysRestricted && cron.weekdaysRestricted) return byDay || byWeekday;
  return byDay && byWeekday;
}

// src/core/prepare.ts
async function checkOwner(run) {
  const { settings, deps, facts } = run;
  const owner = await run.guard.check();
  facts.headSha = owner.head;
  if (owner.superseded) return { result: "superseded", message: owner.message };
  if (owner.head !== null) deps.log.info(owner.message);
  run.expectedSha = settings.expectedSha ?? await expectedShaFromImage(run);
  facts.expectedSha = run.expectedSha;
  return null;
}
async function deferOutsideWindow(run) {
  const { settings, deps, facts } = run;
  const check = checkWindow(settings.windows, deps.forge.forgeNow());
  facts.window = check.record;
  facts.override = check.override;
  if (check.log) deps.log[check.log.level](check.log.text);
  if (!check.deferred) return null;
  if (!settings.dryRun) return { result: "deferred", message: check.deferred };
  deps.log.info(`a run now would be ${check.deferred}`);
  return null;
}
async function passGate(run) {
  const upstream = run.settings.requireVerifiedIn;
  if (!upstream) return null;
  const gate = await checkGate(run.deps.forge, run.expectedSha, upstream, run.deps.log);
  return gate.passed ? null : { result: "blocked", message: gate.message };
}
async function takeLock(run) {
  const { settings, deps, held } = run;
  if (settings.dryRun) return null;
  const locked = await acquireRunLock(settings, {
    forge: deps.forge,
    clock: deps.clock,
    log: deps.log,
    signal: deps.signal,
    stillOwner: () => run.guard.stillOwner(),
    nonce: deps.lockNonce,
    onClaim: (nonce) => deps.onLock?.(nonce ? { environment: settings.environment, nonce } : null)
  });
  if (locked.status === "superseded") return run.superseded();
  if (locked.status === "blocked") return { result: "blocked", message: locked.message };
  if (locked.status === "held") held.lock = locked.lock;
  held.attempted = true;
  return null;
}
async function plan(run) {
  const { settings, deps, facts, expectedSha } = run;
  const initial = await probeFleet(settings.tenants, expectedSha, {
    shaFields: settings.shaFields,
    allowRollback: settings.allowRollback,
    compare: run.compare,
    clock: deps.clock,
    log: deps.log,
    signal: deps.signal,
    probe: { dispatcher: deps.dispatcher }
  });
  facts.tenants = initial;
  facts.before = new Map(initial.map((report) => [report.name, report.actual]));
  for (const report of initial) run.reports.set(report.name, report);
  run.rollout = await planRollout(initial, expectedSha, settings.allowRollback, run.compare, deps.log, run.held.lock?.previous ?? []);
  const { proven, ifOwner } = run.rollout;
  run.plan = `${proven.length + ifOwner.length} of ${initial.length} tenant(s) to roll to ${settings.targetTag} (${shortSha(expectedSha)})` + (ifOwner.length ? `, ${ifOwner.length} of them (commit unknown or unrelated) only if this run proves it owns the branch` : "");
  if (initial.every((t) => t.state === "converged") && await isRecordedVerified(deps.forge, expectedSha, settings.environment, deps.log)) {
    return {
      result: "noop",
      message: `${shortSha(expectedSha)} is already recorded as ${statusContext(settings.environment)} and all ${initial.length} tenant(s) still report it: nothing redeployed or promoted`
    };
  }
  return settings.dryRun ? dryRun(run) : null;
}
async function dryRun(run) {
  const { settings, deps, facts } = run;
  const waves = planWaves(settings.tenants, [...run.rollout.proven, ...run.rollout.ifOwner], settings.rollout.waves);
  facts.tenantWave = waveOfTenants(waves);
  for (const line of dryRunPlanLines(waves, (name) => commitOf(run.reports.get(name)), shortSha(run.expectedSha))) deps.log.info(line);
  const promotion = await promoteImage(run, true);
  const promote2 = promotion ? `; promotion ${promotion.status}: ${promotion.message}` : "";
  const unread = unreadForPlan(run.guard.proven, facts.tenants);
  if (unread) return { result: "failed", message: `dry run could not plan: ${unread}${promote2}; nothing written`, errorClass: "forge" };
  return { result: "planned", message: `dry run: ${run.plan}${promote2}; nothing written` };
}
function commitOf(report) {
  return report.actual ? shortSha(report.actual) : `unknown (${report.state}${report.error_class ? `: ${report.error_class}` : ""})`;
}
async function expectedShaFromImage(run) {
  const { settings, deps } = run;
  const promotion = settings.promotion;
  if (!promotion) throw new InputError("expected-sha", "cannot be derived without image");
  const revision = await resolveImageRevision(promotion.image, settings.targetTag, {
    credentials: registryCredentials(promotion),
    clock: deps.clock,
    dispatcher: deps.dispatcher
  });
  if (!revision) {
    throw new InputError(
      "expected-sha",
      `cannot be derived: ${promotion.image}:${settings.targetTag} has no org.opencontainers.image.revision label or annotation; pass expected-sha`
    );
  }
  deps.log.info(`expected commit ${shortSha(revision)}, read from ${promotion.image}:${settings.targetTag}`);
  return revision.toLowerCase();
}

// src/core/deploy.ts
async function deployFleet(settings, deps) {
  setMaxListeners(0, deps.signal);
  const facts = initialFacts(
    deps.clock.now(),
    settings.tenants.map((t) => pendingReport(t.name)),
    settings.expectedSha
  );
  const run = new PipelineRun(settings, deps, facts);
  let outcome;
  try {
    outcome = await checkOwner(run) ?? await deferOutsideWindow(run) ?? await passGate(run) ?? await takeLock(run) ?? await plan(run) ?? await rollOut(run) ?? await promote(run) ?? await recordVerified(run);
  } catch (error) {
    outcome = deps.signal.aborted ? abortedOutcome(deps.signal) : failedOutcome(error);
  }
  await leave(run, outcome);
  if (settings.promotion && !facts.promotion) {
    facts.promotion = { image: settings.promotion.image, tag: settings.promotion.promoteTag, status: "not_attempted", before: null, after: null };
  }
  return buildRecord(
    {
      environment: settings.environment,
      repository: settings.run.repository,
      forge: deps.forge.kind,
      runUrl: settings.run.runUrl,
      sha: settings.sha,
      targetTag: settings.targetTag,
      dryRun: settings.dryRun,
      actor: settings.run.actor,
      rollbackReason: settings.rollbackReason
    },
    facts,
    deps.forge.calls,
    outcome,
    deps.clock.now()
  );
}
async function leave(run, outcome) {
  const { settings, deps, facts, held } = run;
  try {
    if (outcome.result === "failed" && held.attempted && !outcome.lockLost && facts.expectedSha) {
      await writeDeployStatus(
        deps.forge,
        facts.expectedSha,
        settings.environment,
        { verified: false, summary: failureSummary(outcome.errorClass), audit: run.audit },
        settings.run.runUrl,
        deps.log
      );
    }
    await finishDeployment(held.deployment, outcome.result);
  } finally {
    if (held.lock && await held.lock.release()) deps.onLock?.(null);
  }
}

export {
  OCI_MANIFEST,
  OCI_CONFIG,
  REVISION_KEY,
  deployFleet
};
