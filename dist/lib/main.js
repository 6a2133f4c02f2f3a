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
} from "./chunks/chunk-VW6YZDT4.js";
import {
  deployFleet
} from "./chunks/chunk-2W4GX4PE.js";
import {
  FleetError,
  GREEN_RESULTS,
  appendHistory,
  describeError,
  neutralize,
  renderLogTable,
  renderSummary,
  staleTenantNames,
  systemClock
} from "./chunks/chunk-EQMMKBW7.js";

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
    writeOutputs(record);
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
  const line = `fleet-forward ${record.environment}: ${record.result} \u2014 ${record.message}`;
  if (GREEN_RESULTS.has(record.result)) info(line);
  else setFailed(line);
}
function writeOutputs(record) {
  setOutput("result", record.result);
  setOutput("superseded", String(record.result === "superseded"));
  setOutput("head-sha", record.head_sha ?? "");
  setOutput("expected-sha", record.expected_sha ?? "");
  setOutput("stale-tenants", JSON.stringify(staleTenantNames(record)));
  setOutput("report", JSON.stringify(record));
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
    record = fallbackRecord("failed", neutralize(describeError(error), 1e3), error instanceof FleetError ? error.errorClass : "internal", startedAt);
  }
  await publishRecord(record, settings?.historyFile ?? null, actionsLogger, markPublished);
}
export {
  run
};
