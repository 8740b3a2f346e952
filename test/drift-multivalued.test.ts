// A multi-valued key's lines as drift rows: the config-file handler reads a real file (a line edited,
// one added, one removed by hand) and ceph-drift's report turns the preview step into rows, one per line.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { driftReport } from "../bin/driftReport";
import { configSettingsProvider as p } from "../provider/configFile";

const B = "0b0b0b0b-1111-4222-8333-444444444444";
const C = "0c0c0c0c-5555-4666-8777-888888888888";
const line = (site: string, uuid: string) => `backend_id:${site},conf:/etc/ceph/${site}.conf,user:cinder,secret_uuid:${uuid}`;
const TYPE = "pulumi-nodejs:dynamic/ceph:CinderRbdBackend";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "drift-multi-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Declares `devices`, lets `edit` change the file by hand, and returns the drift rows a refresh-preview would show. */
async function rowsAfter(devices: Array<[string, string]>, edit: (text: string) => string) {
  const file = path.join(dir, "cinder.conf");
  const spec = {
    rbdPool: "volumes",
    replicationDevices: devices.map(([site, uuid]) => ({ backendId: site, conf: `/etc/ceph/${site}.conf`, user: "cinder", secretUuid: uuid })),
  };
  const checked = await p.check!({}, { path: file, service: "cinder", spec });
  const created = await p.create(checked.inputs);
  fs.writeFileSync(file, edit(fs.readFileSync(file, "utf8")));
  const read = await p.read!(created.id, created.outs);
  const step = { op: "update", urn: "urn:pulumi:s::p::ceph:CinderRbdBackend::cinder-conf", newState: { type: TYPE, inputs: checked.inputs }, oldState: { type: TYPE, outputs: read.props } };
  return driftReport({ steps: [step] as never }).rows.map((r) => [r.property, r.declared, r.actual]);
}

test("a line edited by hand is a row of that line", async () => {
  expect(await rowsAfter([["site-b", B], ["site-c", C]], (t) => t.replace("site-c.conf", "elsewhere.conf"))).toEqual([
    ["ceph.replication_device#2", line("site-c", C), line("site-c", C).replace("site-c.conf", "elsewhere.conf")],
  ]);
});

test("a line added by hand is a row of its own, declared as absent", async () => {
  expect(await rowsAfter([["site-b", B]], (t) => t.replace(`replication_device = ${line("site-b", B)}\n`, `$&replication_device = ${line("site-c", C)}\n`))).toEqual([
    ["ceph.replication_device#2", "-", line("site-c", C)],
  ]);
});

test("a line removed by hand is a row found absent", async () => {
  expect(await rowsAfter([["site-b", B], ["site-c", C]], (t) => t.replace(`replication_device = ${line("site-c", C)}\n`, ""))).toEqual([
    ["ceph.replication_device#2", line("site-c", C), "-"],
  ]);
});
