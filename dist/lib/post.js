import { createRequire as __ffCreateRequire } from 'node:module'; const require = __ffCreateRequire(import.meta.url);
import {
  actionsLogger,
  fallbackRecord,
  getInput,
  heldLock,
  setSecret,
  startedAt,
  summary,
  warning,
  wasPublished
} from "./chunks/chunk-NII7RORD.js";
import {
  INPUTS,
  appendHistory,
  createForge,
  describeError,
  parseSettings,
  releaseByNonce,
  renderSummary,
  systemClock
} from "./chunks/chunk-7BYOBZAV.js";

// src/action/post.ts
import { readFileSync } from "node:fs";
async function runPost() {
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
var SECRET_INPUTS = new Set(INPUTS.filter((spec) => spec.secret).map((spec) => spec.name));
async function releaseLeftoverLock() {
  const lock = heldLock();
  if (!lock) return;
  try {
    const settings = parseSettings(
      (name) => {
        const value = getInput(name);
        if (value && SECRET_INPUTS.has(name)) setSecret(value);
        return value;
      },
      process.env,
      (path) => readFileSync(path, "utf8")
    );
    const forge = createForge(
      settings.forge,
      {
        apiUrl: settings.run.apiUrl,
        serverUrl: settings.run.serverUrl,
        repository: settings.run.repository,
        token: settings.token,
        giteaActions: settings.run.giteaActions
      },
      systemClock
    );
    await releaseByNonce(forge, lock.environment, lock.nonce, actionsLogger);
  } catch (error) {
    warning(`post step could not release lock '${lock.environment}': ${describeError(error)}; it frees itself when its lease ends`);
  }
}
export {
  runPost
};
