// A real proxyless gRPC client (@grpc/grpc-js-xds) in a process of its own, so its bootstrap (read from the
// environment when `register()` runs) and its global resolver registration stay out of the test runner.
// Run as: GRPC_XDS_BOOTSTRAP_CONFIG='{...}' node --import tsx test/xds/grpc-xds-client.ts TARGET PLAN
// where PLAN is JSON: [{ "calls": 200, "metadata": { "x-variant": "canary" } }, ...]. It prints one JSON
// line: for each step, how many calls each backend answered (the backend replies with its name).
import { credentials, Client, Metadata, type ServiceError } from '@grpc/grpc-js';
import { register } from '@grpc/grpc-js-xds';

/** The method every test backend serves: an empty request, the backend's name as the reply. */
export const WHO_METHOD = '/sesame.test.Echo/Who';

interface Step {
  readonly calls: number;
  readonly metadata?: Record<string, string>;
}

function call(client: Client, metadata: Record<string, string> | undefined): Promise<string> {
  const md = new Metadata({ waitForReady: true });
  for (const [k, v] of Object.entries(metadata ?? {})) md.set(k, v);
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      WHO_METHOD,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.alloc(0),
      md,
      { deadline: Date.now() + 15_000 },
      (err: ServiceError | null, reply?: Buffer) =>
        err === null ? resolve(reply?.toString() ?? '') : reject(err),
    );
  });
}

async function run(target: string, plan: readonly Step[]): Promise<void> {
  register();
  const client = new Client(target, credentials.createInsecure());
  try {
    const results: Array<Record<string, number>> = [];
    for (const step of plan) {
      const counts: Record<string, number> = {};
      for (let i = 0; i < step.calls; i++) {
        const who = await call(client, step.metadata);
        counts[who] = (counts[who] ?? 0) + 1;
      }
      results.push(counts);
    }
    process.stdout.write(`${JSON.stringify(results)}\n`);
  } finally {
    client.close();
  }
}

const [target, plan] = process.argv.slice(2);
if (target !== undefined && plan !== undefined && process.env['GRPC_XDS_BOOTSTRAP_CONFIG'] !== undefined) {
  run(target, JSON.parse(plan) as Step[]).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
