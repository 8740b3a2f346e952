// What each cluster call an RbdImage handler makes costs, alone: CPU of this process (librbd's and
// librados' threads included) and of the OSD, and wall time, per image, for 200 1-GiB images with
// 16 in flight on one connection, in the order create, read (refresh), update (resize) and delete
// make them; then each handler whole. The calls are the part of a stack phase no provider can
// avoid while it calls librbd, so they tell how much of this project's time above the engine's
// floor is librbd's own.
//
//   node dist/bench/handler-steps.js            (a throwaway cluster of its own)
//   STEPS_IMAGES=500 node dist/bench/handler-steps.js
import * as fs from "fs";
import * as path from "path";
import { startCluster } from "../test/helpers/cluster";
import * as ceph from "../native";
import { handlers } from "../provider";
import { clearIntent, recordIntent } from "../provider/createIntent";
import { readProc } from "./stack";

const images = Number(process.env.STEPS_IMAGES ?? 200);
const inFlight = 16;

interface StepCost {
  handler: "create" | "read" | "update" | "delete";
  step: string;
  hostCpuMs: number;
  osdCpuMs: number;
  wallMs: number;
  /** The handler whole, not one of its calls. */
  whole?: true;
}

const cpuMs = (pid: number) => {
  const p = readProc(pid);
  if (!p) throw new Error(`handler-steps: process ${pid} (the OSD) is gone`);
  return p.cpu * 1000;
};

async function inParallel<T>(items: T[], k: number, f: (x: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: k }, async () => {
    while (next < items.length) await f(items[next++]);
  }));
}

export async function benchHandlerSteps(conf: string, osdPid: number, n = images): Promise<StepCost[]> {
  const cluster = await ceph.connect({ conf, retries: 0, label: "handler-steps" });
  try {
    await ceph.createPool(cluster, "steps", { pgNum: 8 });
    const io = await cluster.openIoCtx("steps");
    await ceph.poolInit(io);
    const names = Array.from({ length: n }, (_, i) => `img-${i}`);
    const staging = (x: string) => `${x}.staging`;
    const out: StepCost[] = [];
    const step = async (handler: StepCost["handler"], label: string, f: (x: string) => Promise<unknown>, whole = false) => {
      const host0 = process.cpuUsage();
      const osd0 = cpuMs(osdPid);
      const t0 = process.hrtime.bigint();
      await inParallel(names, inFlight, f);
      const wall = Number(process.hrtime.bigint() - t0) / 1e6;
      const host = process.cpuUsage(host0);
      out.push({
        handler,
        step: label,
        hostCpuMs: +((host.user + host.system) / 1000 / n).toFixed(2),
        osdCpuMs: +((cpuMs(osdPid) - osd0) / n).toFixed(2),
        wallMs: +(wall / n).toFixed(2),
        ...(whole ? { whole: true as const } : {}),
      });
    };
    // RbdImage create (provider/rbdImage.ts), a first create of a plain image: nothing to finish or adopt.
    const owner0 = (x: string) => `urn:pulumi:bench::steps::pulumi-nodejs:dynamic/ceph:RbdImage::${x}`;
    const ids = new Map<string, string>();
    await step("create", "omap read of rbd_trash (removals a killed destroy began)", () => ceph.trashRemovals(io));
    await step("create", "stat of rbd_id.<staging> (a clone's create cut short)", (x) => ceph.objectExists(io, `rbd_id.${staging(x)}`));
    await step("create", "stat of rbd_id.<name> (an image already there)", (x) => ceph.objectStat(io, `rbd_id.${x}`));
    await step("create", "omap set: the create intent", (x) => recordIntent(io, x, owner0(x)));
    await step("create", "rbd_create4 at the declared name", (x) => ceph.createImage(io, x, { size: 1 << 30 }));
    await step("create", "stat from the id object and header (one native call, no open)", async (x) => ids.set(x, (await ceph.statImage(io, x)).id));
    await step("create", "cls rbd.metadata_set on the header (the owner marker)", (x) => ceph.setHeaderMetadata(io, ids.get(x)!, "pulumi-owner", owner0(x)));
    await step("create", "omap remove: the create intent", (x) => clearIntent(io, x));
    // RbdImage read (refresh): one native stat (from the header: two read ops), then the trash entry of its id.
    await step("read", "stat from the id object and header (one native call, no open)", (x) => ceph.statImage(io, x));
    await step("read", "trash entry of its id (absent, as for a live image)", (x) => ceph.trashGet(io, x));
    // RbdImage update (a resize): one read-write open for the check and the resize.
    await step("update", "open rw, stat, resize to 2 GiB, stat, close", (x) =>
      ceph.withImage(io, x, async (img) => {
        await img.stat();
        await img.resize(2 * 2 ** 30);
        return img.stat();
      }),
    );
    // RbdImage delete, without mirroring or clones.
    await step("delete", "stat of rbd_id.<staging>", (x) => ceph.objectExists(io, `rbd_id.${staging(x)}`));
    await step("delete", "removal facts: id object, header, object map (three reads, no open)", (x) => ceph.imageRemovalFacts(io, x));
    // What the delete did before the facts (and still does for a clone, an image with snapshots,
    // data or watchers): measured for comparison, not part of a plain image's delete now.
    await step("delete", "(not taken for a plain image) open ro, watchers, disk usage, children, stat, close", (x) =>
      ceph.withImage(io, x, async (img) => {
        await img.listWatchers();
        await img.diskUsage();
        await img.listChildren();
        return img.stat();
      }, { readOnly: true }),
    );
    await step("delete", "rbd_remove", (x) => ceph.removeImage(io, x));
    // The same handlers whole, as the provider host calls them (zod parse, the shared pool ioctx,
    // the checks), on images of their own: what they cost above the sum of their calls is ours.
    const h = handlers.RbdImage;
    const connection = { conf, label: "handler-steps" };
    const props = new Map<string, Record<string, unknown>>();
    const whole = (x: string) => `whole-${x}`;
    const owner = (x: string) => `urn:pulumi:bench::steps::pulumi-nodejs:dynamic/ceph:RbdImage::${whole(x)}`;
    await step("create", "the whole create handler", async (x) => {
      const inputs = { pool: "steps", name: whole(x), size: 1 << 30, connection, owner: owner(x), maxCloneDepth: 5, flattenOnCreate: false, allowShrink: false, forceDestroy: false };
      props.set(x, (await h.create(inputs)).outs);
    }, true);
    await step("read", "the whole read handler", (x) => h.read!(`steps/${whole(x)}`, props.get(x)!), true);
    await step("update", "the whole update handler (resize to 2 GiB)", async (x) => {
      const news = { ...props.get(x)!, size: 2 * 2 ** 30 };
      props.set(x, (await h.update!(`steps/${whole(x)}`, props.get(x)!, news)).outs!);
    }, true);
    await step("delete", "the whole delete handler", (x) => h.delete!(`steps/${whole(x)}`, props.get(x)!), true);
    await io.close();
    return out;
  } finally {
    await cluster.close();
  }
}

