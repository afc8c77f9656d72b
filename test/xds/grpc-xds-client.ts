// A real proxyless gRPC client (@grpc/grpc-js-xds) in a process of its own, so its bootstrap (read from the
// environment when `register()` runs) and its global resolver registration stay out of the test runner.
// Tests call `runXdsClient`, which runs this file as:
//   GRPC_XDS_BOOTSTRAP_CONFIG='{...}' node --import tsx test/xds/grpc-xds-client.ts TARGET PLAN
// where PLAN is JSON: [{ "calls": 200, "metadata": { "x-variant": "canary" } }, ...]. It prints one JSON
// line: for each step, how many calls each backend answered (the backend replies with its name), and what
// the client's own xDS client says of every resource it holds (CSDS, the status `grpcdebug` shows).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  addAdminServicesToServer,
  credentials,
  Client,
  Metadata,
  Server,
  ServerCredentials,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceError,
} from '@grpc/grpc-js';
import { register } from '@grpc/grpc-js-xds';
import { envoyRoot, formatHostPort, lookupMessage, type HostPort } from '@sesame/shared';

/** The method every test backend serves: an empty request, the backend's name as the reply. */
export const WHO_METHOD = '/sesame.test.Echo/Who';

const CSDS_METHOD = '/envoy.service.status.v3.ClientStatusDiscoveryService/FetchClientStatus';
const SCRIPT = fileURLToPath(import.meta.url);

/** One step of a client run: this many calls, one after the other, each with `metadata`. */
export interface XdsClientStep {
  readonly calls: number;
  readonly metadata?: Record<string, string>;
}

/** What the client's xDS client says of one resource it subscribed to. */
export interface XdsResourceStatus {
  readonly typeUrl: string;
  readonly name: string;
  /** ClientResourceStatus: REQUESTED, DOES_NOT_EXIST, ACKED or NACKED. */
  readonly status: string;
  /** Why the client rejected the resource, when it did. */
  readonly error?: string;
}

/** The outcome of a client run. */
export interface XdsClientRun {
  /** For each step of the plan, the calls each backend answered, by backend name. */
  readonly steps: Array<Record<string, number>>;
  readonly resources: XdsResourceStatus[];
}

/** A gRPC server on 127.0.0.1:0 that answers WHO_METHOD with `name`. */
export async function startWhoBackend(name: string): Promise<{ address: HostPort; close(): void }> {
  const server = new Server();
  server.register(
    WHO_METHOD,
    (_call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) =>
      callback(null, Buffer.from(name)),
    (b: Buffer) => b,
    (b: Buffer) => b,
    'unary',
  );
  const port = await bindLocal(server);
  return { address: { host: '127.0.0.1', port }, close: () => server.forceShutdown() };
}

/**
 * Runs this client in a child process against the xDS server `xdsServer` (plaintext, the proxyless port),
 * dialling `target` (`xds:///fqdn`); resolves when every call of `plan` succeeded, rejects when one failed.
 */
export function runXdsClient(
  xdsServer: HostPort,
  target: string,
  plan: readonly XdsClientStep[],
): Promise<XdsClientRun> {
  const bootstrap = {
    xds_servers: [
      {
        server_uri: formatHostPort(xdsServer),
        channel_creds: [{ type: 'insecure' }],
        server_features: ['xds_v3'],
      },
    ],
    // grpc-js-xds refuses a node without a locality, even an empty one.
    node: { id: 'proxyless-e2e', cluster: 'apps', locality: {} },
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, target, JSON.stringify(plan)], {
      env: { ...process.env, GRPC_XDS_BOOTSTRAP_CONFIG: JSON.stringify(bootstrap) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out) as XdsClientRun);
      else reject(new Error(`grpc-js-xds client exited with ${code}: ${err}`));
    });
  });
}

function bindLocal(server: Server): Promise<number> {
  return new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
      err === null ? resolve(p) : reject(err),
    ),
  );
}

function unary(client: Client, method: string, metadata: Metadata, deadlineMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      method,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.alloc(0),
      metadata,
      { deadline: Date.now() + deadlineMs },
      (err: ServiceError | null, reply?: Buffer) =>
        err === null ? resolve(reply ?? Buffer.alloc(0)) : reject(err),
    );
  });
}

function call(client: Client, metadata: Record<string, string> | undefined): Promise<Buffer> {
  const md = new Metadata({ waitForReady: true });
  for (const [k, v] of Object.entries(metadata ?? {})) md.set(k, v);
  return unary(client, WHO_METHOD, md, 15_000);
}

interface CsdsResponse {
  config?: Array<{
    generic_xds_configs?: Array<{
      type_url?: string;
      name?: string;
      client_status?: string;
      error_state?: { details?: string } | null;
    }>;
  }>;
}

/** Asks this process's xDS client for the state of its resources, over CSDS as an operator would. */
async function clientStatus(): Promise<XdsResourceStatus[]> {
  const server = new Server();
  // register() added CSDS to the admin services; a server on loopback exposes them.
  addAdminServicesToServer(server);
  const port = await bindLocal(server);
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  try {
    const reply = await unary(client, CSDS_METHOD, new Metadata(), 15_000);
    envoyRoot().loadSync('envoy/service/status/v3/csds.proto', { keepCase: true });
    const type = lookupMessage('envoy.service.status.v3.ClientStatusResponse');
    const response = type.toObject(type.decode(reply), { enums: String }) as CsdsResponse;
    return (response.config ?? []).flatMap((c) =>
      (c.generic_xds_configs ?? []).map((r) => ({
        // grpc-js-xds names types without the `type.googleapis.com/` prefix that type URLs carry.
        typeUrl: typeUrl(r.type_url ?? ''),
        name: r.name ?? '',
        status: r.client_status ?? 'UNKNOWN',
        ...(r.error_state?.details === undefined ? {} : { error: r.error_state.details }),
      })),
    );
  } finally {
    client.close();
    server.forceShutdown();
  }
}

function typeUrl(name: string): string {
  return name === '' || name.includes('/') ? name : `type.googleapis.com/${name}`;
}

async function run(target: string, plan: readonly XdsClientStep[]): Promise<void> {
  register();
  const client = new Client(target, credentials.createInsecure());
  try {
    const steps: Array<Record<string, number>> = [];
    try {
      for (const step of plan) {
        const counts: Record<string, number> = {};
        for (let i = 0; i < step.calls; i++) {
          const who = (await call(client, step.metadata)).toString();
          counts[who] = (counts[who] ?? 0) + 1;
        }
        steps.push(counts);
      }
    } catch (err) {
      // A rejected resource usually shows up as calls that never resolve: say which one, and why.
      const resources = await clientStatus().catch(() => []);
      const message = `${(err as Error).message}; xDS resources: ${JSON.stringify(resources)}`;
      throw new Error(message, { cause: err });
    }
    const result: XdsClientRun = { steps, resources: await clientStatus() };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    client.close();
  }
}

const [target, plan] = process.argv.slice(2);
if (target !== undefined && plan !== undefined && process.env['GRPC_XDS_BOOTSTRAP_CONFIG'] !== undefined) {
  run(target, JSON.parse(plan) as XdsClientStep[]).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
