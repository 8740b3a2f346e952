// The provider object Pulumi serializes into state for each resource. It holds no code of its own:
// every method loads this package's handlers inside the provider host process, so native handles
// never pass through closure serialization and one connection per cluster is shared there.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

/** The handlers module: by package name when installed, else by the path of this checkout. */
const providerModuleByPath = path.resolve(__dirname, "..", "provider", "index.js");

export function dynamicProvider(kind: string): pulumi.dynamic.ResourceProvider {
  const fallbackPath = providerModuleByPath;
  const load = (): pulumi.dynamic.ResourceProvider => {
    let mod: { handlers: Record<string, pulumi.dynamic.ResourceProvider> };
    try {
      mod = require("pulumi-ceph-openstack/provider");
    } catch {
      mod = require(fallbackPath);
    }
    const handler = mod.handlers[kind];
    if (!handler) throw new Error(`pulumi-ceph-openstack: no handler for resource type ${kind}`);
    return handler;
  };
  return {
    check: (olds, news) => load().check!(olds, news),
    diff: (id, olds, news) => load().diff!(id, olds, news),
    create: (inputs) => load().create(inputs),
    read: (id, props) => load().read!(id, props),
    update: (id, olds, news) => load().update!(id, olds, news),
    delete: (id, props) => load().delete!(id, props),
  };
}

/** Type tokens read "pulumi-nodejs:dynamic/ceph:RbdImage" in previews. */
export const MODULE = "ceph";

/**
 * Pulumi's `import` option does not reach dynamic providers (the engine's import read carries no
 * provider), so the SDK takes it out of the options and passes it as the `importId` input: the
 * provider's create then adopts the existing object, after checking it matches the declaration.
 */
export function takeImport(opts?: pulumi.CustomResourceOptions): {
  opts?: pulumi.CustomResourceOptions;
  importId?: pulumi.Input<string>;
} {
  if (!opts || opts.import === undefined) return { opts };
  const { import: importId, ...rest } = opts;
  return { opts: rest, importId };
}

/**
 * Who creates this resource's objects: "<project>/<stack>/<resource name>". The provider writes it
 * into the object (image metadata, pool application metadata, the libvirt secret's description) so
 * that a create repeated after a crash, or an `up` on a lost state, recognises its own objects.
 */
export function ownerOf(name: string): string {
  return `${pulumi.getProject()}/${pulumi.getStack()}/${name}`;
}
