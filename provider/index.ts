// The dynamic-provider handlers, loaded by name inside Pulumi's provider host process
// (see sdk/dynamic.ts). Nothing here runs in the user's program process.
import type * as pulumi from "@pulumi/pulumi";
import { rbdImageProvider } from "./rbdImage";

export const handlers: Record<string, pulumi.dynamic.ResourceProvider> = {
  RbdImage: rbdImageProvider,
};
