import { createRequire as __ffCreateRequire } from 'node:module'; const require = __ffCreateRequire(import.meta.url);
import {
  FleetError,
  GREEN_RESULTS,
  HttpStatusError,
  InputError,
  __toESM,
  appendHistory,
  buildRecord,
  classifyError,
  describeError,
  error,
  fallbackRecord,
  getInput,
  group,
  httpErrorClass,
  info,
  isCommitSha,
  markPublished,
  markStarted,
  renderLogTable,
  renderSummary,
  require_undici,
  sameCommit,
  setFailed,
  setOutput,
  setSecret,
  shortSha,
  staleTenantNames,
  summary,
  systemClock,
  warning
} from "./chunks/chunk-NEC2D42Y.js";

// src/action/main.ts
import { readFileSync } from "node:fs";

// src/config/inputs.ts
var INPUTS = [
  { name: "token", default: "", secret: true, description: "Forge token (the action defaults to github.token; the CLI reads FLEET_FORWARD_TOKEN, GITHUB_TOKEN or GITEA_TOKEN)." },
  { name: "forge", default: "auto", description: "'github', 'gitea', or 'auto' to detect Gitea's act_runner (GITEA_ACTIONS=true or an /api/v1 API URL)." },
  { name: "environment", default: "production", description: "Environment name; keys the lock, the record and the gate." },
  { name: "branch", default: "", description: "Deploy branch whose head decides ownership; defaults to the repository's default branch." },
  { name: "sha", default: "", description: "Commit this run deploys; defaults to the run's commit (GITHUB_SHA)." },
  { name: "target-tag", default: "", description: "Image tag to roll out; defaults to staging-<first 7 of sha>." },
  { name: "expected-sha", default: "", description: "Commit tenants must report; derived from sha when target-tag is derived from it, else from the image's org.opencontainers.image.revision label." },
  { name: "tenants", default: "", description: 'One tenant a line, "name url", or a JSON array of {"name","url"}.' },
  { name: "tenants-file", default: "", description: "Path to a file in the same format as tenants (large fleets: an input is one environment variable, at most 128 KiB)." },
  { name: "buildinfo-path", default: "/buildinfo", description: "Appended to a tenant url that is a base URL (no path)." },
  { name: "sha-field", default: "sha,git_sha,commit,revision", description: "JSON field(s) of the buildinfo body holding the running commit, first present wins." },
  { name: "settle-budget", default: "240", description: "Seconds the fleet has to report the expected commit." },
  { name: "settle-interval", default: "20", description: "Seconds between verify rounds." },
  { name: "redeploy-url", default: "", description: "POST a JSON redeploy request here; a {tenant} placeholder makes one call per tenant." },
  { name: "redeploy-token", default: "", secret: true, description: "Bearer token for redeploy-url." },
  { name: "redeploy-command", default: "", description: "Shell command that rolls the fleet; values arrive in FLEET_* environment variables, never in the command text." },
  { name: "image", default: "", description: "Image to promote, host[:port]/path (Docker Hub when there is no host)." },
  { name: "promote-tag", default: "latest", description: "Tag that is moved to the manifest of target-tag." },
  { name: "registry-username", default: "", description: "Registry user for basic or token auth." },
  { name: "registry-password", default: "", secret: true, description: "Registry password or token." },
  { name: "allow-rollback", default: "false", description: "Permit moving the fleet and promote-tag to an older commit." },
  { name: "require-verified-in", default: "", description: "Upstream environment that must have verified the expected commit (fail-closed gate)." },
  { name: "lock", default: "true", description: "Serialize runs for the same repository and environment through the forge." },
  { name: "lock-timeout", default: "600", description: "Seconds to wait for the lock before the run ends blocked." },
  { name: "dry-run", default: "false", description: "Read and plan only; write nowhere." },
  { name: "history-file", default: "", description: "Append one JSON line per run to this file." }
];

// src/config/validate.ts
function parseHttpUrl(value, input, what = "value") {
  let url;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(input, `${what} is not a URL: '${value.slice(0, 200)}'`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InputError(input, `${what} must be an http or https URL, got '${url.protocol}'`);
  }
  if (url.username || url.password) throw new InputError(input, `${what} must not carry credentials in the URL`);
  return url;
}
function parseSha(value, input) {
  if (!isCommitSha(value)) throw new InputError(input, `must be a commit SHA of 7 to 64 hex digits, got '${value.slice(0, 80)}'`);
  return value.toLowerCase();
}
var OCI_TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
function parseTag(value, input) {
  if (!OCI_TAG.test(value)) throw new InputError(input, `'${value.slice(0, 140)}' is not a valid image tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127})`);
  return value;
}
var NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
function parseName(value, input) {
  if (!NAME.test(value)) throw new InputError(input, `'${value.slice(0, 80)}' must be 1-64 letters, digits, '.', '_' or '-'`);
  return value;
}
function parseBranch(value, input) {
  if (!/^[A-Za-z0-9._/-]{1,255}$/.test(value) || value.startsWith("-") || value.includes("..") || value.endsWith("/")) {
    throw new InputError(input, `'${value.slice(0, 80)}' is not a valid branch name`);
  }
  return value.replace(/^refs\/heads\//, "");
}
function parseSeconds(value, input, min, max) {
  const seconds = Number(value);
  if (value.trim() === "" || !Number.isFinite(seconds) || seconds < min || seconds > max) {
    throw new InputError(input, `must be a number of seconds from ${min} to ${max}, got '${value.slice(0, 40)}'`);
  }
  return seconds;
}
function parseBoolean(value, input) {
  if (["true", "True", "TRUE"].includes(value)) return true;
  if (["false", "False", "FALSE"].includes(value)) return false;
  throw new InputError(input, `must be true or false, got '${value.slice(0, 40)}'`);
}

// src/config/tenants.ts
var TENANT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
function parseTenants(text, input, buildinfoPath) {
  const trimmed = text.trim();
  const raw = trimmed.startsWith("[") ? parseJsonTenants(trimmed, input) : parseLineTenants(trimmed, input);
  if (raw.length === 0) throw new InputError(input, "lists no tenant");
  const seen = /* @__PURE__ */ new Set();
  return raw.map(({ name, url }, index) => {
    const where = `tenant #${index + 1}`;
    if (!TENANT_NAME.test(name)) {
      throw new InputError(input, `${where}: name '${name.slice(0, 60)}' must be 1-128 letters, digits, '.', '_' or '-'`);
    }
    if (seen.has(name)) throw new InputError(input, `tenant name '${name}' appears twice; names must be unique`);
    seen.add(name);
    const parsed = parseHttpUrl(url, input, `tenant '${name}'`);
    if (parsed.pathname === "/" && !parsed.search) parsed.pathname = buildinfoPath;
    return Object.freeze({ name, url: parsed.toString() });
  });
}
function parseJsonTenants(text, input) {
  let value;
  try {
    value = JSON.parse(text);
  } catch (error2) {
    throw new InputError(input, `is not valid JSON (${error2.message})`);
  }
  if (!Array.isArray(value)) throw new InputError(input, 'must be a JSON array of {"name","url"} objects');
  return value.map((item, index) => {
    const entry = item;
    if (typeof entry?.name !== "string" || typeof entry?.url !== "string") {
      throw new InputError(input, `tenant #${index + 1} needs string fields "name" and "url"`);
    }
    return { name: entry.name, url: entry.url };
  });
}
function parseLineTenants(text, input) {
  const tenants = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const content = line.trim();
    if (!content || content.startsWith("#")) return;
    const parts = content.split(/\s+/);
    if (parts.length !== 2) throw new InputError(input, `line ${index + 1} must be "name url", got ${parts.length} field(s)`);
    tenants.push({ name: parts[0], url: parts[1] });
  });
  return tenants;
}

