// scripts/libvirtd.sh: throwaway daemons are isolated from the machine and from each other,
// and stop kills exactly the one it is given.
import { execFileSync, spawnSync } from "child_process";
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startLibvirtd, TestLibvirtd } from "../../test/helpers/libvirtd";

const script = path.resolve(__dirname, "..", "..", "scripts", "libvirtd.sh");

function isRunning(pid: number): boolean {
  try {
    // A zombie (state Z) has exited; it only waits for its parent to reap it.
    return fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(" ")[2] !== "Z";
  } catch {
    return false;
  }
}

function listing(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : ["(absent)"];
}

async function defineBareSecret(daemon: TestLibvirtd, uuid: string): Promise<void> {
  const xml = path.join(daemon.dir, `${uuid}.xml`);
  fs.writeFileSync(xml, `<secret ephemeral='no' private='no'><uuid>${uuid}</uuid><usage type='ceph'><name>${uuid}</name></usage></secret>`);
  await daemon.virsh(["secret-define", xml]);
}

describe("scripts/libvirtd.sh", () => {
  const machineEtc = listing("/etc/libvirt");
  const machineRun = listing("/run/libvirt");
  let first: TestLibvirtd;
  let second: TestLibvirtd;

  beforeAll(() => {
    first = startLibvirtd();
    second = startLibvirtd();
  });
  afterAll(() => {
    first?.stop();
    second?.stop();
  });

  test("two daemons run side by side, each with its own socket, directory and secrets", async () => {
    expect(first.uri).toMatch(/^secret:\/\/\/system\?socket=\/.+\/sock\/libvirt-sock$/);
    expect(new Set([first.uri, second.uri]).size).toBe(2);
    expect(first.dir).not.toBe(second.dir);
    expect(isRunning(first.pid) && isRunning(second.pid)).toBe(true);
    expect(fs.statSync(first.dir).mode & 0o777).toBe(0o700);

    const uuid = randomUUID();
    await defineBareSecret(first, uuid);
    expect(await first.virsh(["secret-list"])).toContain(uuid);
    expect(await second.virsh(["secret-list"])).not.toContain(uuid);
  });

  test("the machine's /etc/libvirt and /run/libvirt are left alone", async () => {
    await defineBareSecret(first, randomUUID());
    expect(listing("/etc/libvirt")).toEqual(machineEtc);
    expect(listing("/run/libvirt")).toEqual(machineRun);
    expect(fs.readdirSync(path.join(first.dir, "etc", "secrets")).length).toBeGreaterThan(0);
  });

  test("only the secret driver is loaded: no hypervisor driver to probe the machine", () => {
    expect(fs.readdirSync(path.join(first.dir, "drivers"))).toEqual(["libvirt_driver_secret.so"]);
    const qemu = spawnSync("virsh", ["--connect", first.uri.replace("secret://", "qemu://"), "list"], { encoding: "utf8" });
    expect(qemu.status).not.toBe(0);
  });

  test("stop kills exactly that daemon and removes its directory; stopping again is fine", async () => {
    const kept = randomUUID();
    await defineBareSecret(second, kept);
    first.stop();
    expect(isRunning(first.pid)).toBe(false);
    expect(fs.existsSync(first.dir)).toBe(false);
    expect(isRunning(second.pid)).toBe(true);
    // The other daemon still answers, and still holds what it held.
    expect(await second.virsh(["secret-list"])).toContain(kept);
    execFileSync("bash", [script, "stop", first.dir]);
  });

  test("start refuses a directory that already holds a daemon; stop refuses one that holds none", () => {
    const again = spawnSync("bash", [script, "start", second.dir], { encoding: "utf8" });
    expect(again.status).not.toBe(0);
    expect(again.stderr).toContain("already holds a daemon");

    const unrelated = fs.mkdtempSync(path.join(os.tmpdir(), "not-libvirtd-"));
    try {
      const stop = spawnSync("bash", [script, "stop", unrelated], { encoding: "utf8" });
      expect(stop.status).not.toBe(0);
      expect(stop.stderr).toContain("does not hold a daemon");
      expect(fs.existsSync(unrelated)).toBe(true);
    } finally {
      fs.rmSync(unrelated, { recursive: true, force: true });
    }
  });
});
