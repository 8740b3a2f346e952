// The Ceph libvirt secret functions against a real libvirtd (scripts/libvirtd.sh), with every
// child process watched so a key on a command line or a lingering temp file fails the test.
import childProcess = require("child_process");
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { startLibvirtd, TestLibvirtd } from "../../test/helpers/libvirtd";
import { generateCephxKey } from "../cephx";
import { defineCephSecret, getCephSecret, undefineCephSecret } from "./secret";
import { VirshError } from "./virsh";

let daemon: TestLibvirtd;
beforeAll(() => {
  daemon = startLibvirtd();
});
afterAll(() => daemon?.stop());

const usageName = (uuid: string) => `client.cinder-${uuid.slice(0, 8)} secret`;

interface TempFileSeen {
  path: string;
  mode: number;
  dirMode: number;
}

interface ChildSeen {
  api: string;
  args: string[];
  env: Record<string, string | undefined>;
  /** What the kernel shows for the child right after it started (null bytes as spaces). */
  procCmdline?: string;
  procEnviron?: string;
  /** Arguments that were files in the temp dir when the child started. */
  tempFiles: TempFileSeen[];
}

/**
 * Records every child process started through child_process while `body` runs: its argv and env
 * as passed, its /proc cmdline and environ, and the modes of temp files it was handed. Meanwhile
 * a poller scans every process on the machine for `needle` (covers anything started indirectly).
 */
async function watchChildren<T>(needle: string, body: () => Promise<T>): Promise<{ result: T; children: ChildSeen[]; processesWithNeedle: string[] }> {
  const children: ChildSeen[] = [];
  const spies: jest.SpyInstance[] = [];
  for (const api of ["spawn", "execFile", "exec", "spawnSync", "execFileSync", "execSync"] as const) {
    const real = childProcess[api] as (...a: unknown[]) => unknown;
    spies.push(
      jest.spyOn(childProcess, api).mockImplementation(((file: string, args?: unknown, options?: unknown) => {
        const argList = Array.isArray(args) ? args.map(String) : [];
        const opts = (Array.isArray(args) ? options : args) as { env?: Record<string, string> } | undefined;
        const seen: ChildSeen = { api, args: [file, ...argList], env: opts?.env ?? {}, tempFiles: tempFilesIn(argList) };
        children.push(seen);
        const child = real(file, args, options) as childProcess.ChildProcess;
        if (child && typeof child.pid === "number") {
          // spawn returns after exec, and the child is not reaped before we yield: /proc shows it.
          seen.procCmdline = readProc(child.pid, "cmdline");
          seen.procEnviron = readProc(child.pid, "environ");
        }
        return child;
      }) as never),
    );
  }
  const processesWithNeedle: string[] = [];
  const poller = setInterval(() => processesWithNeedle.push(...scanProcesses(needle)), 1);
  try {
    const result = await body();
    return { result, children, processesWithNeedle };
  } finally {
    clearInterval(poller);
    for (const spy of spies) spy.mockRestore();
  }
}

function tempFilesIn(args: string[]): TempFileSeen[] {
  const tempRoots = [os.tmpdir() + path.sep, "/dev/shm/"];
  return args
    .filter((arg) => tempRoots.some((root) => arg.startsWith(root)) && fs.existsSync(arg) && fs.statSync(arg).isFile())
    .map((file) => ({ path: file, mode: fs.statSync(file).mode & 0o777, dirMode: fs.statSync(path.dirname(file)).mode & 0o777 }));
}

