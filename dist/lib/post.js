import { createRequire as __ffCreateRequire } from 'node:module'; const require = __ffCreateRequire(import.meta.url);
import {
  actionsLogger,
  fallbackRecord,
  forgeFor,
  getInput,
  heldLock,
  openDeployment,
  readActionSettings,
  startedAt,
  summary,
  warning,
  wasPublished
} from "./chunks/chunk-GFQPPNE6.js";
import {
  abandonDeployment,
  appendHistory,
  describeError,
  releaseByNonce,
  renderSummary
} from "./chunks/chunk-YKFRQKDG.js";

// src/action/post.ts
async function runPost() {
  await finishLeftoverDeployment();
  await releaseLeftoverLock();
  const started = startedAt();
  if (started === null || wasPublished()) return;
  const record = fallbackRecord(
    "aborted",
    "the main step ended before it could record its result (killed or crashed); see its log",
    "internal",
    started
  );
  warning(`fleet-forward ${record.environment}: ${record.message}`);
  try {
    await summary.addRaw(renderSummary(record)).write();
    const historyFile = getInput("history-file");
    if (historyFile) appendHistory(historyFile, record);
  } catch (error) {
    warning(`could not write the record: ${describeError(error)}`);
  }
}
async function finishLeftoverDeployment() {
  const id = openDeployment();
  if (id === null) return;
  try {
    const settings = readActionSettings();
    await abandonDeployment(forgeFor(settings), settings, id, actionsLogger);
  } catch (error) {
    warning(`post step could not finish deployment ${id}: ${describeError(error)}`);
  }
}
async function releaseLeftoverLock() {
  const lock = heldLock();
  if (!lock) return;
  try {
    await releaseByNonce(forgeFor(readActionSettings()), lock.environment, lock.nonce, actionsLogger);
  } catch (error) {
    warning(`post step could not release lock '${lock.environment}': ${describeError(error)}; it frees itself when its lease ends`);
  }
}
export {
  runPost
};
