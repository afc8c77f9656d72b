// The child-process side of a fleet: `node --import tsx test/fleet/fleet-process.ts`, forked with an IPC
// channel by fleet-handle.ts. Thousands of TLS connections and their decoding then cost the test or benchmark
// process nothing, and the fleet's CPU and memory can be measured on their own. Exits when the parent goes.
import { createFleet, type Fleet } from './fleet.js';
import { createMemorySampler, type MemorySampler } from './fleet-memory.js';
import type { FleetReply, FleetRequest } from './fleet-protocol.js';

let fleet: Fleet | undefined;
let sampler: MemorySampler | undefined;

/**
 * Received responses arrive as many small HTTP/2 chunks; with thousands of streams they can outlive a
 * young-generation collection, so their buffers (external memory, not heap) wait for a full collection that a
 * small heap seldom triggers (with a grpc-js client, which held chunks until a message was whole, a fleet of
 * 200 Envoys on a 14 MiB configuration held 1.5 GiB of dead buffers). Collect when dead buffers pile up.
 */
const BUFFER_LIMIT_BYTES = 256 * 2 ** 20;
const collect = (globalThis as { gc?: () => void }).gc;
if (collect !== undefined) {
  setInterval(() => {
    if (process.memoryUsage().arrayBuffers > BUFFER_LIMIT_BYTES) collect();
  }, 100).unref();
}

function reply(message: FleetReply): void {
  process.send?.(message);
}

function need(): Fleet {
  if (fleet === undefined) throw new Error('the fleet was not created');
  return fleet;
}

async function handle(request: FleetRequest): Promise<unknown> {
  switch (request.op) {
    case 'create':
      fleet = createFleet(request.options);
      return process.pid;
    case 'start':
      return need().start();
    case 'summary':
      return need().summary();
    case 'states':
      return need().states();
    case 'arm': {
      const done = need().arm(request.spec, request.timeoutMs);
      // Armed now: the parent may make its change. The result follows under the same id.
      void done.then((result) => reply({ id: request.id, final: result }));
      return 'armed';
    }
    case 'set-servers':
      need().setServers(request.servers);
      return null;
    case 'disconnect':
      need().disconnect(request.count);
      return null;
    case 'memory':
      return (sampler ??= createMemorySampler()).read(request.reset);
    case 'close':
      sampler?.close();
      fleet?.close();
      fleet = undefined;
      return null;
  }
}

if (process.send !== undefined) {
  process.on('message', (request: FleetRequest) => {
    handle(request).then(
      (value) => reply({ id: request.id, ok: true, value }),
      (err: unknown) => reply({ id: request.id, ok: false, error: (err as Error).message }),
    );
  });
  // The parent went away (or closed the channel): nothing is left to report to.
  process.on('disconnect', () => {
    fleet?.close();
    process.exit(0);
  });
}
