// The run's teardown for the policy guard (tests/helpers.ts): every
// Content-Security-Policy violation a test saw is written to POLICY_LOG,
// and a run that saw any fails, even when every test passed on its retry.
// (policy-setup.ts empties the log when the run starts.)
import * as fs from "node:fs";
import * as path from "node:path";

export const POLICY_LOG = path.join(__dirname, "policy-violations.log");

export default async function teardown() {
  if (!fs.existsSync(POLICY_LOG)) return;
  const seen = fs.readFileSync(POLICY_LOG, "utf8").trim();
  if (seen === "") return;
  const lines = seen.split("\n");
  throw new Error(
    `${lines.length} Content-Security-Policy violation(s) in this run, retried or not:\n` +
      lines.slice(0, 20).join("\n"),
  );
}

export function setup() {
  fs.rmSync(POLICY_LOG, { force: true });
}
