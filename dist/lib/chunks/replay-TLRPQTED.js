import { createRequire as __ffCreateRequire } from 'node:module'; const require = __ffCreateRequire(import.meta.url);
import {
  EXIT_CODES,
  EXIT_DEMO_FAILED,
  Terminal,
  parseInvocation,
  renderOutcome,
  runDeploy
} from "./chunk-M7DGTTYR.js";
import {
  OCI_CONFIG,
  OCI_MANIFEST,
  REVISION_KEY
} from "./chunk-N2DGJREG.js";
import {
  convergenceTimeline,
  isSettled,
  shortSha,
  systemClock
} from "./chunk-N2BGSRBE.js";

// src/demo/replay.ts
import { createHash as createHash3, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

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
    const latestBefore = stage.registry.tagState("latest");
    const beforeOlder = sideEffects(stage);
    const older = await deploy(OLDER, 2);
    if (io.signal.aborted) return cancelled(term);
    expect.check(
      older.code === 0 && older.record?.result === "superseded" && older.record.head_sha === NEWER,
      `the older run ended superseded, green (exit 0): branch main is owned by ${shortSha(NEWER)}`,
      `the older run ended ${older.record?.result ?? "without a record"} (exit ${older.code})`
    );
    touchedNothing(expect, stage, beforeOlder);
    const stillNewer = stage.fleet.snapshot().filter(([, sha]) => sha === NEWER).length;
    expect.check(stillNewer === TENANTS.length, `the fleet still runs ${shortSha(NEWER)}: ${stillNewer}/${TENANTS.length} tenants`);
    const latestNow = stage.registry.tagState("latest");
    expect.check(
      latestNow?.digest === latestBefore?.digest && latestNow?.revision !== OLDER,
      `:latest not moved back: ${stage.registry.describeTag("latest")}`,
      `:latest moved during the superseded run: ${stage.registry.describeTag("latest")}`
    );
    term.line("");
    term.line("3. An incident freeze is declared for the next hour (deploy-freezes). A deploy job that runs inside it");
    term.line("   must wait for the freeze to end, touching nothing, and say when that is.");
    const beforeFreeze = sideEffects(stage);
    const frozen = await deploy(NEWER, 3, [["deploy-freezes", freezeAroundNow()]]);
    if (io.signal.aborted) return cancelled(term);
    expect.check(
      frozen.code === 0 && frozen.record?.result === "deferred" && frozen.record.window?.next_open !== null,
      `it ended deferred, green (exit 0), naming when deploys open again: ${frozen.record?.window?.next_open ?? "unknown"}`,
      `the run in a freeze ended ${frozen.record?.result ?? "without a record"} (exit ${frozen.code})`
    );
    touchedNothing(expect, stage, beforeFreeze);
    term.line("");
    term.line(`4. A separate run: ${STUCK} is back on ${shortSha(OLDER)} (where the incident's older job left it) and its node`);
    term.line(`   is wedged: it accepts redeploys and never restarts. ${shortSha(NEWER)} is deployed again.`);
    stage.fleet.wedge(STUCK, OLDER);
    const redeploysBefore = stage.fleet.redeploys.length;
    const latestBeforeStuck = stage.registry.tagState("latest");
    const stuck = await deploy(NEWER, 4);
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
    term.line(`5. The records: one per run, also appended to ${stage.historyFile}`);
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
      expect.allHeld ? `All ${held} expectations held: the canary verified before the rest rolled, the older run touched nothing, the run in a freeze waited, the fleet and :latest never moved backward, the slow tenant settled inside the budget, and the wedged one failed loudly by name.` : `${broken} of ${held + broken} expectations did not hold (\u2718 above).`
    );
    return expect.allHeld ? 0 : EXIT_DEMO_FAILED;
  } finally {
    await stage.close();
  }
}
function sideEffects(stage) {
  return { redeploys: stage.fleet.redeploys.length, registryWrites: stage.registry.writes, statuses: stage.forge.statusWrites };
}
function touchedNothing(expect, stage, before) {
  const now = sideEffects(stage);
  const redeploys = now.redeploys - before.redeploys;
  const registryWrites = now.registryWrites - before.registryWrites;
  const statuses = now.statuses - before.statuses;
  expect.check(
    redeploys === 0 && registryWrites === 0 && statuses === 0,
    "it touched nothing: 0 redeploy calls, 0 registry writes, 0 commit statuses",
    `it had side effects: ${redeploys} redeploy call(s), ${registryWrites} registry write(s), ${statuses} commit status(es)`
  );
}
function freezeAroundNow() {
  const minute = (ms) => new Date(ms).toISOString().slice(0, 16);
  const now = systemClock.now();
  return `${minute(now - 36e5)} ${minute(now + 36e5)} UTC`;
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
  const words = flags.map(([name, value]) => `--${name} ${/\s/.test(value) ? `'${value}'` : value}`);
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
export {
  runDemo
};
