// Runs the virsh CLI (Debian: libvirt-clients) against one explicit libvirt URI.
// Every call is bounded by a timeout, and a failure names the URI and the operation.
// Never put a secret in args: argv is world-readable in /proc/PID/cmdline. Pass a file path instead.
import { spawn } from "child_process";

export const DEFAULT_VIRSH_TIMEOUT_MS = 30_000;

/** Why a virsh call failed, so callers can treat "no such object" apart from real failures. */
export type VirshFailureKind =
  /** The daemon answered that the object does not exist (or, for secrets, has no value). */
  | "not-found"
  /** virsh could not connect to the daemon at that URI. */
  | "unreachable"
  /** virsh did not finish in time (a hung daemon, or a socket nobody answers on) and was killed. */
  | "timeout"
  | "failed";

export class VirshError extends Error {
  constructor(
    readonly operation: string,
    readonly uri: string,
    readonly kind: VirshFailureKind,
    /** virsh's stderr, "error: " prefixes dropped, with any redacted strings cut out. */
    readonly detail: string,
  ) {
    super(`virsh ${operation} on ${uri}: ${describeKind(kind)}${detail ? `: ${detail}` : ""}`);
    this.name = "VirshError";
  }
}

function describeKind(kind: VirshFailureKind): string {
  switch (kind) {
    case "not-found":
      return "not found";
    case "unreachable":
      return "cannot connect to libvirt";
    case "timeout":
      return "timed out";
    case "failed":
      return "failed";
  }
}

export interface VirshCall {
  /** Connection URI, e.g. "qemu:///system" or "secret:///system?socket=/path/libvirt-sock". */
  uri: string;
  /** The virsh command and its arguments, e.g. ["secret-dumpxml", uuid]. Never put a secret here. */
  args: string[];
  /** Upper bound for this one invocation; virsh is killed when it is reached. */
  timeoutMs?: number;
  /** Strings to cut out of error messages. virsh should never echo a secret; this makes sure. */
  redact?: string[];
}

// virsh output is a few lines; anything bigger is cut rather than buffered without bound.
const MAX_OUTPUT_BYTES = 1 << 20;

/** Runs `virsh --connect URI ARGS...` and resolves with its stdout. Rejects with a VirshError. */
export function runVirsh(call: VirshCall): Promise<string> {
  const operation = call.args[0] ?? "(no command)";
  const timeoutMs = call.timeoutMs ?? DEFAULT_VIRSH_TIMEOUT_MS;
  const fail = (kind: VirshFailureKind, detail: string) =>
    new VirshError(operation, call.uri, kind, redact(detail, call.redact ?? []));

  return new Promise((resolve, reject) => {
    // LC_ALL=C: the failure kind is read from libvirt's messages, which are translated otherwise.
    const child = spawn("virsh", ["--quiet", "--connect", call.uri, ...call.args], {
      env: { ...process.env, LC_ALL: "C", LANG: "C", LANGUAGE: "" },
      // No stdin: virsh must never sit waiting for input.
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stdout = collect(child.stdout);
    const stderr = collect(child.stderr);
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    // Rejects at once rather than on "close": a stray grandchild could hold the pipes open.
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      child.stdout.destroy();
      child.stderr.destroy();
      settle(() => reject(fail("timeout", `no answer within ${timeoutMs} ms`)));
    }, timeoutMs);

    child.on("error", (err: NodeJS.ErrnoException) => {
      const hint = err.code === "ENOENT" ? " (install libvirt-clients)" : "";
      settle(() => reject(fail("failed", `cannot run virsh${hint}: ${err.message}`)));
    });
    child.on("close", (code, signal) => {
      if (code === 0) return settle(() => resolve(stdout.text()));
      const detail = cleanStderr(stderr.text()) || (signal ? `killed by ${signal}` : `exit code ${code}`);
      settle(() => reject(fail(classify(detail), detail)));
    });
  });
}

function collect(stream: NodeJS.ReadableStream): { text(): string } {
  const chunks: Buffer[] = [];
  let size = 0;
  stream.on("data", (chunk: Buffer) => {
    if (size >= MAX_OUTPUT_BYTES) return;
    chunks.push(chunk);
    size += chunk.length;
  });
  return { text: () => Buffer.concat(chunks).toString("utf8").slice(0, MAX_OUTPUT_BYTES) };
}

function cleanStderr(stderr: string): string {
  return stderr
    .split("\n")
    .map((line) => line.replace(/^error:\s*/, "").trim())
    .filter((line) => line !== "")
    .join("; ");
}

// Messages as libvirt 9.0 prints them under LC_ALL=C.
function classify(detail: string): VirshFailureKind {
  if (/failed to connect to the hypervisor/i.test(detail)) return "unreachable";
  if (/\bnot found\b/i.test(detail)) return "not-found";
  return "failed";
}

function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret) out = out.split(secret).join("[redacted]");
  }
  return out;
}
