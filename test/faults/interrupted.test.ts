// Fault 1: the pulumi process group SIGKILLed in the middle of an `up` of 50 images (at about a
// third) and of a `destroy` of 50 (at about half), as a CI runner that times a job out does; and a
// checkpoint cut short by such a kill. After the recovery commands the pool holds exactly the
// stack's images, and a final destroy leaves nothing.
import * as fs from "fs";
import * as path from "path";
import type { TestStack } from "../helpers/pulumi";
import {
  POOL,
  alive,
  deployment,
  imageStack,
  imagesSpec,
  poolImages,
  startCli,
  startFaultCluster,
  stateImages,
  waitFor,
  type FaultCluster,
} from "./harness";
import { describeImages, record } from "./report";
import { recoveryCommands, type RecoveryKind } from "./recovery";

jest.setTimeout(600_000);

let cluster: FaultCluster;
let stack: TestStack;
const all50 = imagesSpec(50).images.map((i) => i.name).sort();
const count = (text: string, verb: "created" | "deleted") =>
  (text.match(new RegExp(`ceph:RbdImage img\\d+ ${verb} \\(`, "g")) ?? []).length;

beforeAll(async () => {
  cluster = startFaultCluster();
  stack = await imageStack(cluster, "fault-kill");
});

afterAll(async () => {
  await stack?.teardown();
  cluster?.stop();
});

/** Runs the README's recovery commands in order; returns what each printed (for the report). */
async function recover(kind: RecoveryKind): Promise<string> {
  const done: string[] = [];
  for (const step of recoveryCommands(kind, { backendDir: stack.backendDir, stack: stack.name })) {
    if (step.shell) {
      await step.shell();
    } else {
      await stack.run(step.args!, { timeoutMs: 240_000 });
    }
    done.push(step.text);
  }
  return done.join("; ");
}

const parses = (file: string) => {
  try {
    JSON.parse(fs.readFileSync(file, "utf8"));
    return true;
  } catch {
    return false;
  }
};

/** What the kill left of the checkpoint: whole, its metadata sidecar cut, or the file itself cut. */
function checkpointDamage(): RecoveryKind {
  if (fs.existsSync(`${checkpointFile()}.attrs`) && !parses(`${checkpointFile()}.attrs`)) return "attrs cut";
  return parses(checkpointFile()) ? "interrupted" : "checkpoint cut";
}
const checkpointCut = () => checkpointDamage() !== "interrupted";

/** After a kill: the README's recovery, with its checkpoint step when the kill cut the checkpoint short. */
async function recoverAfterKill(): Promise<{ text: string; cut: boolean }> {
  const kind = checkpointDamage();
  return { text: await recover(kind), cut: kind !== "interrupted" };
}

async function pendingOperations(): Promise<number> {
  return (await deployment(stack)).pending_operations?.length ?? 0;
}

test("pulumi up of 50 images SIGKILLed at a third: the recovery commands converge, nothing orphaned", async () => {
  await stack.setSpec(imagesSpec(50));
  const cli = startCli(stack, ["up", "--yes", "--skip-preview", "--parallel", "8"]);
  await waitFor("17 images created", 120_000, () => count(cli.output(), "created") >= 17, 20);
  cli.killGroup();
  const r = await cli.done;
  expect(r.code).toBe(137);
  // The CLI, language host, program and provider host: all gone.
  expect(cli.killed.length).toBeGreaterThanOrEqual(4);
  await waitFor("every killed process gone", 10_000, () => cli.killed.every((p) => !alive(p)));
  const inCeph = await poolImages(cluster);
  const cut = checkpointCut();
  const left = cut ? "checkpoint cut short by the kill (`failed to load checkpoint: EOF`)" : `${describeImages(await stateImages(stack))}, ${await pendingOperations()} pending operation(s)`;
  // The kill landed mid-way: some images exist that the state may not hold yet.
  expect(inCeph.length).toBeGreaterThanOrEqual(17);
  expect(inCeph.length).toBeLessThan(50);
  const recovery = (await recoverAfterKill()).text;
  expect(await poolImages(cluster)).toEqual(all50);
  expect(await stateImages(stack)).toEqual(all50);
  expect(await pendingOperations()).toBe(0);
  await stack.run(["preview", "--expect-no-changes"]);
  record(__filename, {
    fault: "SIGKILL of `pulumi up` (50 images, --parallel 8) at about a third",
    how: "the CLI and every process below it SIGKILLed once the engine had printed 17 `created`",
    errorText: "(none: the process is gone; exit 137)",
    leftInCeph: describeImages(inCeph),
    leftInState: left,
    recovery: `${recovery} → the pool and the state both hold exactly the 50 images; preview --expect-no-changes passes`,
  });
});

