// This project: N RbdImages in one existing pool.
const pulumi = require("@pulumi/pulumi");
const ceph = require("pulumi-ceph-openstack");
const config = new pulumi.Config();
const n = config.requireNumber("n");
const cluster = new ceph.CephCluster({ conf: config.require("conf"), label: "bench" });
for (let i = 0; i < n; i++) new ceph.RbdImage(`img-${i}`, { cluster, pool: config.require("pool"), name: `ceph-${i}`, size: `${config.requireNumber("sizeMiB")}MiB` });
