// Where Kubernetes delivery goes: a @pulumi/kubernetes provider (or a kubeconfig to make one) and a
// namespace, plus the recommended labels every object gets.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

export interface KubernetesTarget {
  /**
   * The provider to create objects with. For key rotation to update Secrets in place (rather than
   * delete and recreate them) make it with `enableSecretMutable: true`, as `kubeconfig` does.
   */
  provider?: k8s.Provider;
  /** A kubeconfig (path or contents) to make a provider from, when no provider is given (kept a Pulumi secret). */
  kubeconfig?: pulumi.Input<string>;
  /** Namespace of the ConfigMaps and Secrets (the services' namespace, e.g. "openstack"). */
  namespace: pulumi.Input<string>;
  /** Extra labels on every object. */
  labels?: Record<string, string>;
}

/** app.kubernetes.io labels (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/). */
export function standardLabels(opts: { partOf: string; component: string; instance: string; extra?: Record<string, string> }) {
  return {
    "app.kubernetes.io/managed-by": "pulumi",
    "app.kubernetes.io/part-of": opts.partOf,
    "app.kubernetes.io/name": "ceph-client",
    "app.kubernetes.io/component": opts.component,
    "app.kubernetes.io/instance": opts.instance,
    ...opts.extra,
  };
}

/**
 * Annotations every delivered object carries: these objects are declared here, so an edit made out
 * of band (another field manager now owns a field) is drift that `up` takes back, not a
 * server-side-apply conflict that fails the preview.
 */
export const MANAGED_ANNOTATIONS = { "pulumi.com/patchForce": "true" } as const;

/** Resource options that put a child object on the target's provider. */
export function targetOptions(target: KubernetesTarget, parent: pulumi.Resource, name: string): pulumi.CustomResourceOptions {
  return { parent, provider: target.provider ?? ownProvider(target, parent, name) };
}

const madeProviders = new WeakMap<KubernetesTarget, k8s.Provider>();

function ownProvider(target: KubernetesTarget, parent: pulumi.Resource, name: string): k8s.Provider {
  let provider = madeProviders.get(target);
  if (!provider) {
    if (target.kubeconfig === undefined) throw new Error(`${name}: the Kubernetes target needs a provider or a kubeconfig`);
    // A kubeconfig's text holds credentials: kept a secret, or the state would hold them in plain text.
    const kubeconfig = pulumi.secret(target.kubeconfig);
    provider = new k8s.Provider(`${name}-k8s`, { kubeconfig, enableSecretMutable: true }, { parent });
    madeProviders.set(target, provider);
  }
  return provider;
}

/** A Secret's `data` value: Kubernetes base64-encodes the bytes; the key stays a Pulumi secret. */
export function secretData(value: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.secret(pulumi.output(value).apply((v) => Buffer.from(v, "utf8").toString("base64")));
}
