import { createRequire as __ffCreateRequire } from 'node:module'; const require = __ffCreateRequire(import.meta.url);
import {
  actionsLogger,
  commandGroup,
  fallbackRecord,
  forgeForSavedRun,
  getInput,
  heldLock,
  openDeployment,
  readNotifySettings,
  savedRun,
  startedAt,
  summary,
  wasPublished
} from "./chunks/chunk-PZ2FLLBP.js";
import {
  abandonDeployment,
  appendHistory,
  describeError,
  notifyRun,
  releaseByNonce,
  renderSummary,
  stopProcessGroup,
  systemClock
} from "./chunks/chunk-N2BGSRBE.js";

// src/action/post.ts
var COMMAND_KILL_GRACE_MS = 5e3;
async function runPost() {
  const saved = savedRun();
  await stopLeftoverCommand();
  if (saved) {
    await finishLeftoverDeployment(saved);
    await releaseLeftoverLock(saved);
  }
  const started = startedAt();
  if (started === null || wasPublished()) return;
  const deploymentId = openDeployment();
  const deployment = saved && deploymentId !== null ? { id: deploymentId, environment_url: saved.environmentUrl } : null;
  const message = "the main step ended before it could record its result (killed or crashed); see its log";
  const record = fallbackRecord("aborted", message, "internal", started, saved, deployment);
  actionsLogger.warning(`fleet-forward ${record.environment}: ${record.message}`);
  try {
    await summary.addRaw(renderSummary(record)).write();
    const historyFile = saved ? saved.historyFile : getInput("history-file");
    if (historyFile) appendHistory(historyFile, record);
  } catch (error) {
    actionsLogger.warning(`could not write the record: ${describeError(error)}`);
  }
  await notifyRun(record, readNotifySettings(), { log: actionsLogger });
}
async function stopLeftoverCommand() {
  const pgid = commandGroup();
  if (pgid === null) return;
  actionsLogger.warning(`stopping the redeploy-command or bake-check the main step left running (process group ${pgid})`);
  await stopProcessGroup(pgid, COMMAND_KILL_GRACE_MS);
}
async function finishLeftoverDeployment(saved) {
  const id = openDeployment();
  if (id === null) return;
  try {
    const { environment, environmentUrl, targetTag, sha, runUrl } = saved;
    await abandonDeployment(forgeForSavedRun(saved), { environment, environmentUrl, targetTag, sha, run: { runUrl } }, id, actionsLogger);
  } catch (error) {
    actionsLogger.warning(`post step could not finish deployment ${id}: ${describeError(error)}`);
  }
}
async function releaseLeftoverLock(saved) {
  const lock = heldLock();
  if (!lock) return;
  try {
    await releaseByNonce(forgeForSavedRun(saved), lock.environment, lock.nonce, actionsLogger, systemClock);
  } catch (error) {
    actionsLogger.warning(`post step could not release lock '${lock.environment}': ${describeError(error)}; it frees itself when its lease ends`);
  }
}
export {
  runPost
};