test("pulumi destroy of 50 images SIGKILLed at half: the recovery commands converge, nothing orphaned; destroy leaves 0", async () => {
  await stack.setSpec(imagesSpec(50));
  await stack.up();
  expect(await poolImages(cluster)).toEqual(all50);
  const cli = startCli(stack, ["destroy", "--yes", "--skip-preview", "--parallel", "8"]);
  await waitFor("25 images deleted", 120_000, () => count(cli.output(), "deleted") >= 25, 20);
  cli.killGroup();
  const r = await cli.done;
  expect(r.code).toBe(137);
  await waitFor("every killed process gone", 10_000, () => cli.killed.every((p) => !alive(p)));
  const inCeph = await poolImages(cluster);
  const cut = checkpointCut();
  const leftState = cut ? "checkpoint cut short by the kill (`failed to load checkpoint: EOF`)" : `${describeImages(await stateImages(stack))}, ${await pendingOperations()} pending operation(s)`;
  expect(inCeph.length).toBeGreaterThan(0);
  expect(inCeph.length).toBeLessThanOrEqual(25);
  const recovery = (await recoverAfterKill()).text;
  // Each name once (a removal cut short lists it twice until finished), and the stack owns them all.
  expect(await poolImages(cluster)).toEqual(all50);
  expect(await stateImages(stack)).toEqual(all50);
  expect(await pendingOperations()).toBe(0);
  await stack.run(["destroy", "--yes", "--skip-preview"]);
  expect(await stateImages(stack)).toEqual([]);
  expect(await cluster.cephJson("osd", "pool", "ls")).not.toContain(POOL);
  record(__filename, {
    fault: "SIGKILL of `pulumi destroy` (50 images, --parallel 8) at about half",
    how: "the CLI and every process below it SIGKILLed once the engine had printed 25 `deleted`",
    errorText: "(none: the process is gone; exit 137)",
    leftInCeph: `rbd ls: ${describeImages(inCeph)}`,
    leftInState: leftState,
    recovery: `${recovery} → the pool and the state both hold exactly the 50 images, once each; a final destroy leaves 0 images and no pool`,
  });
});

/**
 * Where to cut the checkpoint: just after the first comma between values past its middle. The
 * engine writes the file compact, on one line, so the cut must be chosen by the JSON's structure:
 * Go's scanner ends a cut input by feeding it a space, so a cut after a string's backslash reads as
 * "invalid character ' ' in string escape code", one inside a literal (`"custom": fa`) as "invalid
 * character ' ' in literal false"; only a cut between values reads as the end of input a write cut
 * short leaves.
 */
function cutBetweenValues(bytes: Buffer): number {
  const middle = Math.floor(bytes.length / 2);
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === 0x5c) i++; // a backslash: the next byte is escaped
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) {
      inString = true;
    } else if (b === 0x2c && i >= middle) {
      return i + 1;
    }
  }
  throw new Error("checkpoint has no comma between values past its middle");
}

/** A partial up, then the checkpoint cut short on purpose (a deterministic cut), then the README's recovery. */
async function checkpointCutCase(kind: "attrs cut" | "checkpoint cut", how: string, message: RegExp): Promise<void> {
  await stack.setSpec(imagesSpec(50));
  const cli = startCli(stack, ["up", "--yes", "--skip-preview", "--parallel", "8"]);
  await waitFor("17 images created", 120_000, () => count(cli.output(), "created") >= 17, 20);
  cli.killGroup();
  await cli.done;
  await waitFor("every killed process gone", 10_000, () => cli.killed.every((p) => !alive(p)));
  // A deterministic cut of the kind named, whatever the kill itself did to the checkpoint.
  if (checkpointDamage() === "attrs cut") fs.rmSync(`${checkpointFile()}.attrs`);
  if (kind === "attrs cut") fs.writeFileSync(`${checkpointFile()}.attrs`, "");
  else fs.truncateSync(checkpointFile(), cutBetweenValues(fs.readFileSync(checkpointFile())));
  const broken = await stack.run(["refresh", "--yes", "--skip-preview"], { expectFailure: true });
  expect(broken.stdout + broken.stderr).toMatch(message);
  // The metadata cut stops even `pulumi cancel` (it reads the file); a cut checkpoint does not.
  if (kind === "attrs cut") expect((await stack.run(["cancel", "--yes"], { expectFailure: true })).stderr).toMatch(message);
  const inCeph = await poolImages(cluster);
  const recovery = await recover(kind);
  expect(await poolImages(cluster)).toEqual(all50);
  expect(await stateImages(stack)).toEqual(all50);
  expect(await pendingOperations()).toBe(0);
  await stack.run(["preview", "--expect-no-changes"]);
  record(__filename, {
    fault: `checkpoint cut short (${kind})`,
    how: `\`pulumi up\` of 50 SIGKILLed at a third, then ${how}`,
    errorText: (broken.stdout + broken.stderr).split("\n").filter((l) => message.test(l))[0]?.trim(),
    leftInCeph: describeImages(inCeph),
    leftInState: kind === "attrs cut" ? "no command can load the checkpoint (`pulumi cancel` fails too)" : "no command that reads state can load the checkpoint (`pulumi cancel` still works)",
    recovery: `${recovery} → the pool and the state both hold exactly the 50 images`,
  });
  await stack.run(["destroy", "--yes", "--skip-preview"]);
  expect(await poolImages(cluster)).toEqual([]);
}

test("checkpoint metadata cut short after a partial up (`failed to load checkpoint: EOF`): the README's commands recover; the pool equals state, nothing orphaned", () =>
  checkpointCutCase("attrs cut", "its metadata file `<stack>.json.attrs` emptied, as a kill inside fileblob's in-place rewrite of it leaves it", /failed to load checkpoint: EOF/));

test("checkpoint file cut short after a partial up (`unexpected end of JSON input`): the README's commands recover; the pool equals state, nothing orphaned", () =>
  checkpointCutCase("checkpoint cut", "the checkpoint file itself truncated between two values just past its middle (a rename that outlived its data: a power loss)", /failed to load checkpoint: .*unexpected end of JSON input/));

/** The file backend's checkpoint for this stack: .pulumi/stacks/<project>/<stack>.json. */
function checkpointFile(): string {
  const dir = path.join(stack.backendDir, ".pulumi", "stacks", "ceph-resources");
  return path.join(dir, `${stack.name}.json`);
}
