// __ADAPTER_NAME__: an adapter between the job retry conformance kit and your product.
//
// README
//   It speaks the kit's whole protocol (JSON Lines on stdin and stdout; docs/adapter-guide.md and
//   schemas/protocol.schema.json in the kit) and answers "skipped" to every scenario until you complete
//   the one marked place below, where it calls your product.
//
//   Build:     nothing to build: Node.js 18 or later, no npm packages.
//   Run:       node adapter.mjs
//              It waits for the kit's messages on stdin; try it by hand with the line
//              {"type":"hello","protocol":"1.1","kit":{"name":"me","version":"0"}}
//   Check it:  in the kit's virtual environment: retry-kit check-adapter "node /path/to/adapter.mjs"
//              a conversation of a few seconds (handshake, two runs, shutdown) with what to fix;
//              it passes once you declare a chain format and complete the marked place.
//   Judge it:  from the kit's folder, in its virtual environment:
//              pytest features --adapter "node /path/to/adapter.mjs" --report-dir reports/__ADAPTER_NAME__
//              As it comes, it declares no capability, so every scenario is "not applicable" and the
//              verdict is "not established": nothing was judged yet.
//
// Write diagnostics to stderr only: every line on stdout must be a protocol message.

import { createInterface } from "node:readline";

const NAME = "__ADAPTER_NAME__";
const VERSION = "0.1.0";
const PROTOCOL = "1.1";
const MAX_REASON = 2000;
const MAX_MESSAGE = 10000;

/** Throw from runScenario to answer "skipped": the product cannot run this scenario. */
class Unsupported extends Error {}

// ============================== YOUR PRODUCT: the one place to complete ==============================
// CAPABILITIES: what your product can be judged on: "chain:per_machine", "chain:single_file",
// "trigger:manual", "manual_stop", "job_failure", "custom_retry" (docs/adapter-guide.md, "Capabilities").
// Add each one only once runScenario handles the scenarios that need it: a scenario that needs a capability
// you did not declare is "not applicable", never failed, but one you declared and then answer "skipped"
// keeps the verdict from "yes". Every scenario needs one of the two chain formats, so with none declared
// nothing is judged.
const CAPABILITIES = [];

/**
 * Run one scenario (schemas/scenario.schema.json) on your product and return what it did, as a trace
 * (schemas/trace.schema.json); it may be async. Throw Unsupported to answer "skipped"; anything else
 * thrown answers "error" with its message.
 */
async function runScenario(scenario) {
  throw new Unsupported(`${NAME} is not connected to a product yet: complete runScenario`);
}

// ============================== END OF YOUR PRODUCT ==============================

function answer(message) {
  process.stdout.write(JSON.stringify(message) + "\n");
}

/** The message's sequence number when it has one an answer can carry. */
function validSeq(message) {
  return Number.isInteger(message.seq) && message.seq >= 1 ? message.seq : null;
}

async function run(seq, message) {
  const scenario = message.scenario;
  if (scenario === null || typeof scenario !== "object" || Array.isArray(scenario)) {
    answer({ type: "error", seq, message: "the run message has no scenario object" });
    return;
  }
  let trace;
  try {
    trace = await runScenario(scenario);
  } catch (error) {
    if (error instanceof Unsupported) {
      answer({ type: "skipped", seq, reason: (error.message || "unsupported").slice(0, MAX_REASON) });
    } else {
      answer({ type: "error", seq, message: String(error?.stack ?? error).slice(0, MAX_MESSAGE) });
    }
    return;
  }
  answer({ type: "result", seq, trace });
}

/** Answer one line; false once the kit says the run is over. */
async function handle(line) {
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    message = null;
  }
  if (message === null || typeof message !== "object" || Array.isArray(message)) {
    process.stderr.write(`${NAME}: ignoring a line that is not a JSON object: ${JSON.stringify(line.slice(0, 200))}\n`);
    return true;
  }
  const seq = validSeq(message);
  if (message.type === "shutdown") return false;
  if (message.type === "hello") {
    const implementation = { name: NAME, version: VERSION };
    answer({ type: "hello", protocol: PROTOCOL, implementation, capabilities: CAPABILITIES });
  } else if (seq === null) {
    process.stderr.write(`${NAME}: ignoring a ${JSON.stringify(message.type)} message without a valid seq\n`);
  } else if (message.type === "run") {
    await run(seq, message);
  } else {
    answer({ type: "error", seq, message: `unknown message type: ${message.type}`.slice(0, MAX_MESSAGE) });
  }
  return true;
}

// One line at a time, in order: each answer is written before the next line is read.
for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (line.trim() && !(await handle(line))) break;
}
// Shutdown or end of input: exit once every answer is written, whatever else is still open.
process.stdout.write("", () => process.exit(0));
