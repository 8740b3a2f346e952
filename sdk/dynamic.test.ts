// The provider a resource carries (`__provider`): built once per kind and shared by every resource
// of that kind, never a closure serialized per resource (which cost tens of ms of CPU and 2.3 KB
// twice in the state of each), and the module source finds the handlers or says why it cannot.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as serializeClosure from "@pulumi/pulumi/runtime/closure/serializeClosure";

const declared: Array<{ type: string; inputs: Record<string, any> }> = [];
pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      declared.push({ type: args.type, inputs: args.inputs });
      return { id: `${args.name}-id`, state: args.inputs };
    },
    call: () => ({}),
  },
  "guard",
  "test",
  false,
);

// Loaded after the mocks are in place.
import * as ceph from ".";
import { cheapStacks, dynamicProvider, providerModuleSource } from "./dynamic";
const requireFromString: (code: string, filename: string) => any = require("require-from-string");

const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

test("200 images of one kind share one provider, serialized by no one", async () => {
  const serialize = jest.spyOn(serializeClosure, "serializeFunction");
  const cluster = new ceph.CephCluster({ monHost: "v2:10.0.0.1:3300", key: "AQ-mock" });
  const images = Array.from({ length: 200 }, (_, i) => new ceph.RbdImage(`img${i}`, { cluster, pool: "volumes", name: `v${i}`, size: "1GiB" }));
  await Promise.all(images.map((img) => value(img.urn)));

  expect(serialize).not.toHaveBeenCalled();
  expect(dynamicProvider("RbdImage")).toBe(dynamicProvider("RbdImage"));
  const sources = new Set(declared.filter((d) => d.type === "pulumi-nodejs:dynamic/ceph:RbdImage").map((d) => d.inputs.__provider));
  expect(declared.length).toBe(200);
  expect([...sources]).toEqual([dynamicProvider("RbdImage").source]);
  // Twice in each resource's state (inputs and outputs): small enough for the 3 KB per image budget.
  expect(dynamicProvider("RbdImage").source.length).toBeLessThan(500);
});

// @pulumi/pulumi makes four debuggable promises (each a captured stack trace) for every property a
// resource registers, so an image registers none it has nothing for.
test("an image registers no importId without an import and no mirrorState without mirroring; mirrorState still reads", async () => {
  const cluster = new ceph.CephCluster({ monHost: "v2:10.0.0.1:3300", key: "AQ-mock" });
  const plain = new ceph.RbdImage("plain", { cluster, pool: "volumes", name: "p", size: "1GiB" });
  const mirrored = new ceph.RbdImage("mirrored", { cluster, pool: "volumes", name: "m", size: "1GiB", mirroring: { mode: "snapshot", primary: true } });
  const imported = new ceph.RbdImage("imported", { cluster, pool: "volumes", name: "i", size: "1GiB" }, { import: "volumes/i" });

  expect(Object.keys(plain)).not.toContain("importId");
  expect(Object.keys(plain)).not.toContain("mirrorState");
  expect(Object.keys(mirrored)).toContain("mirrorState");
  expect(Object.keys(imported)).toContain("importId");
  expect(pulumi.Output.isInstance(plain.mirrorState)).toBe(true);
  expect(await value(plain.mirrorState)).toBeUndefined();
  expect(await value(imported.urn)).toContain("imported");
});

