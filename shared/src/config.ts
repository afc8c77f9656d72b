import type { Result } from './result.js';

/** A TCP listen or dial address. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Parses `HOST:PORT` (IPv6 as `[::1]:8001`); port 0 means "any free port" when listening. */
export function parseHostPort(value: string): Result<HostPort, string> {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value.trim());
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (match === null || host === undefined || host === '' || !Number.isInteger(port) || port > 65535) {
    return { ok: false, errors: `expected HOST:PORT (e.g. 127.0.0.1:8001), got "${value}"` };
  }
  return { ok: true, value: { host, port } };
}

/** Prints an address back as `HOST:PORT`, bracketing IPv6 hosts. */
export function formatHostPort(address: HostPort): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/** Parses a non-negative integer flag value. */
export function parseNonNegativeInt(value: string): Result<number, string> {
  const n = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(n) || n < 0) {
    return { ok: false, errors: `expected a non-negative integer, got "${value}"` };
  }
  return { ok: true, value: n };
}
