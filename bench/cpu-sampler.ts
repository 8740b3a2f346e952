// Loaded with NODE_OPTIONS="--require .../cpu-sampler.js" into the program and the provider host:
// a V8 CPU profile in 1-second chunks written to CPU_PROFILE_DIR, so a process the engine kills at
// the end (the provider host: SIGKILL, no exit handler runs) still leaves all but its last second.
// Chunks of 3 s lost whole phases shorter than that, and a destroy's last seconds. (`node
// --cpu-prof` writes only at a clean exit, and the language host rejects it in NODE_OPTIONS.)
import * as fs from "fs";
import * as inspector from "inspector";
import * as path from "path";

const dir = process.env.CPU_PROFILE_DIR;
const script = process.argv[1] ?? "";
const role = script.includes("dynamic-provider") ? "providerHost" : script.includes(path.join("cmd", "run")) ? "program" : undefined;
if (dir && role) {
  const session = new inspector.Session();
  session.connect();
  let seq = 0;
  const start = () => {
    session.post("Profiler.enable");
    session.post("Profiler.setSamplingInterval", { interval: 1000 });
    session.post("Profiler.start");
  };
  const flush = () => {
    session.post("Profiler.stop", (err, res) => {
      if (!err && res?.profile) fs.writeFileSync(path.join(dir, `${role}-${process.pid}-${seq++}.cpuprofile`), JSON.stringify(res.profile));
    });
  };
  start();
  setInterval(() => {
    flush();
    start();
  }, 1000).unref();
  process.on("exit", flush);
}
