import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeMessage } from '../codec.js';
import { TypeUrl } from '../type-urls.js';
import { encodeChecked } from './checked-encode.js';
import { encodeSpliced, encodeSplicedItems } from './splice.js';
import { SplicedItems } from './spliced-items.js';

const VIRTUAL_HOST = 'envoy.config.route.v3.VirtualHost';
const SHELL = { name: 'x', ignore_port_in_host_matching: true };
const virtualHost = (fqdn: string): Record<string, unknown> => ({ name: fqdn, domains: [fqdn] });

function encoded(fqdn: string): Uint8Array {
  const r = encodeChecked(VIRTUAL_HOST, virtualHost(fqdn));
  if (!r.ok) throw new Error(r.errors.join());
  return r.value;
}

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

describe('SplicedItems', () => {
  it('gives the bytes of the whole message after any sequence of sets and removals', () => {
    // Enough keys that blocks split, empty out and get removed.
    const key = fc.integer({ min: 0, max: 400 }).map((n) => `h${n}.example.com`);
    fc.assert(
      fc.property(fc.array(fc.tuple(key, fc.boolean()), { maxLength: 1500 }), (ops) => {
        const items = new SplicedItems(TypeUrl.RouteConfiguration, 'virtual_hosts');
        const reference = new Set<string>();
        for (const [fqdn, present] of ops) {
          items.set(fqdn, present ? encoded(fqdn) : undefined);
          if (present) reference.add(fqdn);
          else reference.delete(fqdn);
        }
        const ordered = [...reference].sort(byCodeUnits);
        expect(items.size).toBe(ordered.length);
        const spliced = encodeSplicedItems(SHELL, items);
        const whole = encodeMessage(TypeUrl.RouteConfiguration, {
          ...SHELL,
          virtual_hosts: ordered.map(virtualHost),
        });
        expect(spliced.ok && Buffer.from(spliced.value).equals(whole)).toBe(true);
        const flat = encodeSpliced(TypeUrl.RouteConfiguration, SHELL, 'virtual_hosts', items.items());
        expect(flat.ok && Buffer.from(flat.value).equals(whole)).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it('re-encodes only the block of a replaced item', () => {
    const items = new SplicedItems(TypeUrl.RouteConfiguration, 'virtual_hosts');
    for (let i = 0; i < 300; i++) items.set(`h${String(i).padStart(3, '0')}`, encoded(`h${i}`));
    const before = items.chunks();
    items.set('h150', encoded('changed.example.com'));
    const after = items.chunks();
    expect(after.length).toBe(before.length);
    expect(after.filter((chunk, i) => chunk !== before[i])).toHaveLength(1);
    expect(items.items()).toHaveLength(300);
  });

  it('refuses a field that is not a repeated message, and checks the shell', () => {
    expect(() => new SplicedItems(TypeUrl.RouteConfiguration, 'name')).toThrow(/not a repeated message/);
    const items = new SplicedItems(TypeUrl.RouteConfiguration, 'virtual_hosts');
    expect(encodeSplicedItems({ name: 5 }, items)).toEqual({
      ok: false,
      errors: ['name: expected string, got 5'],
    });
  });
});