// src/config/parse.ts
var DEFAULTS = new Map(INPUTS.map((spec) => [spec.name, spec.default]));
var MAX_BUDGET_SECONDS = 6 * 3600;
function parseSettings(readRaw, env, readTextFile) {
  const read = (name) => (readRaw(name) ?? "").trim() || DEFAULTS.get(name) || "";
  const token = read("token");
  if (!token) throw new InputError("token", "is empty: pass a forge token (the action defaults to github.token)");
  const forge = read("forge");
  if (forge !== "auto" && forge !== "github" && forge !== "gitea") {
    throw new InputError("forge", `must be auto, github or gitea, got '${forge.slice(0, 40)}'`);
  }
  const sha = parseSha(read("sha") || env.GITHUB_SHA || "", read("sha") ? "sha" : "sha (from GITHUB_SHA)");
  const derivedTag = `staging-${shortSha(sha)}`;
  const targetTag = parseTag(read("target-tag") || derivedTag, "target-tag");
  const promotion = parsePromotion(read);
  const expectedSha = parseExpectedSha(read("expected-sha"), targetTag === derivedTag, sha, targetTag, promotion);
  const buildinfoPath = read("buildinfo-path");
  if (!buildinfoPath.startsWith("/")) throw new InputError("buildinfo-path", `must start with '/', got '${buildinfoPath.slice(0, 80)}'`);
  const budget = parseSeconds(read("settle-budget"), "settle-budget", 0, MAX_BUDGET_SECONDS);
  const interval = parseSeconds(read("settle-interval"), "settle-interval", 1, MAX_BUDGET_SECONDS);
  const settings = {
    token,
    forge,
    environment: parseName(read("environment"), "environment"),
    branch: read("branch") ? parseBranch(read("branch"), "branch") : null,
    sha,
    targetTag,
    expectedSha,
    tenants: readTenants(read, buildinfoPath, readTextFile),
    shaFields: parseShaFields(read("sha-field")),
    settleBudgetSeconds: budget,
    settleIntervalSeconds: interval,
    redeploy: parseRedeploy(read),
    promotion,
    allowRollback: parseBoolean(read("allow-rollback"), "allow-rollback"),
    requireVerifiedIn: read("require-verified-in") ? parseName(read("require-verified-in"), "require-verified-in") : null,
    lock: parseBoolean(read("lock"), "lock"),
    lockTimeoutSeconds: parseSeconds(read("lock-timeout"), "lock-timeout", 0, 24 * 3600),
    dryRun: parseBoolean(read("dry-run"), "dry-run"),
    historyFile: read("history-file") || null,
    run: parseRunContext(env)
  };
  return deepFreeze(settings);
}
function parseExpectedSha(raw, tagIsDerived, sha, targetTag, promotion) {
  if (raw) return parseSha(raw, "expected-sha");
  if (tagIsDerived) return sha;
  if (promotion) return null;
  throw new InputError(
    "expected-sha",
    `cannot be derived: target-tag '${targetTag}' is not staging-<sha>, and no image is set to read its revision label from; pass expected-sha or image`
  );
}
function readTenants(read, buildinfoPath, readTextFile) {
  const inline = read("tenants");
  const file = read("tenants-file");
  if (inline && file) throw new InputError("tenants-file", "cannot be combined with tenants; pass one of them");
  if (!inline && !file) throw new InputError("tenants", "is empty: pass tenants or tenants-file");
  if (inline) return parseTenants(inline, "tenants", buildinfoPath);
  let text;
  try {
    text = readTextFile(file);
  } catch (error2) {
    throw new InputError("tenants-file", `cannot read '${file}': ${error2.code ?? error2.message}`);
  }
  return parseTenants(text, "tenants-file", buildinfoPath);
}
function parseShaFields(raw) {
  const fields = raw.split(/[\s,]+/).filter(Boolean);
  for (const field of fields) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(field)) throw new InputError("sha-field", `'${field.slice(0, 80)}' is not a JSON field name`);
  }
  if (fields.length === 0) throw new InputError("sha-field", "names no field");
  return fields;
}
function parseRedeploy(read) {
  const url = read("redeploy-url");
  const command = read("redeploy-command");
  const token = read("redeploy-token");
  if (url && command) throw new InputError("redeploy-command", "cannot be combined with redeploy-url; pass one of them");
  if (token && !url) throw new InputError("redeploy-token", "is set but redeploy-url is not");
  if (url) {
    const perTenant = url.includes("{tenant}");
    parseHttpUrl(url.replaceAll("{tenant}", "tenant"), "redeploy-url");
    return { kind: "webhook", url, token: token || null, perTenant };
  }
  if (command) return { kind: "command", command };
  return { kind: "none" };
}
function parsePromotion(read) {
  const image = read("image");
  const username = read("registry-username");
  const password = read("registry-password");
  if (!image) {
    if (username || password) throw new InputError("image", "is empty but registry credentials are set; pass image to promote");
    return null;
  }
  if (!/^[a-z0-9]([a-z0-9._:-]*[a-z0-9])?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$|^\[::1\](:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+$/.test(image)) {
    throw new InputError("image", `'${image.slice(0, 200)}' is not an image reference host[:port]/path without tag (lower case)`);
  }
  if (Boolean(username) !== Boolean(password)) {
    throw new InputError(username ? "registry-password" : "registry-username", "must be set together with the other registry credential");
  }
  return {
    image,
    promoteTag: parseTag(read("promote-tag"), "promote-tag"),
    username: username || null,
    password: password || null
  };
}
function parseRunContext(env) {
  const repository = env.GITHUB_REPOSITORY ?? "";
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) {
    throw new InputError("GITHUB_REPOSITORY", `must be owner/name, got '${repository.slice(0, 100)}' (CLI: --repository)`);
  }
  const serverUrl = parseHttpUrl(env.GITHUB_SERVER_URL || "https://github.com", "GITHUB_SERVER_URL").toString().replace(/\/$/, "");
  const apiUrl = parseHttpUrl(env.GITHUB_API_URL || "https://api.github.com", "GITHUB_API_URL").toString().replace(/\/$/, "");
  const runId = env.GITHUB_RUN_ID ?? "";
  const runAttempt = env.GITHUB_RUN_ATTEMPT || "1";
  return {
    repository,
    serverUrl,
    apiUrl,
    runId,
    runAttempt,
    runUrl: runId ? `${serverUrl}/${repository}/actions/runs/${runId}` : `${serverUrl}/${repository}`,
    giteaActions: env.GITEA_ACTIONS === "true"
  };
}
function deepFreeze(value) {
  if (value && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

// src/util/sanitize.ts
var MAX_REMOTE_TEXT = 512;
function neutralize(text, max = MAX_REMOTE_TEXT) {
  const oneLine = text.replace(/\r\n?|\n/g, " ").replace(/[\u0000-\u001f\u007f]/g, " ").replace(/::/g, ":\u200B:").replace(/##\[/g, "#\u200B#[");
  return oneLine.length > max ? `${oneLine.slice(0, max)}\u2026` : oneLine;
}

// src/stages/ownership.ts
async function checkOwnership(forge, branch, sha, log) {
  let head;
  try {
    head = await forge.readBranchHead(branch);
  } catch (error2) {
    const message = `could not read the head of branch '${branch}' (${classifyError(error2)}: ${neutralize(describeError(error2))}); continuing as owner: ownership fails open so a genuine deploy is never skipped`;
    log.warning(message);
    return { superseded: false, head: null, relation: null, message };
  }
  if (sameCommit(head, sha)) {
    return { superseded: false, head, relation: "identical", message: `branch '${branch}' is at ${shortSha(sha)}: this run owns it` };
  }
  const relation = await relationOf(forge, sha, head, log);
  const where = relation ? `${describeRelation(relation)} this run's ${shortSha(sha)}` : `ancestry with this run's ${shortSha(sha)} unknown`;
  return {
    superseded: true,
    head,
    relation,
    message: `superseded: branch '${branch}' is owned by ${shortSha(head)} (${where}); this run skips every side effect`
  };
}
async function relationOf(forge, sha, head, log) {
  try {
    return await forge.compare(sha, head);
  } catch (error2) {
    log.warning(`could not compare ${shortSha(sha)} with ${shortSha(head)} (${classifyError(error2)}); the branch head still decides ownership`);
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
    this.log = log;
  }
  forge;
  branch;
  sha;
  log;
  latest = null;
  /** The most recent verdict (the superseding one, once there is one). */
  get verdict() {
    return this.latest;
  }
  async stillOwner() {
    if (this.latest?.superseded) return false;
    this.latest = await checkOwnership(this.forge, this.branch, this.sha, this.log);
    return !this.latest.superseded;
  }
};

// src/registry/client.ts
import { createHash } from "node:crypto";

// src/registry/errors.ts
var RegistryError = class extends FleetError {
  constructor(message, errorClass, subject, code, status) {
    super(message, errorClass, subject);
    this.code = code;
    this.status = status;
    this.name = "RegistryError";
  }
  code;
  status;
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
function registryErrorFor(status, body, t, note) {
  const errors = parseOciErrors(body);
  const code = errors[0]?.code ?? STATUS_CODES[status] ?? null;
  const remote = errors.map((e) => e.message).filter((m) => m !== "").join("; ");
  const detail = remote ? `: ${remoteText(remote, t.secrets)}` : "";
  const message = `${t.target}: ${explain(code, status, t)}${detail}${note ? `; ${note}` : ""}`;
  return new RegistryError(message, registryErrorClass(status), t.target, code, status);
}
function remoteText(text, secrets) {
  let scrubbed = text;
  for (const secret of secrets) if (secret) scrubbed = scrubbed.split(secret).join("***");
  return neutralize(scrubbed, REMOTE_TEXT_MAX);
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
  } catch (error2) {
    throw transportError(error2, x.subject);
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
  const chunks = [];
  let size = 0;
  try {
    for await (const chunk of res.body) {
      size += chunk.length;
      if (size > maxBytes) throw tooLarge();
      chunks.push(chunk);
    }
  } catch (error2) {
    if (error2 instanceof FleetError) throw error2;
    throw transportError(error2, subject);
  }
  return Buffer.concat(chunks);
}
function transportError(error2, subject) {
  const errorClass = classifyError(error2);
  return new FleetError(`${subject}: request failed (${errorClass}): ${neutralize(describeError(error2))}`, errorClass, subject);
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

// src/registry/image-ref.ts
var DOCKER_HUB = "registry-1.docker.io";
var DOCKER_HUB_NAMES = /* @__PURE__ */ new Set(["docker.io", "index.docker.io", DOCKER_HUB]);
var HOST_LABEL = "[a-z0-9](?:[a-z0-9-]*[a-z0-9])?";
var HOST = new RegExp(`^(?:${HOST_LABEL}(?:\\.${HOST_LABEL})*|\\[[0-9a-f:.]+\\])(?::(\\d{1,5}))?$`);
var PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
var MAX_REPOSITORY_LENGTH = 255;
function parseImageRef(image) {
  if (image.includes("@")) throw new InputError("image", "must not include a digest; tags come from target-tag and promote-tag");
  const slash = image.indexOf("/");
  const first = slash > 0 ? image.slice(0, slash) : "";
  const hasHost = first !== "" && (/[.:]/.test(first) || first === "localhost" || first.startsWith("["));
  const host = hasHost ? first.toLowerCase() : DOCKER_HUB;
  let path = hasHost ? image.slice(slash + 1) : image;
  const hostMatch = HOST.exec(host);
  if (!hostMatch) throw new InputError("image", `'${host}' is not a valid registry host (host[:port]/path)`);
  const port = hostMatch[1];
  if (port !== void 0 && (Number(port) < 1 || Number(port) > 65535)) {
    throw new InputError("image", `registry port ${port} is out of range`);
  }
  const registry = DOCKER_HUB_NAMES.has(host) ? DOCKER_HUB : host;
  if (registry === DOCKER_HUB && !path.includes("/")) path = `library/${path}`;
  const components = path.split("/");
  const last = components[components.length - 1];
  if (last.includes(":")) {
    throw new InputError("image", "must not include a tag; tags come from target-tag and promote-tag");
  }
  if (path.length > MAX_REPOSITORY_LENGTH || !components.every((c) => PATH_COMPONENT.test(c))) {
    throw new InputError("image", `'${image}' is not a valid image name (host[:port]/path, lowercase path components)`);
  }
  return Object.freeze({ registry, repository: path, scheme: isLoopbackHost(registry) ? "http" : "https" });
}
function isLoopbackHost(hostWithPort) {
  const host = hostWithPort.startsWith("[") ? hostWithPort.slice(0, hostWithPort.indexOf("]") + 1) : hostWithPort.split(":")[0];
  if (host === "localhost" || host === "[::1]") return true;
  const octets = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return octets !== null && octets.slice(1).every((o) => Number(o) <= 255);
}
function registryBaseUrl(ref) {
  return `${ref.scheme}://${ref.registry}`;
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
  }
  credentials;
  dispatcher;
  timeoutMs;
  authorization = null;
  token = null;
  get hasCredentials() {
    return this.credentials !== void 0;
  }
  header() {
    return this.authorization;
  }
  /** What must never reach a message: scrubbed from remote text as a second line of defence. */
  secrets() {
    return [this.credentials?.password, this.token].filter((s) => Boolean(s));
  }
  /** Answers a 401; true when there is a new Authorization worth one retry. */
  async answer(challengeHeader, target) {
    const challenges = challengeHeader ? parseChallenges(challengeHeader) : [];
    const bearer = challenges.find((c) => c.scheme === "bearer");
    if (bearer) {
      this.token = await this.fetchToken(bearer, target);
      this.authorization = `Bearer ${this.token}`;
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
    const asked = { ...target, registry: service, hasCredentials: this.hasCredentials, secrets: this.secrets() };
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
      throw fail(`asked for credentials over plain HTTP at token service ${remoteText(url.host, [])}; refusing to send them`);
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
var DEFAULT_RATE_LIMIT_BUDGET_MS = 6e4;
var DEFAULT_RATE_LIMIT_WAIT_MS = 5e3;
var MAX_TRANSIENT_RETRIES = 2;
var MAX_REDIRECTS = 3;
var TRANSIENT_CLASSES = /* @__PURE__ */ new Set(["reset", "connect_timeout", "deadline"]);
var RegistryTransport = class {
  constructor(ref, options) {
    this.ref = ref;
    this.options = options;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.rateLimitBudgetMs = options.rateLimitBudgetMs ?? DEFAULT_RATE_LIMIT_BUDGET_MS;
    this.auth = new RegistryAuth(options.credentials, options.dispatcher, this.timeoutMs);
    this.base = registryBaseUrl(ref);
  }
  ref;
  options;
  auth;
  base;
  timeoutMs;
  rateLimitBudgetMs;
  async send(req) {
    const url = `${this.base}${req.path}`;
    const reads = req.method !== "PUT";
    let reauthenticated = false;
    let transientFailures = 0;
    let rateLimitWaitedMs = 0;
    for (; ; ) {
      let res;
      try {
        res = await this.exchange(url, req, true);
      } catch (error2) {
        if (!reads || transientFailures >= MAX_TRANSIENT_RETRIES || !isTransient(error2)) throw error2;
        await this.options.clock.sleep(backoffMs(++transientFailures));
        continue;
      }
      if (res.status === 401 && !reauthenticated) {
        reauthenticated = true;
        if (await this.auth.answer(headerValue(res.headers, "www-authenticate"), this.targetOf(req))) continue;
      }
      if (res.status === 429) {
        const waitMs = retryAfterMs(res.headers, this.options.clock.now()) ?? DEFAULT_RATE_LIMIT_WAIT_MS;
        if (rateLimitWaitedMs + waitMs > this.rateLimitBudgetMs) {
          throw registryErrorFor(429, res.body, this.targetOf(req), rateLimitNote(waitMs, rateLimitWaitedMs, this.rateLimitBudgetMs));
        }
        rateLimitWaitedMs += waitMs;
        await this.options.clock.sleep(waitMs);
        continue;
      }
      if (res.status >= 500 && reads && transientFailures < MAX_TRANSIENT_RETRIES) {
        await this.options.clock.sleep(backoffMs(++transientFailures));
        continue;
      }
      if (isRedirect(res.status) && req.followRedirects) return this.followRedirects(url, res, req);
      if (res.status >= 200 && res.status < 300 || res.status === 404 && req.notFoundIsAnswer) return res;
      throw registryErrorFor(res.status, res.body, this.targetOf(req));
    }
  }
  /** Built per use: a token fetched mid-request is one more secret to scrub from messages. */
  targetOf(req) {
    return {
      registry: this.ref.registry,
      target: req.target,
      action: req.action,
      hasCredentials: this.auth.hasCredentials,
      secrets: this.auth.secrets()
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
      dispatcher: this.options.dispatcher,
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
        throw new RegistryError(`${req.target}: registry ${this.ref.registry} redirected to a non-http(s) location`, "registry", req.target, null, res.status);
      }
      current = next.toString();
      res = await this.exchange(current, req, next.origin === origin);
    }
    if (res.status >= 200 && res.status < 300) return res;
    if (isRedirect(res.status)) {
      throw new RegistryError(`${req.target}: registry ${this.ref.registry} redirected more than ${MAX_REDIRECTS} times`, "registry", req.target, null, res.status);
    }
    throw registryErrorFor(res.status, res.body, this.targetOf(req));
  }
};
function isRedirect(status) {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}
function isTransient(error2) {
  return error2 instanceof FleetError && TRANSIENT_CLASSES.has(error2.errorClass);
}
function backoffMs(failures) {
  return 1e3 * 2 ** (failures - 1);
}
function retryAfterMs(headers, nowMs) {
  const value = headerValue(headers, "retry-after")?.trim();
  if (!value) return null;
  if (/^\d+$/.test(value)) return Number(value) * 1e3;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
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
        `${target}: registry ${this.ref.registry} stored digest ${remoteText(stored, [])} for a manifest whose digest is ${manifest.digest}`,
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
        `${target}: unsupported manifest type '${remoteText(contentType || String(document.mediaType), [])}'; expected an OCI or Docker schema 2 manifest or index`,
        "registry",
        target,
        null,
        res.status
      );
    }
    const digest = digestOf(res.body, "sha256:");
    const announced = headerValue(res.headers, "docker-content-digest");
    if (announced?.startsWith("sha256:") && announced !== digest) {
      throw bad(`registry announced digest ${remoteText(announced, [])} but the bytes hash to ${digest}`);
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
  return manifests.find(
    (d) => d.platform?.os !== "unknown" && d.annotations?.["vnd.docker.reference.type"] !== "attestation-manifest"
  );
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
    o.log.info(`promote ${status}: ${message}`);
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

// src/stages/redeploy.ts
var import_undici2 = __toESM(require_undici(), 1);
import { spawn } from "node:child_process";
import { createHash as createHash2 } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
var CONNECT_ATTEMPTS = 3;
var REQUEST_TIMEOUT_MS = 3e4;
var MAX_RETRY_AFTER_SECONDS = 60;
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
  for (const tenant of req.tenants) {
    await postRedeploy(url.replaceAll("{tenant}", encodeURIComponent(tenant)), token, req, [tenant], tenant, deps);
  }
  return `redeploy requested for ${req.tenants.length} tenant(s), one call each`;
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
  for (let attempt = 1; ; attempt++) {
    let waitSeconds;
    try {
      const res = await (0, import_undici2.request)(url, {
        method: "POST",
        headers,
        body,
        dispatcher: deps.dispatcher,
        signal: deps.signal,
        headersTimeout: REQUEST_TIMEOUT_MS,
        bodyTimeout: REQUEST_TIMEOUT_MS
      });
      const text = (await res.body.text()).slice(0, 2e3);
      if (res.statusCode >= 200 && res.statusCode < 300) {
        deps.log.info(`${endpoint}: HTTP ${res.statusCode}${tenant ? ` (${tenant})` : ""}`);
        return `redeploy requested for ${tenants.length} tenant(s)`;
      }
      const retryAfter = Number(res.headers["retry-after"]);
      const retryable = (res.statusCode === 429 || res.statusCode === 503) && Number.isFinite(retryAfter);
      if (!retryable || attempt >= CONNECT_ATTEMPTS || retryAfter > MAX_RETRY_AFTER_SECONDS) {
        throw new HttpStatusError(res.statusCode, endpoint, neutralize(text, 200));
      }
      waitSeconds = retryAfter;
    } catch (error2) {
      if (error2 instanceof FleetError || deps.signal?.aborted) throw error2;
      const errorClass = classifyError(error2);
      const neverSent = errorClass === "refused" || errorClass === "dns" || errorClass === "connect_timeout";
      if (!neverSent || attempt >= CONNECT_ATTEMPTS) {
        throw new FleetError(`${endpoint} failed (${errorClass})${neverSent ? ` after ${attempt} attempts` : "; not retried because the request may have been received"}`, errorClass, endpoint);
      }
      waitSeconds = 2 ** attempt;
    }
    deps.log.warning(`${endpoint}: retrying in ${waitSeconds}s (attempt ${attempt + 1} of ${CONNECT_ATTEMPTS})`);
    await deps.clock.sleep(waitSeconds * 1e3, deps.signal);
  }
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
    ...process.env,
    FLEET_TAG: req.tag,
    FLEET_SHA: req.sha,
    FLEET_ENVIRONMENT: req.environment,
    FLEET_REPOSITORY: req.repository,
    FLEET_TENANTS_FILE: tenantsFile,
    // Linux caps one environment variable at 128 KiB; huge fleets read the file instead.
    FLEET_TENANTS: Buffer.byteLength(names) <= MAX_INLINE_TENANTS_BYTES ? names : ""
  };
  try {
    const code = await new Promise((resolve, reject) => {
      const child = spawn("sh", ["-c", command], { env, stdio: ["ignore", "pipe", "pipe"], signal: deps.signal });
      const forward = (chunk) => {
        for (const line of chunk.toString("utf8").split(/\r?\n/)) if (line) deps.log.info(`redeploy-command: ${neutralize(line)}`);
      };
      child.stdout.on("data", forward);
      child.stderr.on("data", forward);
      child.on("error", reject);
      child.on("close", (exitCode, signal) => resolve(exitCode ?? signal ?? "unknown"));
    });
    if (code !== 0) throw new FleetError(`redeploy-command exited with ${typeof code === "number" ? `code ${code}` : `signal ${code}`}`, "internal", "redeploy-command");
    return `redeploy-command rolled ${req.tenants.length} tenant(s)`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// src/fleet/classify.ts
function createClassifier(options) {
  const ancestry = /* @__PURE__ */ new Map();
  const failed = /* @__PURE__ */ new Set();
  const warned = /* @__PURE__ */ new Set();
  const ask = async (actual) => {
    try {
      return await options.compare(options.expectedSha, actual);
    } catch (error2) {
      failed.add(actual);
      if (!warned.has(actual)) {
        warned.add(actual);
        options.log.warning(
          `could not tell whether ${shortSha(actual)} descends from ${shortSha(options.expectedSha)} (${classifyError(error2)}: ${neutralize(describeError(error2), 200)}); tenants reporting it count as stale`
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
  if (tenantsPerOrigin.size > concurrency) return { keepAlive: false, concurrency, perOrigin: /* @__PURE__ */ new Map() };
  const spare = concurrency - tenantsPerOrigin.size;
  const perOrigin = /* @__PURE__ */ new Map();
  for (const [origin, count] of tenantsPerOrigin) {
    perOrigin.set(origin, Math.min(count, 1 + Math.floor(spare * count / tenants.length)));
  }
  return { keepAlive: true, concurrency, perOrigin };
}
function createFleetAgent(plan, timings) {
  const connect = { timeout: timings.connectTimeoutMs };
  if (!plan.keepAlive) return new import_undici3.Agent({ connect, pipelining: 0 });
  return new import_undici3.Agent({
    connect,
    keepAliveTimeout: timings.keepAliveMs,
    keepAliveMaxTimeout: Math.max(timings.keepAliveMs, 1e3),
    factory: (origin, options) => new import_undici3.Pool(origin, { ...options, connections: plan.perOrigin.get(String(origin)) ?? 1 })
  });
}

// src/fleet/buildinfo.ts
function readCommit(body, shaFields) {
  let doc;
  try {
    doc = JSON.parse(body.replace(/^\uFEFF/, ""));
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
  let cancel = () => void 0;
  const result = new Promise((resolve, reject) => {
    let controller = null;
    let abortWhenStarted = null;
    let settled = false;
    let status = 0;
    let size = 0;
    const chunks = [];
    const settle = (outcome, abortReason) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (abortReason) {
        if (controller) controller.abort(abortReason);
        else abortWhenStarted = abortReason;
      }
      if ("cancelled" in outcome) reject(outcome.cancelled);
      else resolve(outcome);
    };
    const stop = (errorClass, detail) => settle(failure(errorClass, detail), new FleetError(detail, errorClass));
    const deadline = setTimeout(() => stop("deadline", `no complete answer within ${req.requestTimeoutMs} ms`), req.requestTimeoutMs);
    cancel = (reason) => settle({ cancelled: reason }, new Error("probe cancelled"));
    const ok = () => status >= 200 && status < 300;
    const handler = {
      onRequestStart(c) {
        controller = c;
        if (abortWhenStarted) c.abort(abortWhenStarted);
      },
      onResponseStart(_c, statusCode, headers) {
        status = statusCode;
        const declared = Number(headers["content-length"]);
        if (ok() && declared > req.maxBodyBytes) stop("too_large", `Content-Length ${declared} exceeds ${req.maxBodyBytes} bytes`);
      },
      onResponseData(_c, chunk) {
        if (settled) return;
        size += chunk.length;
        if (size > req.maxBodyBytes) {
          if (ok()) stop("too_large", `body exceeds ${req.maxBodyBytes} bytes`);
          else stop(httpErrorClass(status), `HTTP ${status}`);
        } else if (ok()) {
          chunks.push(chunk);
        }
      },
      onResponseEnd() {
        if (!ok()) return settle(failure(httpErrorClass(status), `HTTP ${status}`));
        const reading = readCommit(Buffer.concat(chunks, size).toString("utf8"), req.shaFields);
        settle(reading.sha === null ? failure("bad_payload", reading.problem) : { sha: reading.sha, errorClass: null, detail: null });
      },
      onResponseError(_c, error2) {
        settle(failure(classifyError(error2), neutralize(describeError(error2), 200)));
      }
    };
    try {
      req.dispatcher.dispatch({ origin: target.origin, path: target.path, method: "GET", headers: HEADERS }, handler);
    } catch (error2) {
      settle(failure(classifyError(error2), neutralize(describeError(error2), 200)));
    }
  });
  return { result, cancel: (reason) => cancel(reason) };
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
  const targetOf = (tenant) => {
    let target = targets.get(tenant.url);
    if (!target) {
      target = probeTarget(tenant.url);
      targets.set(tenant.url, target);
    }
    return target;
  };
  const plan = planConnections(fleet, concurrency);
  const dispatcher = options.dispatcher ?? createFleetAgent(plan, {
    connectTimeoutMs: options.connectTimeoutMs ?? Math.ceil(requestTimeoutMs * 0.6),
    keepAliveMs: options.keepAliveMs ?? PROBE_DEFAULTS.keepAliveMs
  });
  const req = {
    dispatcher,
    shaFields,
    requestTimeoutMs,
    maxBodyBytes: options.maxBodyBytes ?? PROBE_DEFAULTS.maxBodyBytes
  };
  return {
    async probe(tenants, onResult, signal) {
      const inFlight = /* @__PURE__ */ new Set();
      const cancelAll = () => inFlight.forEach((probe) => probe.cancel(signal?.reason));
      signal?.addEventListener("abort", cancelAll, { once: true });
      const probeOne = async (tenant) => {
        const probe = startProbe(targetOf(tenant), req);
        inFlight.add(probe);
        try {
          onResult(tenant, await probe.result);
        } catch (error2) {
          if (!signal?.aborted) throw error2;
        } finally {
          inFlight.delete(probe);
        }
      };
      try {
        await Promise.all(
          lanes(plan, tenants, targetOf).map(({ tenants: lane, workers }) => forEachBounded(lane, workers, probeOne, signal))
        );
      } finally {
        signal?.removeEventListener("abort", cancelAll);
      }
    },
    async close() {
      if (!options.dispatcher) await dispatcher.destroy();
    }
  };
}
function lanes(plan, tenants, targetOf) {
  if (!plan.keepAlive) return [{ tenants: [...tenants], workers: plan.concurrency }];
  const byOrigin = /* @__PURE__ */ new Map();
  for (const tenant of tenants) {
    const { origin } = targetOf(tenant);
    const lane = byOrigin.get(origin);
    if (lane) lane.push(tenant);
    else byOrigin.set(origin, [tenant]);
  }
  return [...byOrigin].map(([origin, lane]) => ({ tenants: lane, workers: plan.perOrigin.get(origin) ?? 1 }));
}

// src/fleet/report.ts
function isSettled(report) {
  return report.state === "converged" || report.state === "ahead";
}
var LISTED_NAMES = 5;
function summarizeRound(round, reports) {
  const byState = /* @__PURE__ */ new Map();
  for (const report of reports) {
    const group2 = byState.get(report.state);
    if (group2) group2.push(report);
    else byState.set(report.state, [report]);
  }
  const converged = byState.get("converged")?.length ?? 0;
  const parts = [`round ${round}: ${converged}/${reports.length} converged`];
  for (const state of ["ahead", "stale", "unreachable", "pending"]) {
    const group2 = byState.get(state);
    if (!group2) continue;
    const named = state === "pending" ? "" : ` (${listNames(group2)})`;
    parts.push(`${group2.length} ${state}${named}`);
  }
  return parts.join(", ");
}
function listNames(group2) {
  const shown = group2.slice(0, LISTED_NAMES).map(
    (r) => r.state === "unreachable" ? `${r.name}: ${r.error_class}` : `${r.name} actual=${r.actual ? shortSha(r.actual) : "none"}`
  );
  const more = group2.length - shown.length;
  return more > 0 ? `${shown.join(", ")} and ${more} more` : shown.join(", ");
}
function failureLines(reports, expectedSha) {
  const expected = shortSha(expectedSha);
  return reports.filter((report) => !isSettled(report)).map((report) => {
    switch (report.state) {
      case "unreachable":
        return `${report.name} is unreachable: ${report.error_class}, expected=${expected}`;
      case "pending":
        return `${report.name} is pending: not probed, expected=${expected}`;
      default:
        return `${report.name} is stale: actual=${report.actual ? shortSha(report.actual) : "none"}, expected=${expected}`;
    }
  });
}

// src/fleet/round.ts
function pendingReport(name) {
  return { name, state: "pending", actual: null, attempts: 0, seconds_to_converge: null, error_class: null };
}
async function probeRound(due, reports, ctx) {
  const answers = [];
  await ctx.prober.probe(due, (tenant, result) => answers.push({ tenant, result, at: ctx.clock.now() }), ctx.signal);
  ctx.classifier.nextRound();
  const details = /* @__PURE__ */ new Map();
  await Promise.all(
    answers.map(async ({ tenant, result, at }) => {
      const report = reports.get(tenant.name);
      report.attempts++;
      if (result.sha === null) {
        report.state = "unreachable";
        report.error_class = result.errorClass;
        details.set(tenant.name, result.detail);
        return;
      }
      report.actual = result.sha;
      report.error_class = null;
      report.state = await ctx.classifier.stateOf(result.sha);
      if (report.state === "converged" && report.seconds_to_converge === null) {
        report.seconds_to_converge = Math.round((at - ctx.startedAt) / 100) / 10;
      }
    })
  );
  return details;
}

// src/stages/verify.ts
var LISTED_DETAILS = 20;
async function settleFleet(options) {
  const { clock, log, signal } = options;
  const startedAt = clock.now();
  const deadline = startedAt + options.budgetSeconds * 1e3;
  const intervalMs = options.intervalSeconds * 1e3;
  const reports = new Map(options.tenants.map((t) => [t.name, pendingReport(t.name)]));
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
    startedAt,
    signal
  };
  const stillOwner = ownershipCheck(options.stillOwner, log);
  let rounds = 0;
  const finish = (outcome) => ({
    outcome,
    tenants: options.tenants.map((t) => ({ ...reports.get(t.name) })),
    rounds,
    seconds: Math.round((clock.now() - startedAt) / 100) / 10
  });
  try {
    for (; ; ) {
      const roundStartedAt = clock.now();
      const due = options.tenants.filter((t) => !isSettled(reports.get(t.name)));
      const details = await probeRound(due, reports, ctx);
      if (signal?.aborted) return finish("aborted");
      rounds++;
      const snapshot = options.tenants.map((t) => ({ ...reports.get(t.name) }));
      options.onRound?.(rounds, snapshot);
      log.info(summarizeRound(rounds, snapshot));
      if (snapshot.every(isSettled)) return finish("converged");
      if (clock.now() >= deadline) {
        if (!await stillOwner()) return finish("superseded");
        logDetails(details, log);
        return finish("stale");
      }
      const nextRoundAt = Math.min(roundStartedAt + intervalMs, deadline);
      try {
        await clock.sleep(Math.max(0, nextRoundAt - clock.now()), signal);
      } catch (error2) {
        if (signal?.aborted) return finish("aborted");
        throw error2;
      }
      if (!await stillOwner()) return finish("superseded");
      if (signal?.aborted) return finish("aborted");
    }
  } finally {
    await prober.close();
  }
}
function ownershipCheck(stillOwner, log) {
  return async () => {
    try {
      return await stillOwner();
    } catch (error2) {
      log.warning(
        `could not re-check ownership between verify rounds (${classifyError(error2)}: ${neutralize(describeError(error2), 200)}); verifying on`
      );
      return true;
    }
  };
}
function logDetails(details, log) {
  let listed = 0;
  for (const [name, detail] of details) {
    if (listed++ === LISTED_DETAILS) {
      log.info(`\u2026 and ${details.size - LISTED_DETAILS} more unreachable tenants`);
      break;
    }
    log.info(`${name}: ${detail}`);
  }
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

// src/core/deploy.ts
async function deployFleet(settings, deps) {
  const facts = {
    startedAt: deps.clock.now(),
    headSha: null,
    expectedSha: settings.expectedSha,
    tenants: settings.tenants.map(pendingReport2),
    rounds: 0,
    promotion: null
  };
  let outcome;
  try {
    outcome = await runStages(settings, deps, facts);
  } catch (error2) {
    outcome = deps.signal.aborted ? abortedOutcome(deps.signal) : failedOutcome(error2);
  }
  const record = buildRecord(
    {
      environment: settings.environment,
      repository: settings.run.repository,
      forge: deps.forge.kind,
      runUrl: settings.run.runUrl,
      sha: settings.sha,
      targetTag: settings.targetTag,
      dryRun: settings.dryRun
    },
    facts,
    deps.forge.calls,
    outcome,
    deps.clock.now()
  );
  return record;
}
async function runStages(settings, deps, facts) {
  const { forge, log } = deps;
  const branch = settings.branch ?? await forge.defaultBranch();
  const guard = new OwnershipGuard(forge, branch, settings.sha, log);
  const owner = await checkOwnership(forge, branch, settings.sha, log);
  facts.headSha = owner.head;
  if (owner.superseded) return { result: "superseded", message: owner.message };
  log.info(owner.message);
  const expectedSha = settings.expectedSha ?? await expectedShaFromImage(settings, deps);
  facts.expectedSha = expectedSha;
  const compare = (base, head) => forge.compare(base, head);
  const probe = { dispatcher: deps.dispatcher };
  const initial = await probeFleet(settings.tenants, expectedSha, {
    shaFields: settings.shaFields,
    allowRollback: settings.allowRollback,
    compare,
    clock: deps.clock,
    log,
    signal: deps.signal,
    probe
  });
  facts.tenants = initial;
  const toRoll = initial.filter((t) => t.state !== "converged" && (t.state !== "ahead" || settings.allowRollback)).map((t) => t.name);
  const plan = `${toRoll.length} of ${initial.length} tenant(s) to roll to ${settings.targetTag} (${shortSha(expectedSha)})`;
  const superseded = () => {
    facts.headSha = guard.verdict?.head ?? facts.headSha;
    return { result: "superseded", message: guard.verdict?.message ?? "superseded" };
  };
  const promote = async (dryRun) => {
    if (!settings.promotion) return null;
    const { image, promoteTag: tag, username, password } = settings.promotion;
    const outcome = await promoteTag({
      image,
      sourceTag: settings.targetTag,
      promoteTag: tag,
      expectedSha,
      allowRollback: settings.allowRollback,
      dryRun,
      credentials: username && password ? { username, password } : void 0,
      compare,
      stillOwner: () => guard.stillOwner(),
      clock: deps.clock,
      log,
      dispatcher: deps.dispatcher
    });
    facts.promotion = { image, tag, status: outcome.status, before: outcome.before, after: outcome.after };
    return outcome;
  };
  if (settings.dryRun) {
    const promotion2 = await promote(true);
    return { result: "noop", message: `dry run: ${plan}${promotion2 ? `; promote ${promotion2.status}: ${promotion2.message}` : ""}; nothing written` };
  }
  if (toRoll.length > 0) {
    log.info(plan);
    if (!await guard.stillOwner()) return superseded();
    log.info(
      await redeployFleet(
        settings.redeploy,
        {
          tag: settings.targetTag,
          sha: expectedSha,
          environment: settings.environment,
          repository: settings.run.repository,
          tenants: toRoll,
          runKey: `${settings.run.repository}#${settings.run.runId}.${settings.run.runAttempt}`
        },
        { clock: deps.clock, log, signal: deps.signal, dispatcher: deps.dispatcher }
      )
    );
  }
  const promotion = await promote(false);
  if (promotion?.status === "superseded") return superseded();
  if (promotion?.status === "blocked") return { result: "blocked", message: `promote blocked: ${promotion.message}` };
  if (promotion?.status === "conflict") return { result: "failed", message: `promote conflict: ${promotion.message}`, errorClass: "registry" };
  const settled = await settleFleet({
    tenants: settings.tenants,
    expectedSha,
    shaFields: settings.shaFields,
    budgetSeconds: settings.settleBudgetSeconds,
    intervalSeconds: settings.settleIntervalSeconds,
    allowRollback: settings.allowRollback,
    clock: deps.clock,
    compare,
    stillOwner: () => guard.stillOwner(),
    log,
    onRound: deps.onRound,
    probe,
    signal: deps.signal
  });
  facts.tenants = settled.tenants;
  facts.rounds = settled.rounds;
  switch (settled.outcome) {
    case "superseded":
      return superseded();
    case "aborted":
      return abortedOutcome(deps.signal);
    case "stale": {
      const lines = failureLines(settled.tenants, expectedSha);
      for (const line of lines) log.error(line);
      return {
        result: "stale",
        message: `${lines.length} of ${settled.tenants.length} tenant(s) did not report ${shortSha(expectedSha)} within ${settings.settleBudgetSeconds}s`
      };
    }
    case "converged": {
      const ahead = settled.tenants.filter((t) => t.state === "ahead").length;
      const verified = `${settled.tenants.length - ahead}/${settled.tenants.length} tenants report ${shortSha(expectedSha)}${ahead ? `, ${ahead} report a newer commit` : ""}`;
      return toRoll.length > 0 || promotion?.status === "promoted" ? { result: "deployed", message: `deployed ${settings.targetTag}: ${verified}` } : { result: "noop", message: `nothing to do: ${verified}` };
    }
  }
}
async function expectedShaFromImage(settings, deps) {
  const promotion = settings.promotion;
  if (!promotion) throw new InputError("expected-sha", "cannot be derived without image");
  const revision = await resolveImageRevision(promotion.image, settings.targetTag, {
    credentials: promotion.username && promotion.password ? { username: promotion.username, password: promotion.password } : void 0,
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
function pendingReport2(tenant) {
  return { name: tenant.name, state: "pending", actual: null, attempts: 0, seconds_to_converge: null, error_class: null };
}
function abortedOutcome(signal) {
  const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? "cancelled");
  return { result: "aborted", message: `cancelled: ${reason}; nothing was rolled back` };
}
function failedOutcome(error2) {
  if (error2 instanceof FleetError) return { result: "failed", message: neutralize(error2.message, 1e3), errorClass: error2.errorClass };
  return { result: "failed", message: `internal error: ${neutralize(describeError(error2), 1e3)}`, errorClass: "internal" };
}

// node_modules/is-network-error/index.js
var objectToString = Object.prototype.toString;
var isError = (value) => objectToString.call(value) === "[object Error]";
var errorMessages = /* @__PURE__ */ new Set([
  "network error",
  // Chrome
  "NetworkError when attempting to fetch resource.",
  // Firefox
  "The Internet connection appears to be offline.",
  // Safari 16
  "Network request failed",
  // `cross-fetch`
  "fetch failed",
  // Undici (Node.js)
  "terminated",
  // Undici (Node.js)
  " A network error occurred.",
  // Bun (WebKit)
  "Network connection lost"
  // Cloudflare Workers (fetch)
]);
function isNetworkError(error2) {
  const isValid = error2 && isError(error2) && error2.name === "TypeError" && typeof error2.message === "string";
  if (!isValid) {
    return false;
  }
  const { message, stack } = error2;
  if (message === "Load failed" || message.startsWith("Load failed (") && message.endsWith(")")) {
    return stack === void 0 || "__sentry_captured__" in error2;
  }
  if (message.startsWith("error sending request for url")) {
    return true;
  }
  if (message === "Failed to fetch" || message.startsWith("Failed to fetch (") && message.endsWith(")")) {
    return true;
  }
  return errorMessages.has(message);
}

// node_modules/p-retry/index.js
function validateRetries(retries) {
  if (typeof retries === "number") {
    if (retries < 0) {
      throw new TypeError("Expected `retries` to be a non-negative number.");
    }
    if (Number.isNaN(retries)) {
      throw new TypeError("Expected `retries` to be a valid number or Infinity, got NaN.");
    }
  } else if (retries !== void 0) {
    throw new TypeError("Expected `retries` to be a number or Infinity.");
  }
}
function validateNumberOption(name, value, { min = 0, allowInfinity = false } = {}) {
  if (value === void 0) {
    return;
  }
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw new TypeError(`Expected \`${name}\` to be a number${allowInfinity ? " or Infinity" : ""}.`);
  }
  if (!allowInfinity && !Number.isFinite(value)) {
    throw new TypeError(`Expected \`${name}\` to be a finite number.`);
  }
  if (value < min) {
    throw new TypeError(`Expected \`${name}\` to be \u2265 ${min}.`);
  }
}
var AbortError = class extends Error {
  constructor(message) {
    super();
    if (message instanceof Error) {
      this.originalError = message;
      ({ message } = message);
    } else {
      this.originalError = new Error(message);
      this.originalError.stack = this.stack;
    }
    this.name = "AbortError";
    this.message = message;
  }
};
function calculateDelay(retriesConsumed, options) {
  const attempt = Math.max(1, retriesConsumed + 1);
  const random = options.randomize ? Math.random() + 1 : 1;
  let timeout = Math.round(random * options.minTimeout * options.factor ** (attempt - 1));
  timeout = Math.min(timeout, options.maxTimeout);
  return timeout;
}
function calculateRemainingTime(start, max) {
  if (!Number.isFinite(max)) {
    return max;
  }
  return max - (performance.now() - start);
}
async function onAttemptFailure({ error: error2, attemptNumber, retriesConsumed, startTime, options }) {
  const normalizedError = error2 instanceof Error ? error2 : new TypeError(`Non-error was thrown: "${error2}". You should only throw errors.`);
  if (normalizedError instanceof AbortError) {
    throw normalizedError.originalError;
  }
  const retriesLeft = Number.isFinite(options.retries) ? Math.max(0, options.retries - retriesConsumed) : options.retries;
  const maxRetryTime = options.maxRetryTime ?? Number.POSITIVE_INFINITY;
  const context = Object.freeze({
    error: normalizedError,
    attemptNumber,
    retriesLeft,
    retriesConsumed
  });
  await options.onFailedAttempt(context);
  if (calculateRemainingTime(startTime, maxRetryTime) <= 0) {
    throw normalizedError;
  }
  const consumeRetry = await options.shouldConsumeRetry(context);
  const remainingTime = calculateRemainingTime(startTime, maxRetryTime);
  if (remainingTime <= 0 || retriesLeft <= 0) {
    throw normalizedError;
  }
  if (normalizedError instanceof TypeError && !isNetworkError(normalizedError)) {
    if (consumeRetry) {
      throw normalizedError;
    }
    options.signal?.throwIfAborted();
    return false;
  }
  if (!await options.shouldRetry(context)) {
    throw normalizedError;
  }
  if (!consumeRetry) {
    options.signal?.throwIfAborted();
    return false;
  }
  const delayTime = calculateDelay(retriesConsumed, options);
  const finalDelay = Math.min(delayTime, remainingTime);
  options.signal?.throwIfAborted();
  if (finalDelay > 0) {
    await new Promise((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timeoutToken);
        options.signal?.removeEventListener("abort", onAbort);
        reject(options.signal.reason);
      };
      const timeoutToken = setTimeout(() => {
        options.signal?.removeEventListener("abort", onAbort);
        resolve();
      }, finalDelay);
      if (options.unref) {
        timeoutToken.unref?.();
      }
      options.signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
  options.signal?.throwIfAborted();
  return true;
}
async function pRetry(input, options = {}) {
  options = { ...options };
  validateRetries(options.retries);
  if (Object.hasOwn(options, "forever")) {
    throw new Error("The `forever` option is no longer supported. For many use-cases, you can set `retries: Infinity` instead.");
  }
  options.retries ??= 10;
  options.factor ??= 2;
  options.minTimeout ??= 1e3;
  options.maxTimeout ??= Number.POSITIVE_INFINITY;
  options.maxRetryTime ??= Number.POSITIVE_INFINITY;
  options.randomize ??= false;
  options.onFailedAttempt ??= () => {
  };
  options.shouldRetry ??= () => true;
  options.shouldConsumeRetry ??= () => true;
  validateNumberOption("factor", options.factor, { min: 0, allowInfinity: false });
  validateNumberOption("minTimeout", options.minTimeout, { min: 0, allowInfinity: false });
  validateNumberOption("maxTimeout", options.maxTimeout, { min: 0, allowInfinity: true });
  validateNumberOption("maxRetryTime", options.maxRetryTime, { min: 0, allowInfinity: true });
  if (!(options.factor > 0)) {
    options.factor = 1;
  }
  options.signal?.throwIfAborted();
  let attemptNumber = 0;
  let retriesConsumed = 0;
  const startTime = performance.now();
  while (Number.isFinite(options.retries) ? retriesConsumed <= options.retries : true) {
    attemptNumber++;
    try {
      options.signal?.throwIfAborted();
      const result = await input(attemptNumber);
      options.signal?.throwIfAborted();
      return result;
    } catch (error2) {
      if (await onAttemptFailure({
        error: error2,
        attemptNumber,
        retriesConsumed,
        startTime,
        options
      })) {
        retriesConsumed++;
      }
    }
  }
  throw new Error("Retry attempts exhausted without throwing an error.");
}

// src/forge/http.ts
var import_undici4 = __toESM(require_undici(), 1);

// src/forge/payload.ts
function payloadError(endpoint, problem) {
  return new FleetError(`${endpoint} answered ${problem}`, "bad_payload", endpoint);
}
function commitSha(value, endpoint) {
  if (typeof value === "string" && /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i.test(value)) return value.toLowerCase();
  throw payloadError(endpoint, "without a commit SHA");
}

// src/forge/http.ts
var DEFAULT_TUNING = {
  deadlineMs: 1e4,
  attempts: 4,
  backoffMs: 1e3,
  maxBackoffMs: 8e3,
  maxRateLimitWaitMs: 6e4,
  maxBodyBytes: 4 * 1024 * 1024
};
var RESET_MARGIN_MS = 1e3;
var RateLimitedError = class extends HttpStatusError {
  errorClass = "rate_limited";
};
var ForgeHttp = class {
  constructor(options) {
    this.options = options;
    this.tuning = { ...DEFAULT_TUNING, ...options.tuning };
    this.secret = options.authorization.replace(/^\S+\s+/, "");
  }
  options;
  calls = { requests: 0, notModified: 0 };
  tuning;
  etagCache = /* @__PURE__ */ new Map();
  secret;
  /** Sends the request (with retries) and parses a JSON answer. */
  async json(req) {
    const res = await this.send(req);
    try {
      return JSON.parse(res.text);
    } catch {
      throw payloadError(endpointOf(req), `HTTP ${res.status} with a body that is not JSON`);
    }
  }
  /** Sends the request with retries; any answer outside 2xx (304 on a cached URL aside) throws. */
  async send(req) {
    const idempotent = req.idempotent ?? (req.method === "GET" || req.method === "PUT" || req.method === "DELETE");
    const { signal } = this.options;
    return pRetry(() => this.attempt(req), {
      retries: this.tuning.attempts - 1,
      // Waits happen in shouldRetry on the injected clock, so p-retry itself never sets a timer.
      minTimeout: 0,
      maxTimeout: 0,
      randomize: false,
      signal,
      shouldRetry: async ({ error: error2, attemptNumber }) => {
        if (signal?.aborted) return false;
        const wait = this.retryDelay(error2, idempotent, attemptNumber);
        if (wait === null) return false;
        await this.options.clock.sleep(wait, signal);
        return true;
      }
    });
  }
  /** Milliseconds to wait before the next attempt, or null when this failure is final. */
  retryDelay(error2, idempotent, attemptNumber) {
    const backoff = Math.min(this.tuning.backoffMs * 2 ** (attemptNumber - 1), this.tuning.maxBackoffMs);
    if (error2 instanceof HttpStatusError) {
      const asked = error2.retryAfterSeconds === void 0 ? null : error2.retryAfterSeconds * 1e3;
      if (asked !== null && asked > this.tuning.maxRateLimitWaitMs) return null;
      if (error2.errorClass === "rate_limited") return asked ?? backoff;
      if (error2.status >= 500 && idempotent) return asked ?? backoff;
      return null;
    }
    const errorClass = classifyError(error2);
    if (idempotent ? RETRYABLE_NETWORK.has(errorClass) : NEVER_SENT.has(errorClass)) return backoff;
    return null;
  }
  async attempt(req) {
    const url = this.urlOf(req);
    const endpoint = endpointOf(req);
    const accept = req.accept ?? this.options.accept;
    const cacheKey = `${accept} ${url}`;
    const cached = req.conditional && req.method === "GET" ? this.etagCache.get(cacheKey) : void 0;
    const headers = {
      ...this.options.headers,
      accept,
      authorization: this.options.authorization,
      "user-agent": "fleet-forward"
    };
    if (cached) headers["if-none-match"] = cached.etag;
    if (req.body !== void 0) headers["content-type"] = "application/json";
    const deadline = AbortSignal.timeout(this.tuning.deadlineMs);
    const signal = this.options.signal ? AbortSignal.any([this.options.signal, deadline]) : deadline;
    this.calls.requests++;
    let status;
    let resHeaders;
    let text;
    try {
      const res = await (0, import_undici4.request)(url, {
        method: req.method,
        headers,
        body: req.body === void 0 ? void 0 : JSON.stringify(req.body),
        dispatcher: this.options.dispatcher,
        signal
      });
      status = res.statusCode;
      resHeaders = flattenHeaders(res.headers);
      text = await readLimited2(res.body, this.tuning.maxBodyBytes, endpoint);
    } catch (error2) {
      if (error2 instanceof FleetError) throw error2;
      const errorClass = deadline.aborted ? "deadline" : classifyError(error2);
      throw new FleetError(`${endpoint} failed: ${errorClass} (${this.safe(describeError(error2))})`, errorClass, endpoint);
    }
    if (status === 304 && cached) {
      this.calls.notModified++;
      return { status: 200, headers: cached.headers, text: cached.text, notModified: true };
    }
    if (status >= 200 && status < 300) {
      const etag = resHeaders.etag;
      if (req.conditional && req.method === "GET" && etag) this.etagCache.set(cacheKey, { etag, text, headers: resHeaders });
      return { status, headers: resHeaders, text, notModified: false };
    }
    throw this.statusError(endpoint, status, resHeaders, text);
  }
  statusError(endpoint, status, headers, text) {
    const detail = this.safe(remoteMessage(text));
    const waitSeconds = rateLimitWaitSeconds(headers, this.options.clock.now());
    const limited = status === 429 || status === 403 && waitSeconds !== void 0;
    if (limited) return new RateLimitedError(status, endpoint, detail, waitSeconds);
    return new HttpStatusError(status, endpoint, detail, status >= 500 ? parseRetryAfter(headers["retry-after"], this.options.clock.now()) : void 0);
  }
  /** Remote text is neutralized, and a server echoing our credentials does not get them into a log. */
  safe(text) {
    const redacted = this.secret ? text.split(this.secret).join("***") : text;
    return neutralize(redacted, 300);
  }
  urlOf(req) {
    const base = this.options.baseUrl.replace(/\/+$/, "");
    const query = req.query ? "?" + new URLSearchParams(Object.entries(req.query).map(([k, v]) => [k, String(v)])).toString() : "";
    return `${base}${req.path}${query}`;
  }
};
var RETRYABLE_NETWORK = /* @__PURE__ */ new Set(["dns", "refused", "connect_timeout", "reset", "deadline"]);
var NEVER_SENT = /* @__PURE__ */ new Set(["dns", "refused", "connect_timeout"]);
function endpointOf(req) {
  return `${req.method} ${req.path}`;
}
function rateLimitWaitSeconds(headers, nowMs) {
  const retryAfter = parseRetryAfter(headers["retry-after"], nowMs);
  if (retryAfter !== void 0) return retryAfter;
  if (headers["x-ratelimit-remaining"] === "0") {
    const reset = Number(headers["x-ratelimit-reset"]);
    if (Number.isFinite(reset)) return Math.max(0, Math.ceil((reset * 1e3 - nowMs + RESET_MARGIN_MS) / 1e3));
  }
  return void 0;
}
function parseRetryAfter(value, nowMs) {
  if (!value) return void 0;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? void 0 : Math.max(0, Math.ceil((date - nowMs) / 1e3));
}
function remoteMessage(text) {
  try {
    const parsed = JSON.parse(text);
    if (parsed && typeof parsed.message === "string") return parsed.message;
  } catch {
  }
  return text;
}
function flattenHeaders(headers) {
  const flat = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== void 0) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}
async function readLimited2(body, maxBytes, endpoint) {
  const chunks = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      throw new FleetError(`${endpoint} answered with a body over ${maxBytes} bytes`, "too_large", endpoint);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
function encodePath(name) {
  return name.split("/").map(encodeURIComponent).join("/");
}

// src/forge/gitea.ts
var STATUS_PAGE = 50;
var QUIET_COMMIT = { stat: false, verification: false, files: false };
var GiteaForge = class {
  kind = "gitea";
  repository;
  http;
  repoPath;
  maxStatusPages;
  constructor(options) {
    this.repository = options.repository;
    this.repoPath = `/repos/${encodePath(options.repository)}`;
    this.maxStatusPages = options.maxStatusPages ?? 10;
    this.http = new ForgeHttp({ ...options.http, authorization: `token ${options.token}`, accept: "application/json" });
  }
  get calls() {
    return this.http.calls;
  }
  async readBranchHead(branch) {
    const path = `${this.repoPath}/branches/${encodePath(branch)}`;
    const found = await this.http.json({ method: "GET", path, conditional: true });
    return commitSha(found.commit?.id, `GET ${path}`);
  }
  async defaultBranch() {
    const repo = await this.http.json({ method: "GET", path: this.repoPath, conditional: true });
    if (typeof repo.default_branch !== "string" || !repo.default_branch) {
      throw payloadError(`GET ${this.repoPath}`, "without a default_branch");
    }
    return repo.default_branch;
  }
  async resolveCommit(ref) {
    const path = `${this.repoPath}/git/commits/${encodePath(ref)}`;
    const commit = await this.http.json({ method: "GET", path, query: QUIET_COMMIT, conditional: true });
    return commitSha(commit.sha, `GET ${path}`);
  }
  async compare(base, head) {
    if (sameCommit(base, head)) return "identical";
    const headOnly = await this.countCommits(head, base);
    const baseOnly = await this.countCommits(base, head);
    if (headOnly === 0 && baseOnly === 0) return "identical";
    if (baseOnly === 0) return "ahead";
    if (headOnly === 0) return "behind";
    return "diverged";
  }
  /** Commits reachable from `from` and not from `not`. */
  async countCommits(from, not) {
    const path = `${this.repoPath}/commits`;
    const res = await this.http.send({ method: "GET", path, query: { sha: from, not, limit: 1, page: 1, ...QUIET_COMMIT } });
    const total = Number(res.headers["x-total-count"]);
    if (res.headers["x-total-count"] === void 0 || !Number.isInteger(total) || total < 0) {
      throw payloadError(`GET ${path}`, "without an X-Total-Count header");
    }
    return total;
  }
  async latestStatus(sha, context) {
    const path = `${this.repoPath}/commits/${encodePath(sha)}/statuses`;
    let seen = 0;
    for (let page = 1; page <= this.maxStatusPages; page++) {
      const res = await this.http.send({ method: "GET", path, query: { sort: "leastindex", limit: STATUS_PAGE, page } });
      const statuses = parseList(res.text, `GET ${path}`);
      const match = statuses.find((status) => status.context === context);
      if (match) return toCommitStatus(match);
      seen += statuses.length;
      const total = Number(res.headers["x-total-count"]);
      if (statuses.length === 0 || Number.isFinite(total) && seen >= total) return null;
    }
    return null;
  }
  async setStatus(sha, status) {
    await this.http.send({
      method: "POST",
      path: `${this.repoPath}/statuses/${encodePath(sha)}`,
      body: { state: status.state, context: status.context, description: status.description, target_url: status.targetUrl ?? "" },
      // Posting the same status twice leaves the same latest status for its context: repeat-safe.
      idempotent: true
    });
  }
};
function parseList(text, endpoint) {
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw payloadError(endpoint, "with a body that is not JSON");
  }
  if (!Array.isArray(parsed)) throw payloadError(endpoint, "without a status list");
  return parsed;
}
function giteaState(value) {
  if (value === "success" || value === "pending" || value === "failure" || value === "error") return value;
  return value === "warning" ? "failure" : "error";
}
function toCommitStatus(status) {
  return {
    context: String(status.context),
    state: giteaState(status.status),
    description: typeof status.description === "string" ? status.description : "",
    targetUrl: typeof status.target_url === "string" && status.target_url ? status.target_url : null
  };
}

// src/forge/github.ts
var STATUS_PAGE2 = 100;
var COMPARE_STATUSES = /* @__PURE__ */ new Set(["identical", "ahead", "behind", "diverged"]);
var COMMIT_STATES = /* @__PURE__ */ new Set(["success", "pending", "failure", "error"]);
var GitHubForge = class {
  kind = "github";
  repository;
  http;
  repoPath;
  maxStatusPages;
  constructor(options) {
    this.repository = options.repository;
    this.repoPath = `/repos/${encodePath(options.repository)}`;
    this.maxStatusPages = options.maxStatusPages ?? 10;
    this.http = new ForgeHttp({
      ...options.http,
      authorization: `Bearer ${options.token}`,
      accept: "application/vnd.github+json",
      headers: { "x-github-api-version": "2022-11-28" }
    });
  }
  get calls() {
    return this.http.calls;
  }
  async readBranchHead(branch) {
    const path = `${this.repoPath}/git/ref/heads/${encodePath(branch)}`;
    const ref = await this.http.json({ method: "GET", path, conditional: true });
    return commitSha(ref.object?.sha, `GET ${path}`);
  }
  async defaultBranch() {
    const repo = await this.http.json({ method: "GET", path: this.repoPath, conditional: true });
    if (typeof repo.default_branch !== "string" || !repo.default_branch) {
      throw payloadError(`GET ${this.repoPath}`, "without a default_branch");
    }
    return repo.default_branch;
  }
  async resolveCommit(ref) {
    const path = `${this.repoPath}/commits/${encodePath(ref)}`;
    const res = await this.http.send({ method: "GET", path, accept: "application/vnd.github.sha", conditional: true });
    return commitSha(res.text.trim(), `GET ${path}`);
  }
  async compare(base, head) {
    if (sameCommit(base, head)) return "identical";
    const path = `${this.repoPath}/compare/${encodePath(base)}...${encodePath(head)}`;
    const comparison = await this.http.json({ method: "GET", path, query: { per_page: 1 } });
    if (typeof comparison.status !== "string" || !COMPARE_STATUSES.has(comparison.status)) {
      throw payloadError(`GET ${path}`, "without a known comparison status");
    }
    return comparison.status;
  }
  async latestStatus(sha, context) {
    const path = `${this.repoPath}/commits/${encodePath(sha)}/statuses`;
    for (let page = 1; page <= this.maxStatusPages; page++) {
      const statuses = await this.http.json({ method: "GET", path, query: { per_page: STATUS_PAGE2, page } });
      if (!Array.isArray(statuses)) throw payloadError(`GET ${path}`, "without a status list");
      const match = statuses.find((status) => status.context === context);
      if (match) return toCommitStatus2(match, `GET ${path}`);
      if (statuses.length < STATUS_PAGE2) return null;
    }
    return null;
  }
  async setStatus(sha, status) {
    await this.http.send({
      method: "POST",
      path: `${this.repoPath}/statuses/${encodePath(sha)}`,
      body: { state: status.state, context: status.context, description: status.description, target_url: status.targetUrl },
      // Posting the same status twice leaves the same latest status for its context: repeat-safe.
      idempotent: true
    });
  }
};
function toCommitStatus2(status, endpoint) {
  if (typeof status.state !== "string" || !COMMIT_STATES.has(status.state)) {
    throw payloadError(endpoint, "a status with an unknown state");
  }
  return {
    context: String(status.context),
    state: status.state,
    description: typeof status.description === "string" ? status.description : "",
    targetUrl: typeof status.target_url === "string" ? status.target_url : null
  };
}

// src/forge/detect.ts
var GITHUB_API = "https://api.github.com";
function detectForgeKind(kind, context) {
  if (kind !== "auto") return kind;
  if (context.giteaActions || /\/api\/v1\/?$/.test(context.apiUrl)) return "gitea";
  return "github";
}
function createForge(kind, context, clock, dispatcher) {
  if (!/^[^/\s]+\/[^/\s]+$/.test(context.repository)) {
    throw new InputError("repository", `must be owner/name, got '${context.repository.slice(0, 100)}'`);
  }
  const resolved = detectForgeKind(kind, context);
  const http = { baseUrl: apiRoot(resolved, context), clock, dispatcher, signal: context.signal, tuning: context.tuning };
  const options = { repository: context.repository, token: context.token, http };
  return resolved === "gitea" ? new GiteaForge(options) : new GitHubForge(options);
}
function apiRoot(kind, context) {
  if (context.apiUrl) return context.apiUrl.replace(/\/+$/, "");
  if (kind === "gitea") {
    if (!context.serverUrl) throw new InputError("forge", "Gitea needs GITHUB_API_URL or GITHUB_SERVER_URL to find its API");
    return `${context.serverUrl.replace(/\/+$/, "")}/api/v1`;
  }
  return context.serverUrl && !/^https:\/\/github\.com\/?$/.test(context.serverUrl) ? `${context.serverUrl.replace(/\/+$/, "")}/api/v3` : GITHUB_API;
}

// src/action/logger.ts
var actionsLogger = {
  info: (message) => info(message),
  warning: (message) => warning(message),
  error: (message) => error(message),
  group: (title, body) => group(title, body)
};

// src/action/publish.ts
async function publishRecord(record, historyFile, log) {
  setOutput("result", record.result);
  setOutput("superseded", String(record.result === "superseded"));
  setOutput("head-sha", record.head_sha ?? "");
  setOutput("expected-sha", record.expected_sha ?? "");
  setOutput("stale-tenants", JSON.stringify(staleTenantNames(record)));
  setOutput("report", JSON.stringify(record));
  if (record.tenants.length > 0) {
    await log.group(`Per-tenant report (${record.tenants.length} tenants)`, async () => {
      for (const line2 of renderLogTable(record)) log.info(line2);
    });
  }
  try {
    await summary.addRaw(renderSummary(record)).write();
  } catch (error2) {
    log.warning(`could not write the job summary: ${describeError(error2)}`);
  }
  if (historyFile && !record.dry_run) {
    try {
      appendHistory(historyFile, record);
    } catch (error2) {
      log.warning(`could not append to history-file '${historyFile}': ${describeError(error2)}`);
    }
  }
  const line = `fleet-forward ${record.environment}: ${record.result} \u2014 ${record.message}`;
  if (GREEN_RESULTS.has(record.result)) info(line);
  else setFailed(line);
}

// src/action/main.ts
var SECRET_INPUTS = new Set(INPUTS.filter((spec) => spec.secret).map((spec) => spec.name));
function readInput(name) {
  const value = getInput(name);
  if (value && SECRET_INPUTS.has(name)) setSecret(value);
  return value;
}
async function run() {
  const startedAt = systemClock.now();
  markStarted(startedAt);
  const controller = new AbortController();
  const cancel = (signal) => controller.abort(new Error(`received ${signal}`));
  process.once("SIGTERM", cancel);
  process.once("SIGINT", cancel);
  let settings = null;
  let record;
  try {
    settings = parseSettings(readInput, process.env, (path) => readFileSync(path, "utf8"));
    const forge = createForge(settings.forge, {
      apiUrl: settings.run.apiUrl,
      serverUrl: settings.run.serverUrl,
      repository: settings.run.repository,
      token: settings.token,
      giteaActions: settings.run.giteaActions,
      signal: controller.signal
    }, systemClock);
    record = await deployFleet(settings, { forge, clock: systemClock, log: actionsLogger, signal: controller.signal });
  } catch (error2) {
    record = fallbackRecord("failed", neutralize(describeError(error2), 1e3), error2 instanceof FleetError ? error2.errorClass : "internal", startedAt);
  }
  await publishRecord(record, settings?.historyFile ?? null, actionsLogger);
  markPublished();
}
export {
  run
};
