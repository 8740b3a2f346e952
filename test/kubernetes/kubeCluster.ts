// Starts and stops a throwaway Kubernetes control plane (scripts/kube-cluster.sh) for one test
// file, and talks to its API directly so tests check results independently of the provider.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as path from "path";
import { repoRoot } from "../helpers/cluster";

const script = path.join(repoRoot, "scripts", "kube-cluster.sh");

export interface TestKube {
  kubeconfig: string;
  dir: string;
  server: string;
  /** One API call; resolves with the status code and the parsed body. */
  api(method: string, apiPath: string, body?: unknown, contentType?: string): Promise<{ status: number; body: any }>;
  /** GET that must succeed. */
  get(apiPath: string): Promise<any>;
  createNamespace(name: string): Promise<void>;
  stop(): void;
}

export function startKube(): TestKube {
  // STOP_WITH_PID: if this process dies without stop() (a killed run), the script's watcher stops the control plane.
  const env = { ...process.env, STOP_WITH_PID: String(process.pid) };
  const out = execFileSync("bash", [script, "start"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 180_000, env });
  const vars: Record<string, string> = {};
  for (const line of out.split("\n")) {
    const m = /^(KUBE[A-Z_]*)=(.*)$/.exec(line.trim());
    if (m) vars[m[1]] = m[2];
  }
  const dir = vars.KUBE_DIR;
  if (!dir || !vars.KUBECONFIG) throw new Error(`kube-cluster.sh printed no KUBECONFIG:\n${out}`);
  const ca = fs.readFileSync(path.join(dir, "pki", "apiserver.crt"));
  const token = /token: (\S+)/.exec(fs.readFileSync(vars.KUBECONFIG, "utf8"))![1];
  const server = new URL(vars.KUBE_SERVER);
  const api = (method: string, apiPath: string, body?: unknown, contentType = "application/json") =>
    new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = https.request(
        {
          host: server.hostname,
          port: server.port,
          path: apiPath,
          method,
          ca,
          headers: { Authorization: `Bearer ${token}`, "Content-Type": contentType, Accept: "application/json" },
          timeout: 30_000,
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (c) => (text += c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
        },
      );
      req.on("timeout", () => req.destroy(new Error(`kube API ${method} ${apiPath}: no answer in 30 s`)));
      req.on("error", reject);
      if (body !== undefined) req.write(JSON.stringify(body));
      req.end();
    });
  let stopped = false;
  return {
    kubeconfig: vars.KUBECONFIG,
    dir,
    server: vars.KUBE_SERVER,
    api,
    async get(apiPath) {
      const r = await api("GET", apiPath);
      if (r.status !== 200) throw new Error(`GET ${apiPath}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
    async createNamespace(name) {
      const r = await api("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name } });
      if (r.status !== 201) throw new Error(`create namespace ${name}: ${r.status} ${JSON.stringify(r.body)}`);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      execFileSync("bash", [script, "stop", dir], { stdio: "ignore" });
    },
  };
}
