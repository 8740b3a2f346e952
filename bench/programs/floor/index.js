// The engine's floor: N dynamic resources whose handlers do nothing, with the same inputs as the
// RbdImage program (one provider object, so its closure is serialized once).
const pulumi = require("@pulumi/pulumi");
const config = new pulumi.Config();
const n = config.requireNumber("n");
const provider = {
  async create(inputs) {
    return { id: `${inputs.pool}/${inputs.name}`, outs: inputs };
  },
  async diff(_id, olds, news) {
    return { changes: olds.size !== news.size };
  },
  async update(_id, _olds, news) {
    return { outs: news };
  },
  async read(id, props) {
    return { id, props };
  },
  async delete() {},
};
class NoopImage extends pulumi.dynamic.Resource {
  constructor(name, args, opts) {
    super(provider, name, args, opts, "bench", "NoopImage");
  }
}
for (let i = 0; i < n; i++) new NoopImage(`img-${i}`, { pool: config.require("pool"), name: `floor-${i}`, size: `${config.requireNumber("sizeMiB")}MiB` });
