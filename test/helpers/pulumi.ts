// Drives the real Pulumi CLI (built by scripts/setup.sh) on a program directory, with a
// throwaway file backend and stack per test, and returns what it printed.
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { repoRoot } from "./cluster";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestStack {
  name: string;
  programDir: string;
  backendDir: string;
  /** The environment the CLI runs with (backend, passphrase, PATH with the project's pulumi). */
  env: NodeJS.ProcessEnv;
  /** Sets the `spec` config (JSON) that test programs read. */
  setSpec(spec: unknown): Promise<void>;
  /** Runs `pulumi ARGS --stack NAME --non-interactive` in the program dir. */
  run(args: string[], opts?: { expectFailure?: boolean; timeoutMs?: number; input?: string }): Promise<CliResult>;
  /** Sets a config value; the value goes to `pulumi config set` on stdin, never on its command line. */
  setConfig(key: string, value: string, opts?: { secret?: boolean }): Promise<void>;
  up(): Promise<CliResult>;
  outputs(): Promise<Record<string, any>>;
  /** The resources in the stack's state (from `stack export`), secrets decrypted. */
  resources(): Promise<Array<{ urn: string; type: string; id?: string; outputs: Record<string, any>; inputs: Record<string, any> }>>;
  /** Every byte the engine persisted for this stack (checkpoint files), for secret-leak checks. */
  stateText(): string;
  /** Removes the stack and its backend (after destroy). */
  remove(): Promise<void>;
  /** For afterAll: destroys whatever the stack still holds (best effort), then removes it. */
  teardown(): Promise<void>;
}

let counter = 0;

export async function createStack(programDir: string, prefix = "test"): Promise<TestStack> {
  const name = `${prefix}-${process.pid}-${++counter}`;
  const backendDir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-backend-"));
  // The language host leaves its pipe directories in TMPDIR: keep them where remove() cleans up.
  const tmpDir = path.join(backendDir, "tmp");
  fs.mkdirSync(tmpDir);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${path.join(repoRoot, ".tools", "bin")}:${process.env.PATH}`,
    PULUMI_HOME: path.join(repoRoot, ".tools", "pulumi-home"),
    PULUMI_BACKEND_URL: `file://${backendDir}`,
    PULUMI_CONFIG_PASSPHRASE: "test-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    NO_COLOR: "1",
    TMPDIR: tmpDir,
  };
  const run = (args: string[], opts: { expectFailure?: boolean; timeoutMs?: number; input?: string } = {}) =>
    new Promise<CliResult>((resolve, reject) => {
      const child = execFile(
        "pulumi",
        [...args, "--stack", name, "--non-interactive", "--color", "never"],
        { cwd: programDir, env, timeout: opts.timeoutMs ?? 300_000, maxBuffer: 64 * 2 ** 20, encoding: "utf8" },
        (err, stdout, stderr) => {
          const code = err ? (typeof (err as any).code === "number" ? (err as any).code : 1) : 0;
          const result = { code, stdout, stderr };
          if (code !== 0 && !opts.expectFailure) {
            reject(new Error(`pulumi ${args.join(" ")} exited ${code}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`));
          } else if (code === 0 && opts.expectFailure) {
            reject(new Error(`pulumi ${args.join(" ")} succeeded but was expected to fail\n${stdout}\n${stderr}`));
          } else {
            resolve(result);
          }
        },
      );
      child.stdin?.end(opts.input ?? "");
    });
  const remove = async () => {
    await run(["stack", "rm", "--yes", "--force"]).catch(() => undefined);
    fs.rmSync(backendDir, { recursive: true, force: true });
    fs.rmSync(path.join(programDir, `Pulumi.${name}.yaml`), { force: true });
  };
  // `stack init` takes --stack too.
  await run(["stack", "init"]);
  return {
    name,
    programDir,
    backendDir,
    env,
    run,
    async setSpec(spec) {
      await run(["config", "set", "spec", JSON.stringify(spec), "--plaintext"]);
    },
    async setConfig(key, value, opts = {}) {
      // Without a value argument `pulumi config set` reads it from stdin (keys stay out of argv).
      await run(["config", "set", key, ...(opts.secret ? ["--secret"] : ["--plaintext"])], { input: value });
    },
    up: () => run(["up", "--yes", "--skip-preview"]),
    async outputs() {
      const r = await run(["stack", "output", "--json", "--show-secrets"]);
      return JSON.parse(r.stdout);
    },
    async resources() {
      const r = await run(["stack", "export", "--show-secrets"]);
      return unwrapSecrets(JSON.parse(r.stdout).deployment.resources ?? []);
    },
    stateText() {
      const texts: string[] = [];
      const walk = (dir: string) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
          const p = path.join(dir, e.name);
          if (p === tmpDir) continue; // the engine's scratch space (pipes), not state
          if (e.isDirectory()) walk(p);
          else if (e.isFile()) texts.push(fs.readFileSync(p, "utf8"));
        }
      };
      walk(backendDir);
      return texts.join("\n");
    },
    async teardown() {
      await run(["config", "set", "spec", "{}", "--plaintext"]).catch(() => undefined);
      await run(["destroy", "--yes", "--skip-preview"]).catch(() => undefined);
      await remove();
    },
    remove,
  };
}

/** `stack export --show-secrets` keeps secrets wrapped ({ <sig>: ..., plaintext: "<json>" }): unwrap them. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
function unwrapSecrets(value: any): any {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === "object") {
    if (SECRET_SIG in value && "plaintext" in value) return unwrapSecrets(JSON.parse(value.plaintext));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}