// @pulumi/pulumi formats a stack for each of those promises at once; under source-map-support (its
// run-time installs it) that is several times dearer, for a stack only a promise-leak report prints.
describe("stack traces while a resource is constructed", () => {
  const installed = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  let formatted = 0;
  const hook = (err: Error, frames: NodeJS.CallSite[]) => {
    formatted++;
    return `mapped ${err.message} (${frames.length} frames)`;
  };
  beforeEach(() => {
    formatted = 0;
    Error.prepareStackTrace = hook;
  });
  afterEach(() => {
    Error.prepareStackTrace = installed;
    delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
  });
  const cluster = () => new ceph.CephCluster({ monHost: "v2:10.0.0.1:3300", key: "AQ-mock" });

  test("capture no frames and skip the installed hook; both are back in place afterwards", async () => {
    const c = cluster();
    formatted = 0;
    const images = Array.from({ length: 20 }, (_, i) => new ceph.RbdImage(`plainstack${i}`, { cluster: c, pool: "volumes", name: `s${i}`, size: "1GiB" }));
    expect(formatted).toBe(0);
    expect(Error.prepareStackTrace).toBe(hook);
    expect(Error.stackTraceLimit).toBe(limit);
    expect(new Error("after").stack).toMatch(/^mapped after \([1-9]\d* frames\)$/);
    await Promise.all(images.map((img) => value(img.urn)));
  });

  test("an Error made while they are cheap has no frames", () => {
    const restore = cheapStacks();
    const made = new Error("prealloc");
    const debugStack = new Error("debug").stack;
    restore();
    expect(debugStack).toBe("Error: debug");
    expect(made.stack).toMatch(/^mapped prealloc \(0 frames\)$|^Error: prealloc$/);
  });

  test("the source position and stack a resource registers keep their frames", async () => {
    const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: any, cb: unknown): unknown };
    const register = monitor.registerResource;
    const seen: Array<{ name: string; uri?: string; frames: string[] }> = [];
    monitor.registerResource = function (req: any, cb: unknown) {
      seen.push({ name: req.getName(), uri: req.getSourceposition()?.getUri(), frames: (req.getStacktrace()?.getFramesList() ?? []).map((f: any) => f.getPc()?.getUri() ?? "") });
      return register.call(this, req, cb);
    };
    try {
      const img = new ceph.RbdImage("withposition", { cluster: cluster(), pool: "volumes", name: "p", size: "1GiB" });
      await value(img.urn);
    } finally {
      monitor.registerResource = register;
    }
    const reg = seen.find((r) => r.name === "withposition");
    // @pulumi/pulumi takes the first frame past its own four: RbdImage's constructor (as before
    // stacks were made cheap); the stack it records goes on to where the program declared it.
    expect(reg?.uri).toMatch(/sdk\/rbdImage\.ts$/);
    expect(reg?.frames.some((uri) => uri.endsWith("sdk/dynamic.test.ts"))).toBe(true);
  });

  test("a constructor that throws leaves the hook and limit in place, and its error leads to the caller", () => {
    // @pulumi/pulumi's own check, inside super(): a parent that is not a resource.
    let thrown: Error | undefined;
    try {
      new ceph.RbdImage("badparent", { cluster: cluster(), pool: "volumes", name: "b", size: "1GiB" }, { parent: {} as never });
    } catch (e) {
      thrown = e as Error;
    }
    expect(thrown?.message).toMatch(/not a valid Resource/);
    expect(Error.prepareStackTrace).toBe(hook);
    expect(Error.stackTraceLimit).toBe(limit);
    // Taken again with the hook back: every frame from RbdImage's constructor down, this file's among them.
    expect(thrown?.stack).toMatch(/^mapped .*not a valid Resource.* \([1-9]\d* frames\)$/s);
  });

  test("with PULUMI_DEBUG_PROMISE_LEAKS set, stacks are whole and the hook formats them as before", async () => {
    process.env.PULUMI_DEBUG_PROMISE_LEAKS = "1";
    const c = cluster();
    formatted = 0;
    const img = new ceph.RbdImage("leakdebug", { cluster: c, pool: "volumes", name: "l", size: "1GiB" });
    expect(formatted).toBeGreaterThan(0);
    await value(img.urn);
  });
});

describe("the provider module source, run as the dynamic provider host runs it", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dynamic-provider-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A fake installed package in the program's node_modules whose provider module is `body`. */
  const install = (body: string) => {
    const pkg = path.join(dir, "program", "node_modules", "pulumi-ceph-openstack");
    fs.mkdirSync(pkg, { recursive: true });
    fs.writeFileSync(path.join(pkg, "provider.js"), body);
  };
  const checkout = path.join(os.tmpdir(), "unused");
  const handlerFrom = (source: string) => requireFromString(source, path.join(dir, "program", "index.js")).handler();

  test("the installed package's handlers, found by name from the program's directory", () => {
    install(`exports.handlers = { RbdImage: { create: () => "installed" } };`);
    expect(handlerFrom(providerModuleSource("RbdImage", checkout)).create()).toBe("installed");
  });

  test("not installed there: the checkout the program loaded the SDK from", () => {
    fs.mkdirSync(path.join(dir, "program"));
    const fallback = path.join(dir, "checkout.js");
    fs.writeFileSync(fallback, `exports.handlers = { RbdImage: { create: () => "checkout" } };`);
    expect(handlerFrom(providerModuleSource("RbdImage", fallback)).create()).toBe("checkout");
  });

  test("installed but failing to load: says why, instead of falling back", () => {
    const fallback = path.join(dir, "checkout.js");
    fs.writeFileSync(fallback, `exports.handlers = { RbdImage: { create: () => "checkout" } };`);
    install(`throw new Error("addon compiled against a different Node.js version");`);
    expect(() => handlerFrom(providerModuleSource("RbdImage", fallback))).toThrow(
      "pulumi-ceph-openstack/provider failed to load: addon compiled against a different Node.js version",
    );
    install(`require("a-dependency-that-is-missing");`);
    expect(() => handlerFrom(providerModuleSource("RbdImage", fallback))).toThrow(
      /pulumi-ceph-openstack\/provider failed to load: Cannot find module 'a-dependency-that-is-missing'/,
    );
  });

  test("neither installed nor in the checkout, or no such kind: a message that says so", () => {
    fs.mkdirSync(path.join(dir, "program"));
    expect(() => handlerFrom(providerModuleSource("RbdImage", path.join(dir, "gone.js")))).toThrow(
      /pulumi-ceph-openstack\/provider is not installed where the program runs, and Cannot find module '.*gone\.js'/,
    );
    install(`exports.handlers = {};`);
    expect(() => handlerFrom(providerModuleSource("NoSuchKind", checkout))).toThrow(
      "pulumi-ceph-openstack/provider has no handler for resource type NoSuchKind",
    );
  });
});
