// ConfigSettings' handlers on real files (no engine): managed keys only, exact restore, shared
// enabled_backends, keys that stop being managed, files it created, hand edits seen by read.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { configSettingsProvider as p } from "./configFile";
import { CINDER_CONF } from "./ini/testFixtures";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "config-settings-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function checked(path: string, service: string, spec: Record<string, unknown>) {
  const r = await p.check!({}, { path, service, spec });
  expect(r.failures ?? []).toEqual([]);
  return r.inputs;
}

const backend = (sectionName: string, extra: Record<string, unknown> = {}) => ({ sectionName, rbdPool: "volumes", rbdUser: "cinder", ...extra });

test("two backends share enabled_backends; deleting both gives back the file byte for byte", async () => {
  const file = path.join(dir, "cinder.conf");
  fs.writeFileSync(file, CINDER_CONF);
  const one = await checked(file, "cinder", backend("ceph"));
  const two = await checked(file, "cinder", backend("ceph-ssd", { rbdPool: "fast" }));
  const a = await p.create(one);
  const b = await p.create(two);
  const text = fs.readFileSync(file, "utf8");
  expect(text).toMatch(/^enabled_backends = lvm,ceph,ceph-ssd$/m);
  expect(text).toMatch(/\[ceph-ssd\]\nvolume_driver = cinder.volume.drivers.rbd.RBDDriver\nvolume_backend_name = ceph-ssd\nrbd_pool = fast\nrbd_user = cinder\n/);
  await p.delete!(a.id, a.outs);
  expect(fs.readFileSync(file, "utf8")).toMatch(/^enabled_backends = lvm,ceph-ssd$/m);
  await p.delete!(b.id, b.outs);
  expect(fs.readFileSync(file, "utf8")).toBe(CINDER_CONF);
});

test("a key that stops being managed gets its earlier value back; read reports hand edits", async () => {
  const file = path.join(dir, "cinder.conf");
  fs.writeFileSync(file, CINDER_CONF);
  const first = await checked(file, "cinder", backend("ceph", { rbdMaxCloneDepth: 3 }));
  const created = await p.create(first);
  expect(fs.readFileSync(file, "utf8")).toMatch(/^rbd_max_clone_depth = 3$/m);
  const second = await checked(file, "cinder", backend("ceph"));
  expect((await p.diff!(created.id, created.outs, second)).changes).toBe(true);
  const updated = await p.update!(created.id, created.outs, second);
  expect(fs.readFileSync(file, "utf8")).not.toMatch(/rbd_max_clone_depth/);

  fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/^rbd_user = cinder$/m, "rbd_user = admin"));
  const read = await p.read!(created.id, updated.outs);
  expect(read.props.settings["ceph.rbd_user"]).toBe("admin");
  expect((await p.diff!(created.id, read.props, second)).changes).toBe(true);
  await p.update!(created.id, read.props, second);
  expect(fs.readFileSync(file, "utf8")).toMatch(/^rbd_user = cinder$/m);
  await p.delete!(created.id, (await p.read!(created.id, updated.outs)).props);
  expect(fs.readFileSync(file, "utf8")).toBe(CINDER_CONF);
});

test("a file it had to create is removed again; the settings are also offered as text", async () => {
  const file = path.join(dir, "nova.conf");
  const inputs = await checked(file, "nova", { imagesRbdPool: "vms", rbdUser: "cinder", rbdSecretUuid: "5a2e1c3b-7d4f-4e6a-9b8c-0d1e2f3a4b5c" });
  const created = await p.create(inputs);
  expect(fs.statSync(file).mode & 0o777).toBe(0o640);
  expect(created.outs.renderedText).toBe(
    "[libvirt]\nimages_type = rbd\nimages_rbd_pool = vms\nrbd_user = cinder\nrbd_secret_uuid = 5a2e1c3b-7d4f-4e6a-9b8c-0d1e2f3a4b5c\n",
  );
  expect(fs.readFileSync(file, "utf8")).toContain(created.outs.renderedText.trim());
  await p.delete!(created.id, created.outs);
  expect(fs.existsSync(file)).toBe(false);
});

test("bad specs fail check with the field named, before any file is touched", async () => {
  const file = path.join(dir, "cinder.conf");
  const r = await p.check!({}, { path: file, service: "cinder", spec: { sectionName: "ceph", rbdMaxCloneDepth: -1 } });
  expect(r.failures?.map((f) => f.reason).join("\n")).toMatch(/rbdMaxCloneDepth/);
  const bad = await p.check!({}, { path: "relative.conf", service: "cinder", spec: {} });
  expect(bad.failures?.[0].reason).toMatch(/path: must be an absolute path/);
  expect(fs.existsSync(file)).toBe(false);
});

test("during a preview, values not known yet are not errors; known bad values still are", async () => {
  const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
  const file = path.join(dir, "glance-api.conf");
  const ok = await p.check!({}, { path: file, service: "glance", spec: { rbdStorePool: UNKNOWN, rbdStoreUser: UNKNOWN } });
  expect(ok.failures ?? []).toEqual([]);
  const bad = await p.check!({}, { path: file, service: "glance", spec: { rbdStorePool: UNKNOWN, rbdStoreChunkSize: 3 } });
  expect(bad.failures?.map((f) => f.property)).toEqual(["rbdStoreChunkSize"]);
});

test("fileMode: applied to a file it created, also when changed later; an operator's file keeps its own mode", async () => {
  const spec = { imagesRbdPool: "vms", rbdUser: "cinder", rbdSecretUuid: "5a2e1c3b-7d4f-4e6a-9b8c-0d1e2f3a4b5c" };
  const created = path.join(dir, "nova.conf");
  const ours = await p.create({ ...(await checked(created, "nova", spec)), fileMode: 0o600 });
  expect(fs.statSync(created).mode & 0o777).toBe(0o600);
  const wider = { ...(await checked(created, "nova", spec)), fileMode: 0o644 };
  expect(await p.diff!(ours.id, ours.outs, wider)).toMatchObject({ changes: true, replaces: [] });
  await p.update!(ours.id, ours.outs, wider);
  expect(fs.statSync(created).mode & 0o777).toBe(0o644);

  // The operator's file: its mode is theirs (README: "keep the file's mode"), so fileMode is not a change.
  const operators = path.join(dir, "cinder.conf");
  fs.writeFileSync(operators, CINDER_CONF, { mode: 0o640 });
  const theirs = await p.create(await checked(operators, "cinder", backend("ceph")));
  const asked = { ...(await checked(operators, "cinder", backend("ceph"))), fileMode: 0o600 };
  expect((await p.diff!(theirs.id, theirs.outs, asked)).changes).toBe(false);
  expect(fs.statSync(operators).mode & 0o777).toBe(0o640);
});