function readProc(pid: number, entry: string): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/${entry}`, "latin1").replace(/\0/g, " ");
  } catch {
    return undefined; // already gone
  }
}

function scanProcesses(needle: string): string[] {
  const hits: string[] = [];
  for (const pid of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    for (const entry of ["cmdline", "environ"]) {
      if (readProc(Number(pid), entry)?.includes(needle)) hits.push(`${pid}/${entry}`);
    }
  }
  return hits;
}

async function expectVirshError(promise: Promise<unknown>): Promise<VirshError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(VirshError);
    return err as VirshError;
  }
  throw new Error("expected a VirshError");
}

describe("libvirt ceph secret", () => {
  test("define, then get returns uuid, usage and the key", async () => {
    const uuid = randomUUID();
    const key = generateCephxKey();
    await defineCephSecret({ uri: daemon.uri, uuid, usageName: usageName(uuid), key });
    expect(await getCephSecret({ uri: daemon.uri, uuid })).toEqual({ uuid, usageType: "ceph", usageName: usageName(uuid), value: key });
    // Checked independently of the code under test: what virsh itself reports.
    expect((await daemon.virsh(["secret-get-value", uuid])).trim()).toBe(key);
    expect(await daemon.virsh(["secret-dumpxml", uuid])).toContain("<secret ephemeral='no' private='no'>");
  });

  test("the key never appears in the argv or environment of any process", async () => {
    const uuid = randomUUID();
    const key = generateCephxKey();
    const { result, children, processesWithNeedle } = await watchChildren(key, async () => {
      await defineCephSecret({ uri: daemon.uri, uuid, usageName: usageName(uuid), key });
      return getCephSecret({ uri: daemon.uri, uuid });
    });
    expect(result?.value).toBe(key);
    expect(children.map((c) => c.args[0])).toEqual(["virsh", "virsh", "virsh", "virsh"]);
    expect(children.map((c) => c.args[4])).toEqual(["secret-define", "secret-set-value", "secret-dumpxml", "secret-get-value"]);
    for (const child of children) {
      expect(child.args.join(" ")).not.toContain(key);
      expect(Object.values(child.env).join(" ")).not.toContain(key);
      expect(child.procCmdline ?? "").not.toContain(key);
      expect(child.procEnviron ?? "").not.toContain(key);
    }
    // The /proc reads did see the real processes (so the checks above were not vacuous).
    expect(children.some((c) => c.procCmdline?.includes("secret-set-value"))).toBe(true);
    expect(processesWithNeedle).toEqual([]);
  });

  test("temp files are 0600 in a 0700 dir while virsh reads them, the key's in RAM, and all are gone after", async () => {
    const uuid = randomUUID();
    const key = generateCephxKey();
    const { children } = await watchChildren(key, () => defineCephSecret({ uri: daemon.uri, uuid, usageName: usageName(uuid), key }));
    expect(children.map((c) => c.args[4])).toEqual(["secret-define", "secret-set-value"]);
    const [xmlFile, keyFile] = children.map((c) => {
      expect(c.tempFiles).toHaveLength(1);
      return c.tempFiles[0];
    });
    for (const file of [xmlFile, keyFile]) {
      expect(file).toMatchObject({ mode: 0o600, dirMode: 0o700 });
      expect(fs.existsSync(file.path)).toBe(false);
      expect(fs.existsSync(path.dirname(file.path))).toBe(false);
    }
    expect(children[1].args.slice(4)).toEqual(["secret-set-value", uuid, "--file", keyFile.path]);
    // This machine has /dev/shm (CI too): the key file must be there, never on a disk.
    expect(keyFile.path.startsWith("/dev/shm/")).toBe(true);
  });

  test("redefining the same uuid replaces the value", async () => {
    const uuid = randomUUID();
    const spec = { uri: daemon.uri, uuid, usageName: usageName(uuid) };
    await defineCephSecret({ ...spec, key: generateCephxKey() });
    const newKey = generateCephxKey();
    await defineCephSecret({ ...spec, key: newKey });
    await defineCephSecret({ ...spec, key: newKey }); // and again: nothing changes
    expect((await getCephSecret({ uri: daemon.uri, uuid }))?.value).toBe(newKey);
    const listed = await daemon.virsh(["secret-list"]);
    expect(listed.split("\n").filter((line) => line.includes(uuid))).toHaveLength(1);
  });

  test("a value changed out of band reads back as the new value (drift)", async () => {
    const uuid = randomUUID();
    await defineCephSecret({ uri: daemon.uri, uuid, usageName: usageName(uuid), key: generateCephxKey() });
    const changedByHand = generateCephxKey();
    const keyFile = path.join(daemon.dir, "changed-by-hand.base64"); // the daemon's dir is 0700
    fs.writeFileSync(keyFile, changedByHand, { mode: 0o600 });
    await daemon.virsh(["secret-set-value", uuid, "--file", keyFile]);
    fs.rmSync(keyFile);
    expect((await getCephSecret({ uri: daemon.uri, uuid }))?.value).toBe(changedByHand);
  });

  test("a secret that exists without a value reads back with value undefined", async () => {
    const uuid = randomUUID();
    const xml = path.join(daemon.dir, `${uuid}.xml`);
    fs.writeFileSync(xml, `<secret ephemeral='no' private='no'><uuid>${uuid}</uuid><usage type='ceph'><name>bare ${uuid}</name></usage></secret>`);
    await daemon.virsh(["secret-define", xml]);
    expect(await getCephSecret({ uri: daemon.uri, uuid })).toEqual({ uuid, usageType: "ceph", usageName: `bare ${uuid}`, value: undefined });
  });

  test("a missing secret reads as undefined", async () => {
    expect(await getCephSecret({ uri: daemon.uri, uuid: randomUUID() })).toBeUndefined();
  });

  test("undefine removes the secret, and undefining again is fine", async () => {
    const uuid = randomUUID();
    await defineCephSecret({ uri: daemon.uri, uuid, usageName: usageName(uuid), key: generateCephxKey() });
    await undefineCephSecret({ uri: daemon.uri, uuid });
    expect(await getCephSecret({ uri: daemon.uri, uuid })).toBeUndefined();
    await undefineCephSecret({ uri: daemon.uri, uuid });
    await undefineCephSecret({ uri: daemon.uri, uuid: randomUUID() });
  });

  test("the secret is persistent: stored in the daemon's own config dir, not the machine's", async () => {
    const uuid = randomUUID();
    await defineCephSecret({ uri: daemon.uri, uuid, usageName: usageName(uuid), key: generateCephxKey() });
    expect(fs.existsSync(path.join(daemon.dir, "etc", "secrets", `${uuid}.xml`))).toBe(true);
    expect(fs.existsSync(path.join("/etc/libvirt/secrets", `${uuid}.xml`))).toBe(false);
  });

  test("a usage name already held by another uuid is refused, naming URI and operation, not the key", async () => {
    const first = randomUUID();
    const name = usageName(first);
    await defineCephSecret({ uri: daemon.uri, uuid: first, usageName: name, key: generateCephxKey() });
    const key = generateCephxKey();
    const err = await expectVirshError(defineCephSecret({ uri: daemon.uri, uuid: randomUUID(), usageName: name, key }));
    expect(err.message).toContain(`virsh secret-define on ${daemon.uri}: failed`);
    expect(err.message).toContain(first);
    expect(err.message).not.toContain(key);
  });

  test("invalid input is rejected before any process starts, without echoing the key", async () => {
    const key = generateCephxKey();
    const badKey = key.slice(0, 36) + "%%==";
    const { children } = await watchChildren(key, async () => {
      const uuid = randomUUID();
      await expect(defineCephSecret({ uri: daemon.uri, uuid, usageName: "x", key: badKey })).rejects.toThrow(/^key: /);
      await expect(defineCephSecret({ uri: daemon.uri, uuid: uuid.toUpperCase(), usageName: "x", key })).rejects.toThrow(/^uuid: /);
      await expect(defineCephSecret({ uri: daemon.uri, uuid, usageName: "", key })).rejects.toThrow(/^usageName: /);
      await expect(getCephSecret({ uri: daemon.uri, uuid: "nope" })).rejects.toThrow(/^uuid: /);
      await expect(undefineCephSecret({ uri: daemon.uri, uuid: "nope" })).rejects.toThrow(/^uuid: /);
      const err = await defineCephSecret({ uri: daemon.uri, uuid, usageName: "x", key: badKey }).then(
        () => undefined,
        (e: unknown) => e,
      );
      // It must have failed (an accepted bad key fails here), and without echoing the key.
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/^key: /);
      expect(String(err)).not.toContain(badKey);
      expect(String(err)).not.toContain(key.slice(0, 36));
    });
    expect(children).toEqual([]);
  });
});

describe("when libvirt cannot be reached", () => {
  const missingSocketUri = `secret:///system?socket=${path.join(os.tmpdir(), `no-libvirtd-${process.pid}`, "libvirt-sock")}`;

  test("every call fails with an error naming the URI; get throws instead of returning undefined", async () => {
    const uuid = randomUUID();
    const key = generateCephxKey();
    const calls: Array<[string, () => Promise<unknown>]> = [
      ["secret-define", () => defineCephSecret({ uri: missingSocketUri, uuid, usageName: "x", key })],
      ["secret-dumpxml", () => getCephSecret({ uri: missingSocketUri, uuid })],
      ["secret-undefine", () => undefineCephSecret({ uri: missingSocketUri, uuid })],
    ];
    for (const [operation, call] of calls) {
      const err = await expectVirshError(call());
      expect(err.kind).toBe("unreachable");
      expect(err.message).toContain(`virsh ${operation} on ${missingSocketUri}: cannot connect to libvirt`);
      expect(err.message).not.toContain(key);
    }
  });

  test("a daemon that accepts but never answers fails within the timeout", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "silent-libvirtd-"));
    const socketPath = path.join(dir, "libvirt-sock");
    const connections: net.Socket[] = [];
    const server = net.createServer((socket) => connections.push(socket)); // reads, never replies
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    const uri = `secret:///system?socket=${socketPath}`;
    try {
      const key = generateCephxKey();
      const started = Date.now();
      const err = await expectVirshError(defineCephSecret({ uri, uuid: randomUUID(), usageName: "x", key, timeoutMs: 1000 }));
      expect(Date.now() - started).toBeLessThan(5000);
      expect(err.kind).toBe("timeout");
      expect(err.message).toBe(`virsh secret-define on ${uri}: timed out: no answer within 1000 ms`);
      expect(connections.length).toBeGreaterThan(0); // virsh did get through to the socket

      const getErr = await expectVirshError(getCephSecret({ uri, uuid: randomUUID(), timeoutMs: 500 }));
      expect(getErr.kind).toBe("timeout");
    } finally {
      connections.forEach((socket) => socket.destroy());
      await new Promise((resolve) => server.close(resolve));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
