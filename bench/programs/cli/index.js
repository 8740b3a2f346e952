// The CLI way (what people write with @pulumi/command, whose plugin cannot be built here): a
// dynamic provider whose handlers spawn the rbd CLI, one process per operation.
const pulumi = require("@pulumi/pulumi");
const config = new pulumi.Config();
const n = config.requireNumber("n");
const provider = {
  async create(inputs) {
    const { execFile } = require("child_process");
    const rbd = (...args) =>
      new Promise((resolve, reject) => execFile("rbd", ["-c", inputs.conf, ...args], (e, out) => (e ? reject(e) : resolve(out))));
    await rbd("create", "--size", inputs.size, `${inputs.pool}/${inputs.name}`);
    const info = JSON.parse(await rbd("info", "--format", "json", `${inputs.pool}/${inputs.name}`));
    return { id: `${inputs.pool}/${inputs.name}`, outs: { ...inputs, imageId: info.id, bytes: info.size } };
  },
  async diff(_id, olds, news) {
    return { changes: olds.size !== news.size };
  },
  async update(_id, olds, news) {
    const { execFile } = require("child_process");
    const rbd = (...args) =>
      new Promise((resolve, reject) => execFile("rbd", ["-c", news.conf, ...args], (e, out) => (e ? reject(e) : resolve(out))));
    await rbd("resize", "--no-progress", "--size", news.size, `${news.pool}/${news.name}`);
    const info = JSON.parse(await rbd("info", "--format", "json", `${news.pool}/${news.name}`));
    return { outs: { ...news, imageId: info.id, bytes: info.size } };
  },
  async read(id, props) {
    const { execFile } = require("child_process");
    const rbd = (...args) =>
      new Promise((resolve, reject) => execFile("rbd", ["-c", props.conf, ...args], (e, out) => (e ? reject(e) : resolve(out))));
    const info = JSON.parse(await rbd("info", "--format", "json", `${props.pool}/${props.name}`));
    return { id, props: { ...props, imageId: info.id, bytes: info.size } };
  },
  async delete(_id, props) {
    const { execFile } = require("child_process");
    await new Promise((resolve, reject) =>
      execFile("rbd", ["-c", props.conf, "rm", "--no-progress", `${props.pool}/${props.name}`], (e) => (e ? reject(e) : resolve())),
    );
  },
};
class CliImage extends pulumi.dynamic.Resource {
  constructor(name, args, opts) {
    super(provider, name, args, opts, "bench", "CliImage");
  }
}
for (let i = 0; i < n; i++) {
  new CliImage(`img-${i}`, { conf: config.require("conf"), pool: config.require("pool"), name: `cli-${i}`, size: String(config.requireNumber("sizeMiB")) });
}
