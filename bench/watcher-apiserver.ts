// The API server side of `npm run bench -- watcher`, in its own process (forked by watcher.ts over IPC) so the
// watcher's timings and CPU are its own: the test fixture seeded with N routable HTTPProxies, changing one
// object on command and reporting when it did.
import { createKubeApiServer, type KubeApiServer } from '../test/kube-api/index.js';
import { endpointSlice, namespaceOf, seedProxies } from '../test/watcher-kube/objects.js';

/** Messages from the parent. */
export type ApiServerCommand =
  | { kind: 'start'; proxies: number; dir: string }
  | { kind: 'change'; what: 'proxy' | 'endpoints'; index: number; generation: number }
  | { kind: 'stats' }
  | { kind: 'close' };

/** Messages to the parent. */
export type ApiServerReport =
  | { kind: 'started'; kubeconfig: string }
  | { kind: 'changed'; atMs: number }
  | { kind: 'stats'; statusWrites: number; cpuMs: number }
  | { kind: 'error'; message: string };

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes on one machine. */
export const nowMs = (): number => performance.timeOrigin + performance.now();

let server: KubeApiServer | undefined;
const reply = (report: ApiServerReport): void => void process.send?.(report);

async function handle(command: ApiServerCommand): Promise<void> {
  switch (command.kind) {
    case 'start': {
      server = await createKubeApiServer({ bookmarkIntervalMs: 0 });
      seedProxies(server, command.proxies);
      reply({ kind: 'started', kubeconfig: await server.writeKubeconfig(command.dir) });
      return;
    }
    case 'change': {
      const { index: i, generation } = command;
      if (command.what === 'proxy') {
        const fqdn = `p${i}-g${generation}.example.com`;
        server?.patch(
          'httpproxies',
          { namespace: namespaceOf(i), name: `proxy-${i}` },
          { spec: { virtualhost: { fqdn } } },
        );
      } else {
        const { endpoints } = endpointSlice(i, generation) as { endpoints: unknown };
        server?.patch('endpointslices', { namespace: namespaceOf(i), name: `svc-${i}-abcde` }, { endpoints });
      }
      reply({ kind: 'changed', atMs: nowMs() });
      return;
    }
    case 'stats': {
      const cpu = process.cpuUsage();
      reply({
        kind: 'stats',
        statusWrites: server?.count({ verb: 'update', resource: 'httpproxies/status' }) ?? 0,
        cpuMs: (cpu.user + cpu.system) / 1000,
      });
      return;
    }
    case 'close':
      await server?.close();
      process.exit(0);
  }
}

process.on('message', (command: ApiServerCommand) => {
  handle(command).catch((err: unknown) => reply({ kind: 'error', message: String(err) }));
});
