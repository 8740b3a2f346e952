// How a resource of this package reaches its handlers. Pulumi's dynamic provider host runs the
// module source found in each resource's `__provider` property (require-from-string, from the
// program's directory) and calls its `handler()`. @pulumi/pulumi's own dynamic.Resource fills that
// property by serializing a provider closure, once per provider object: 2.3 KB of source for ours,
// written twice into every resource's state (inputs and outputs), and tens of ms of CPU per
// serialization. We write the module source ourselves instead, once per kind: a few hundred bytes
// that load this package's handlers inside the host process (native handles never pass through
// serialization, and the host keeps one connection per cluster).
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

const PROVIDER_MODULE = "pulumi-ceph-openstack/provider";

/** This checkout's handlers, for programs that load the SDK by path rather than by package name. */
const checkoutProviderPath = path.resolve(__dirname, "..", "provider", "index.js");

/** What `__provider` holds for one kind of resource. */
export interface ProviderModule {
  readonly kind: string;
  /** Module source defining `exports.handler()`, which returns the kind's handlers. */
  readonly source: string;
}

/**
 * The module source for a kind. The installed package is found by name from the program's
 * directory; only when it is not installed there does it fall back to `fallbackPath`. Any other
 * failure to load it (a missing dependency, an addon built for another Node) is reported as what
 * it is, never hidden by the fallback.
 */
export function providerModuleSource(kind: string, fallbackPath = checkoutProviderPath): string {
  // Written twice into every resource's state: each byte here counts per resource.
  return (
    `const P=${JSON.stringify(PROVIDER_MODULE)},K=${JSON.stringify(kind)};exports.handler=()=>{let m;try{m=require(P)}catch(e){` +
    `if(e.code!=="MODULE_NOT_FOUND"||!String(e.message).includes("'"+P+"'")){e.message=P+" failed to load: "+e.message;throw e}` +
    `try{m=require(${JSON.stringify(fallbackPath)})}catch(f){f.message=P+" is not installed where the program runs, and "+f.message;throw f}}` +
    `const h=m.handlers[K];if(!h)throw new Error(P+" has no handler for resource type "+K);return h}`
  );
}

const providers = new Map<string, ProviderModule>();

/** One provider per kind for the life of the program: every resource of a kind shares its source. */
export function dynamicProvider(kind: string): ProviderModule {
  let p = providers.get(kind);
  if (!p) {
    p = { kind, source: providerModuleSource(kind) };
    providers.set(kind, p);
  }
  return p;
}

/** Type tokens read "pulumi-nodejs:dynamic/ceph:RbdImage" in previews. */
export const MODULE = "ceph";

/**
 * A resource served by Pulumi's dynamic provider host, as pulumi.dynamic.Resource makes one (same
 * type token, same `__provider` property, same constructor arguments), but with our short module
 * source in place of a serialized closure.
 */
export class DynamicResource extends pulumi.CustomResource {
  constructor(
    provider: ProviderModule,
    name: string,
    props: pulumi.Inputs,
    opts?: pulumi.CustomResourceOptions,
    module: string = MODULE,
    type = "Resource",
  ) {
    if (props.__provider !== undefined) throw new Error("A dynamic resource must not define the __provider key");
    const restore = cheapStacks();
    try {
      super(`pulumi-nodejs:dynamic/${module}:${type}`, name, { ...props, __provider: provider.source }, opts);
    } catch (e) {
      // Made while stacks had no frames: its stack is taken again here, so it leads to the caller.
      restore();
      if (e instanceof Error) Error.captureStackTrace(e, DynamicResource);
      throw e;
    } finally {
      restore();
    }
  }
}

/**
 * While a resource is constructed, errors capture no stack frames, and a stack is formatted by V8
 * itself rather than the installed `Error.prepareStackTrace` hook. Why: @pulumi/pulumi makes four
 * debuggable promises for each declared property and formats a stack for each at once
 * (`new Error().stack`), read only by a promise-leak report with PULUMI_DEBUG_PROMISE_LEAKS set.
 * Measured under mocks, 1,000 RbdImages with source-map-support installed (as Pulumi's run-time
 * does): 5.5-5.9 ms of CPU an image with the hook, 1.8-2.1 ms with V8's formatting, 0.58-0.61 ms
 * with no frames as well. What still has its frames:
 *  - the resource's source position and stack in state: @pulumi/pulumi sets its own limit for them;
 *  - an error thrown out of the constructor: DynamicResource takes its stack again;
 *  - errors @pulumi/pulumi preallocates to report a failed registration have none; the engine
 *    reports those failures itself (a failed create or a duplicate name prints no JS stack).
 * With PULUMI_DEBUG_PROMISE_LEAKS set (someone is reading those reports) stacks stay whole.
 */
export function cheapStacks(): () => void {
  if (process.env.PULUMI_DEBUG_PROMISE_LEAKS) return () => {};
  const hook = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  (Error as { prepareStackTrace?: unknown }).prepareStackTrace = undefined;
  Error.stackTraceLimit = 0;
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    Error.prepareStackTrace = hook;
    Error.stackTraceLimit = limit;
  };
}

/**
 * Pulumi's `import` option does not reach dynamic providers (the engine's import read carries no
 * provider), so the SDK takes it out of the options and passes it as the `importId` input: the
 * provider's create then adopts the existing object, after checking it matches the declaration.
 * `imported` is spread into the props: empty unless importing, because @pulumi/pulumi captures four
 * stack traces (four debuggable promises) for every property a resource declares, undefined or not.
 */
export function takeImport(opts?: pulumi.CustomResourceOptions): {
  opts?: pulumi.CustomResourceOptions;
  imported: { importId?: pulumi.Input<string> };
} {
  if (!opts || opts.import === undefined) return { opts, imported: {} };
  const { import: importId, ...rest } = opts;
  return { opts: rest, imported: { importId } };
}

/**
 * Who creates this resource's objects: "<project>/<stack>/<resource name>". The provider writes it
 * into the object (image metadata, pool application metadata, the libvirt secret's description) so
 * that a create repeated after a crash, or an `up` on a lost state, recognises its own objects.
 */
export function ownerOf(name: string): string {
  return `${pulumi.getProject()}/${pulumi.getStack()}/${name}`;
}
