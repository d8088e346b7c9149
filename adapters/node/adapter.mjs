#!/usr/bin/env node
// A job-retry implementation in JavaScript, behind the kit's JSON Lines adapter protocol.
//
// It proves the protocol is language-neutral: a self-contained port of the reference reading of the
// "Job Retry" page (reference/engine.py), using only Node's standard library. Rule IDs in the comments
// are those of features/catalogue.toml.
//
//   pytest features --adapter "node adapters/node/adapter.mjs"

import { createInterface } from "node:readline";

const PROTOCOL = "1.1";
const WINDOW = 16; // runs the kit may keep in flight; answers come in order
const DEFAULT_RETRY_COUNT = 3; // JR.COUNT.DEFAULT
const CAPABILITIES = ["chain:per_machine", "chain:single_file", "custom_retry", "job_failure", "manual_stop", "trigger:manual"];

const processed = (result) => result === "success" || result === "warning"; // JR.WARNING.PROCESSED

function retryCount(job, session) {
  // JR.MANUAL.START: a session a person started is never retried; JR.COUNT.*: otherwise the job's count.
  if ((session.trigger ?? "scheduled") !== "scheduled") return 0;
  const retry = job.retry ?? {};
  if (retry.enabled === false) return 0; // JR.COUNT.ZERO
  return retry.count ?? DEFAULT_RETRY_COUNT;
}

function sessionStatus(latest, jobFailure, stopped) {
  const results = [...latest.values()];
  // JR.STATUS.FAILED, JR.STOP.STATUS, JR.JOB-FAILURE
  if (stopped || jobFailure || results.some((r) => r === null || r === "failed")) return "failed";
  return results.includes("warning") ? "warning" : "success"; // JR.STATUS.RECOVERED
}

class Chain {
  constructor(format) {
    this.format = format;
    this.files = [];
    this.backedUp = new Set();
    this.sessionFile = null;
  }

  write(vms, session, attempt) {
    if (vms.length === 0) return;
    // JR.CHAIN.FULL-FIRST: a VM's first restore point is full, later ones incremental.
    const points = vms.map((vm) => ({ vm, kind: this.backedUp.has(vm) ? "incremental" : "full", session, attempt }));
    vms.forEach((vm) => this.backedUp.add(vm));
    if (this.format === "per_machine") {
      // JR.PM.FILE-PER-VM, JR.PM.RETRY-NEW-FILES: a new file for every processed VM of every run.
      for (const p of points) {
        this.files.push({ id: `node-s${session}-a${attempt}-${p.vm}`, kind: p.kind, session, attempt, restore_points: [p] });
      }
    } else if (this.sessionFile === null) {
      // JR.SF.ONE-FILE-PER-SESSION, JR.SF.FILE-CREATION: the first run with data creates the session's file.
      this.sessionFile = { id: `node-s${session}`, kind: this.files.length ? "incremental" : "full", session, attempt, restore_points: points };
      this.files.push(this.sessionFile);
    } else {
      this.sessionFile.restore_points.push(...points); // JR.SF.RETRY-SAME-FILE
    }
  }
}

function runSession(number, plan, job, chain) {
  const injected = new Map((plan.outcomes ?? []).map((o) => [`${o.attempt}\u0000${o.vm}`, o.result]));
  const jobFailures = new Set(plan.job_failure_attempts ?? []);
  const latest = new Map(job.vms.map((vm) => [vm, null]));
  let pending = [...job.vms]; // JR.SESSION.ALL-VMS: every session starts with the whole job
  const attempts = [];
  let stopped = false;
  let status = "failed";
  chain.sessionFile = null;
  for (let attempt = 1; attempt <= retryCount(job, plan) + 1; attempt++) {
    let limit = pending.length;
    if (plan.stop && plan.stop.attempt === attempt) {
      stopped = true; // JR.ORDER: tasks run in job order; the stop leaves the rest unprocessed
      limit = Math.min(limit, plan.stop.after_tasks);
    }
    const tasks = pending.slice(0, limit).map((vm) => ({ vm, result: injected.get(`${attempt}\u0000${vm}`) ?? "success" }));
    tasks.forEach((t) => latest.set(t.vm, t.result));
    chain.write(tasks.filter((t) => processed(t.result)).map((t) => t.vm), number, attempt);
    const jobFailure = jobFailures.has(attempt);
    attempts.push({ number: attempt, job_failure: jobFailure, tasks });
    // JR.SCOPE.FAILED-ONLY: the next attempt takes only what is still unprocessed, in job order.
    pending = job.vms.filter((vm) => !processed(latest.get(vm)));
    status = sessionStatus(latest, jobFailure, stopped);
    // JR.WHEN.FAILED-UNPROCESSED, JR.WHEN.NOT-SUCCESS-WARNING, JR.MANUAL.STOP
    if (status !== "failed" || pending.length === 0 || stopped) break;
  }
  return { number, trigger: plan.trigger ?? "scheduled", status, stopped_manually: stopped, attempts };
}

export function run(scenario) {
  const job = scenario.job;
  const chain = new Chain(job.chain_format);
  // JR.SESSION.SAME: retries are attempts inside their session, never sessions of their own.
  const sessions = scenario.sessions.map((plan, index) => runSession(index + 1, plan, job, chain));
  return { sessions, files: chain.files };
}

function answer(message) {
  process.stdout.write(JSON.stringify(message) + "\n");
}

function handle(message) {
  switch (message.type) {
    case "hello":
      answer({ type: "hello", protocol: PROTOCOL, implementation: { name: "node-example", version: "0.1.0" }, capabilities: CAPABILITIES, window: WINDOW });
      return true;
    case "run":
      try {
        answer({ type: "result", seq: message.seq, trace: run(message.scenario) });
      } catch (error) {
        answer({ type: "error", seq: message.seq ?? 1, message: String(error?.stack ?? error) });
      }
      return true;
    case "shutdown":
      return false;
    default:
      if (Number.isInteger(message.seq)) answer({ type: "error", seq: message.seq, message: `unknown message type ${message.type}` });
      else process.stderr.write(`node-example: ignoring a message of type ${message.type}\n`);
      return true;
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on("line", (line) => {
  if (!line.trim()) return;
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    process.stderr.write(`node-example: ignoring a line that is not JSON\n`);
    return;
  }
  if (!handle(message)) {
    lines.close();
    process.exit(0);
  }
});
lines.on("close", () => process.exit(0));
