// runVirsh against a stand-in `virsh` on PATH, to pin down timeouts, failure kinds and redaction
// without a daemon. secret.test.ts runs the real virsh against a real libvirtd.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { generateCephxKey } from "../cephx";
import { runVirsh, VirshError } from "./virsh";

const uri = "secret:///system?socket=/nowhere/libvirt-sock";
let fakeBinDir: string;
let originalPath: string | undefined;

// The stand-in acts on the virsh command (4th argument, after --quiet --connect URI).
const fakeVirsh = `#!/bin/sh
case "$4" in
  print-args) printf '%s\\n' "$@" ;;
  echo-file-and-fail) cat "$5" >&2; echo >&2; exit 1 ;;
  not-found) printf "error: failed to get secret 'x'\\nerror: Secret not found: no secret with matching uuid 'x'\\n" >&2; exit 1 ;;
  unreachable) printf "error: failed to connect to the hypervisor\\nerror: Failed to connect socket to '/nowhere': No such file or directory\\n" >&2; exit 1 ;;
  hang) exec sleep 30 ;;
  *) echo "error: unknown command '$4'" >&2; exit 1 ;;
esac
`;

beforeAll(() => {
  fakeBinDir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-virsh-"));
  fs.writeFileSync(path.join(fakeBinDir, "virsh"), fakeVirsh, { mode: 0o755 });
  originalPath = process.env.PATH;
  process.env.PATH = `${fakeBinDir}:${originalPath}`;
});

afterAll(() => {
  process.env.PATH = originalPath;
  fs.rmSync(fakeBinDir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<VirshError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(VirshError);
    return err as VirshError;
  }
  throw new Error("expected a VirshError");
}

describe("runVirsh", () => {
  test("passes --connect URI before the command and returns stdout", async () => {
    const out = await runVirsh({ uri, args: ["print-args", "a b"] });
    expect(out.split("\n")).toEqual(["--quiet", "--connect", uri, "print-args", "a b", ""]);
  });

  test("a hung virsh is killed at the timeout, and the error names URI and operation", async () => {
    const started = Date.now();
    const err = await failure(runVirsh({ uri, args: ["hang"], timeoutMs: 300 }));
    expect(Date.now() - started).toBeLessThan(3000);
    expect(err.kind).toBe("timeout");
    expect(err.message).toBe(`virsh hang on ${uri}: timed out: no answer within 300 ms`);
  });

  test("'not found' and 'cannot connect' are told apart from other failures", async () => {
    expect((await failure(runVirsh({ uri, args: ["not-found"] }))).kind).toBe("not-found");
    const unreachable = await failure(runVirsh({ uri, args: ["unreachable"] }));
    expect(unreachable.kind).toBe("unreachable");
    expect(unreachable.message).toContain(`virsh unreachable on ${uri}: cannot connect to libvirt`);
    expect(unreachable.message).toContain("Failed to connect socket to '/nowhere'");
    expect((await failure(runVirsh({ uri, args: ["bogus"] }))).kind).toBe("failed");
  });

  test("strings marked for redaction never reach the error, even if virsh echoes them", async () => {
    const key = generateCephxKey();
    const keyFile = path.join(fakeBinDir, "key");
    fs.writeFileSync(keyFile, key, { mode: 0o600 });
    const err = await failure(runVirsh({ uri, args: ["echo-file-and-fail", keyFile], redact: [key] }));
    expect(err.message).toContain("[redacted]");
    expect(err.message).not.toContain(key);
    expect(err.detail).not.toContain(key);
    expect(JSON.stringify(err)).not.toContain(key);
  });

  test("a missing virsh binary says what to install", async () => {
    const savedPath = process.env.PATH;
    process.env.PATH = fakeBinDir + "/nonexistent";
    try {
      const err = await failure(runVirsh({ uri, args: ["secret-list"] }));
      expect(err.message).toMatch(/cannot run virsh \(install libvirt-clients\)/);
    } finally {
      process.env.PATH = savedPath;
    }
  });
});
