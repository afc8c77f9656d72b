// The child-process side of a fleet: `node --import tsx test/fleet/fleet-process.ts`, forked with an IPC
// channel by fleet-handle.ts. Thousands of TLS connections and their decoding then cost the test or benchmark
// process nothing, and the fleet's CPU and memory can be measured on their own. Exits when the parent goes.
import { createFleet, type Fleet } from './fleet.js';
import type { FleetReply, FleetRequest } from './fleet-protocol.js';

let fleet: Fleet | undefined;

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
    case 'close':
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
