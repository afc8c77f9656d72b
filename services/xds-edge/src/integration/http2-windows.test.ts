// The HTTP/2 receive windows the edge grants, as a client sees them on the wire (they rely on grpc-js
// internals, so this is what tells a grpc-js upgrade broke them). Real sockets on 127.0.0.1:0.
import { connect, type ClientHttp2Session } from 'node:http2';
import { describe, expect, it } from 'vitest';
import { createTestPki, EDGE_SERVER_NAME, type TestPki } from '../../../../test/tls/pki.js';
import { startEdgeHarness, type EdgeHarness } from '../../../../test/xds/edge-harness.js';
import type { EdgeOptions } from '../edge.js';
import { DEFAULT_LIMITS } from '../transport/credentials.js';

/** Opens a mutual-TLS HTTP/2 session to the edge and waits for the server's SETTINGS. */
async function session(h: EdgeHarness, pki: TestPki): Promise<ClientHttp2Session> {
  const s = connect(`https://127.0.0.1:${h.edge.address.port}`, {
    ca: pki.client.ca,
    cert: pki.client.cert,
    key: pki.client.key,
    servername: EDGE_SERVER_NAME,
  });
  await new Promise<void>((resolve, reject) => {
    s.once('remoteSettings', () => resolve());
    s.once('error', reject);
  });
  return s;
}

/** Polls `read` until it returns `want` or the deadline passes; returns the last value read. */
async function eventually(read: () => number | undefined, want: number): Promise<number | undefined> {
  const deadline = Date.now() + 5_000;
  let value = read();
  while (value !== want && Date.now() < deadline) {
    await new Promise((resolve) => setImmediate(resolve));
    value = read();
  }
  return value;
}

/** Connects to an edge with `limits` and hands the session to `check`; closes everything after. */
async function withSession(
  limits: EdgeOptions['limits'],
  check: (s: ClientHttp2Session) => Promise<void>,
): Promise<void> {
  const pki = await createTestPki();
  const h = await startEdgeHarness({ pki, limits });
  try {
    const s = await session(h, pki);
    try {
      await check(s);
    } finally {
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  } finally {
    await h.close();
    await pki.cleanup();
  }
}

describe('edge HTTP/2 windows', () => {
  it('lets a client send a whole large ACK without waiting for window updates', async () => {
    await withSession(undefined, async (s) => {
      expect(s.remoteSettings.initialWindowSize).toBe(DEFAULT_LIMITS.streamWindowBytes);
      expect(s.remoteSettings.maxConcurrentStreams).toBe(DEFAULT_LIMITS.maxConcurrentStreams);
      // The connection window: the server's grant arrives as a WINDOW_UPDATE right after its SETTINGS.
      const window = await eventually(() => s.state.remoteWindowSize, DEFAULT_LIMITS.connectionWindowBytes);
      expect(window).toBe(DEFAULT_LIMITS.connectionWindowBytes);
    });
  });

  it('keeps the windows configurable, down to HTTP/2 defaults', async () => {
    await withSession({ streamWindowBytes: 65_535, connectionWindowBytes: 65_535 }, (s) => {
      expect(s.remoteSettings.initialWindowSize).toBe(65_535);
      expect(s.state.remoteWindowSize).toBe(65_535);
      return Promise.resolve();
    });
  });
});
