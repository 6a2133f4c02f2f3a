import { createRequire as __ffCreateRequire } from 'node:module'; const require = __ffCreateRequire(import.meta.url);
import {
  appendHistory,
  describeError,
  fallbackRecord,
  getInput,
  renderSummary,
  startedAt,
  summary,
  warning,
  wasPublished
} from "./chunks/chunk-NEC2D42Y.js";

// src/action/post.ts
async function runPost() {
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
export {
  runPost
};