export function stepsMarkdown(steps: StepCost[], n = images): string {
  const row = (s: StepCost) => `| ${s.whole ? `**${s.handler}**` : s.handler} | ${s.step} | ${s.hostCpuMs} | ${s.osdCpuMs} | ${s.wallMs} |`;
  const lines = [`| handler | step | host CPU ms | OSD CPU ms | wall ms |`, `|---|---|---|---|---|`];
  for (const h of ["create", "read", "update", "delete"] as const) {
    // A step marked "(not taken ...)" is measured for comparison and left out of the sum.
    const calls = steps.filter((s) => s.handler === h && !s.whole && !s.step.startsWith("(not taken"));
    const sum = (k: "hostCpuMs" | "osdCpuMs" | "wallMs") => calls.reduce((a, s) => a + s[k], 0).toFixed(2);
    lines.push(...steps.filter((s) => s.handler === h && !s.whole).map(row));
    lines.push(`| **${h}** | **its calls added up** | **${sum("hostCpuMs")}** | **${sum("osdCpuMs")}** | **${sum("wallMs")}** |`);
    lines.push(...steps.filter((s) => s.handler === h && s.whole).map(row));
  }
  return `Per image, ${n} images of 1 GiB, ${inFlight} in flight on one connection:\n\n${lines.join("\n")}\n`;
}

async function main(): Promise<void> {
  const tc = startCluster();
  try {
    const osdPid = Number(fs.readFileSync(path.join(tc.dir, "run", "osd.0.pid"), "utf8").trim());
    const steps = await benchHandlerSteps(tc.conf, osdPid);
    process.stdout.write(stepsMarkdown(steps));
  } finally {
    tc.stop();
  }
}

if (require.main === module) main().catch((err) => {
  console.error(err);
  process.exit(2);
});
