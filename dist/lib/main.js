import { createRequire as __ffCreateRequire } from 'node:module'; const require = __ffCreateRequire(import.meta.url);
import {
  actionsLogger,
  fallbackRecord,
  forgeFor,
  info,
  markPublished,
  markStarted,
  readActionSettings,
  saveCommandGroup,
  saveHeldLock,
  saveOpenDeployment,
  saveRun,
  setFailed,
  setOutput,
  summary
} from "./chunks/chunk-PZ2FLLBP.js";
import {
  deployFleet
} from "./chunks/chunk-N2DGJREG.js";
import {
  FleetError,
  GREEN_RESULTS,
  InputErrors,
  appendHistory,
  byAttention,
  describeError,
  failureAnnotations,
  isSettled,
  neutralize,
  notifyRun,
  renderLogTable,
  renderSummary,
  staleTenantNames,
  systemClock
} from "./chunks/chunk-N2BGSRBE.js";

// src/action/report-output.ts
var MAX_REPORT_BYTES = 1e6;
function reportOutput(record, historyFile, maxBytes = MAX_REPORT_BYTES) {
  const whole = JSON.stringify(record);
  if (Buffer.byteLength(whole) < maxBytes) return whole;
  const needy = record.tenants.filter((t) => !isSettled(t)).sort(byAttention);
  const head = {
    ...record,
    tenants: [],
    shortened: {
      reason: `the whole record is ${Buffer.byteLength(whole)} bytes and a step output holds at most ${maxBytes}`,
      tenant_counts: countByState(record.tenants),
      tenants_total: record.tenants.length,
      tenants_listed: 0,
      full_record: historyFile && !record.dry_run ? `history-file ${historyFile}` : "not kept: set history-file to keep every run whole"
    }
  };
  let room = maxBytes - 1 - Buffer.byteLength(JSON.stringify({ ...head, shortened: { ...head.shortened, tenants_listed: needy.length } }));
  for (const tenant of needy) {
    room -= Buffer.byteLength(JSON.stringify(tenant)) + 1;
    if (room < 0) break;
    head.tenants.push(tenant);
  }
  head.shortened.tenants_listed = head.tenants.length;
  return JSON.stringify(head);
}
function countByState(tenants) {
  const counts = {};
  for (const t of tenants) counts[t.state] = (counts[t.state] ?? 0) + 1;
  return counts;
}

// src/action/publish.ts
async function publishRecord(record, historyFile, log, published) {
  if (historyFile && !record.dry_run) {
    try {
      appendHistory(historyFile, record);
    } catch (error) {
      log.warning(`could not append to history-file '${historyFile}': ${describeError(error)}`);
    }
  }
  published();
  try {
    writeOutputs(record, historyFile);
  } catch (error) {
    log.warning(`could not write the step outputs: ${describeError(error)}`);
  }
  if (record.tenants.length > 0) {
    await log.group(`Per-tenant report (${record.tenants.length} tenants)`, async () => {
      for (const line2 of renderLogTable(record)) log.info(line2);
    });
  }
  try {
    await summary.addRaw(renderSummary(record)).write();
  } catch (error) {
    log.warning(`could not write the job summary: ${describeError(error)}`);
  }
  const line = neutralize(`fleet-forward ${record.environment}: ${record.result} \u2014 ${record.message}`, Number.POSITIVE_INFINITY);
  if (GREEN_RESULTS.has(record.result)) info(line);
  else {
    setFailed(line);
    for (const annotation of failureAnnotations(record)) log.error(annotation);
  }
}
function writeOutputs(record, historyFile) {
  setOutput("result", record.result);
  setOutput("superseded", String(record.result === "superseded"));
  setOutput("head-sha", record.head_sha ?? "");
  setOutput("expected-sha", record.expected_sha ?? "");
  setOutput("stale-tenants", JSON.stringify(staleTenantNames(record)));
  setOutput("report", reportOutput(record, historyFile));
}

// src/action/main.ts
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
    settings = readActionSettings();
    saveRun(settings);
    const forge = forgeFor(settings);
    record = await deployFleet(settings, {
      forge,
      clock: systemClock,
      log: actionsLogger,
      signal: controller.signal,
      onLock: saveHeldLock,
      onDeployment: saveOpenDeployment,
      onCommand: saveCommandGroup
    });
  } catch (error) {
    if (error instanceof InputErrors) for (const each of error.errors) actionsLogger.error(neutralize(each.message, 1e3));
    record = fallbackRecord("failed", neutralize(describeError(error), 1e3), error instanceof FleetError ? error.errorClass : "internal", startedAt);
  }
  await publishRecord(record, settings?.historyFile ?? null, actionsLogger, markPublished);
  await notifyRun(record, settings?.notify ?? null, { log: actionsLogger });
}
export {
  run
};
