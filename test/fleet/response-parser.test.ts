import { lookupMessage, TypeUrl, type Resource } from '@sesame/shared';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { cluster, endpoints, listener, routeConfig } from '../xds/resources.js';
import { createResponseParser } from './response-parser.js';
import type { Keep, ResponseSink, StreamedResponse } from './response-sink.js';
import { grpcFrame } from './stalled-envoy.js';
import { contentDigest, parseResponse, type WireResponse } from './wire.js';

const RESPONSE = 'envoy.service.discovery.v3.DiscoveryResponse';

/** A response encoded by protobufjs, fields in its (field number) order. */
function encodeResponse(o: Record<string, unknown>): Buffer {
  const type = lookupMessage(RESPONSE);
  return Buffer.from(type.encode(type.fromObject(o)).finish());
}

const any = (r: Resource): { type_url: string; value: Uint8Array } => ({
  type_url: r.typeUrl,
  value: r.body,
});

/** Raw protobuf pieces, to put fields where an encoder would not. */
const raw = {
  bytes: (field: number, value: Uint8Array | string): Buffer => {
    const w = protobuf.Writer.create();
    w.uint32((field << 3) | 2);
    if (typeof value === 'string') w.string(value);
    else w.bytes(value);
    return Buffer.from(w.finish());
  },
  varint: (field: number, value: number): Buffer =>
    Buffer.from(
      protobuf.Writer.create()
        .uint32(field << 3)
        .uint64(value)
        .finish(),
    ),
  /** A fixed64 (wire type 1) or fixed32 (wire type 5) field. */
  fixed: (field: number, size: 4 | 8): Buffer => {
    const w = protobuf.Writer.create().uint32((field << 3) | (size === 8 ? 1 : 5));
    return Buffer.from((size === 8 ? w.fixed64(7) : w.fixed32(7)).finish());
  },
};

/** An Any whose value comes first, with unknown fields around it. */
function oddAny(typeUrl: string, body: Buffer): Buffer {
  return Buffer.concat([raw.varint(9, 300), raw.bytes(2, body), raw.fixed(8, 4), raw.bytes(1, typeUrl)]);
}

const cla = endpoints('svc-a', { ports: [9001] });
const big = routeConfig('ingress_http', { cluster: 'a' });
// A cluster whose name is not its first field, with unknown fields before it.
const clusterBody = Buffer.from(cluster('late-name', { serviceName: 'svc-late' }).body);
const lateName = Buffer.concat([
  raw.fixed(200, 8),
  raw.varint(201, 2 ** 40),
  raw.bytes(202, 'x'),
  clusterBody,
]);

/** Messages, each as bytes of one DiscoveryResponse. */
const messages: Record<string, Buffer> = {
  'protobufjs order': encodeResponse({
    version_info: 'v1',
    resources: [
      any(cla),
      any(cluster('a', { serviceName: 'svc-a' })),
      any(listener('ingress_http')),
      any(big),
    ],
    type_url: TypeUrl.ClusterLoadAssignment,
    nonce: 'n1',
  }),
  'envelope last, as the edge writes it': Buffer.concat([
    encodeResponse({ resources: [any(cla), any(endpoints('svc-b'))] }),
    encodeResponse({ version_info: 'v2', type_url: TypeUrl.ClusterLoadAssignment, nonce: 'n2' }),
  ]),
  'fields interleaved, repeated and unknown': Buffer.concat([
    raw.bytes(5, 'first-nonce'),
    raw.bytes(2, oddAny(TypeUrl.Cluster, lateName)),
    raw.varint(3, 1),
    raw.bytes(1, 'v0'),
    raw.fixed(77, 8),
    raw.bytes(2, oddAny(TypeUrl.Cluster, Buffer.from(cluster('b').body))),
    raw.bytes(6, encodeResponse({ version_info: 'not-ours' })),
    raw.bytes(4, TypeUrl.Cluster),
    raw.fixed(78, 4),
    raw.bytes(1, 'v3'),
    raw.bytes(5, 'n3'),
  ]),
  'empty resources and empty fields': Buffer.concat([
    raw.bytes(2, Buffer.alloc(0)),
    raw.bytes(2, raw.bytes(1, TypeUrl.Secret)),
    raw.bytes(2, raw.bytes(2, Buffer.alloc(0))),
    raw.bytes(2, raw.bytes(2, raw.varint(1, 5))),
    raw.bytes(1, ''),
    raw.bytes(4, TypeUrl.Secret),
  ]),
  'no resources': encodeResponse({ version_info: 'v4', type_url: TypeUrl.Listener, nonce: 'n4' }),
  'empty message': Buffer.alloc(0),
};

/** What a test sink saw of one resource; `fields` only when kept field by field. */
interface Seen {
  name: string;
  body: Buffer | undefined;
  fields?: Buffer[];
}

/** Runs `chunks` through a parser whose sinks keep what `keep` says; returns what the sinks saw. */
function run(
  chunks: readonly Buffer[],
  keep: (typeUrl: string | undefined, name: string) => Keep = () => 'body',
): Array<{ response: StreamedResponse; resources: Seen[] }> {
  const out: Array<{ response: StreamedResponse; resources: Seen[] }> = [];
  const parser = createResponseParser({
    digest: true,
    onError: (message) => {
      throw new Error(message);
    },
    begin: (): ResponseSink => {
      const resources: Seen[] = [];
      let fields: Buffer[] | undefined;
      return {
        keep,
        fields: (_typeUrl, _name, bytes) => (fields ??= []).push(Buffer.from(bytes)),
        resource: (_typeUrl, name, body) => {
          resources.push({ name, body, ...(fields === undefined ? {} : { fields }) });
          fields = undefined;
        },
        end: (response) => out.push({ response, resources }),
      };
    },
  });
  for (const c of chunks) parser.push(c);
  return out;
}

/** What parseResponse makes of the whole message, in the parser's terms. */
function expected(message: Buffer): { response: StreamedResponse; wire: WireResponse } {
  const wire = parseResponse(message);
  return {
    wire,
    response: {
      typeUrl: wire.typeUrl,
      versionInfo: wire.versionInfo,
      nonce: wire.nonce,
      bytes: wire.bytes,
      count: wire.resources.length,
      digest: contentDigest(wire.resources),
    },
  };
}

/** Every way of cutting `bytes` in two, and in 1-byte chunks. */
function* splits(bytes: Buffer): Generator<Buffer[]> {
  for (let i = 0; i <= bytes.length; i++) yield [bytes.subarray(0, i), bytes.subarray(i)];
  yield [...bytes].map((b) => Buffer.from([b]));
}

describe('streaming response parser', () => {
  for (const [label, message] of Object.entries(messages)) {
    it(`reads "${label}" like parseResponse, however the frame is cut`, () => {
      const { response, wire } = expected(message);
      for (const chunks of splits(grpcFrame(message))) {
        const [got] = run(chunks);
        expect(got?.response).toEqual(response);
        expect(got?.resources).toEqual(wire.resources.map((r) => ({ name: r.name, body: r.body })));
      }
    });
  }

  it('keeps only the bodies asked for, and digests the rest as it passes', () => {
    const message = messages['fields interleaved, repeated and unknown']!;
    const { response, wire } = expected(message);
    const asked: Array<[string | undefined, string]> = [];
    for (const chunks of splits(grpcFrame(message))) {
      asked.length = 0;
      const [got] = run(chunks, (typeUrl, name) => {
        asked.push([typeUrl, name]);
        return name === 'b' ? 'body' : false;
      });
      expect(got?.response).toEqual(response);
      expect(got?.resources).toEqual(
        wire.resources.map((r) => ({ name: r.name, body: r.name === 'b' ? r.body : undefined })),
      );
    }
    // Each value came before its Any's type_url and the response's: the type is not known yet.
    expect(asked).toEqual([
      [undefined, 'late-name'],
      [undefined, 'b'],
    ]);
  });

  it('hands a resource over field by field: each piece a valid part of it, together the whole body', () => {
    const https = listener('ingress_https');
    const message = Buffer.concat([
      encodeResponse({ resources: [any(https), { type_url: TypeUrl.Cluster, value: lateName }] }),
      encodeResponse({ version_info: 'v5', type_url: TypeUrl.Listener, nonce: 'n5' }),
    ]);
    const { response, wire } = expected(message);
    const type = lookupMessage(TypeUrl.Listener);
    for (const chunks of splits(grpcFrame(message))) {
      const [got] = run(chunks, () => 'fields');
      expect(got?.response).toEqual(response);
      for (const [i, r] of (got?.resources ?? []).entries()) {
        expect(r.body).toBeUndefined();
        expect(Buffer.concat(r.fields ?? [])).toEqual(wire.resources[i]?.body);
      }
      // The name first, then one piece per top-level field.
      const pieces = got?.resources[0]?.fields ?? [];
      expect(pieces.map((p) => Object.keys(type.toObject(type.decode(p))))).toEqual([
        ['name'],
        ['address'],
        ['filter_chains'],
      ]);
      // Fields before a late name come as one piece with it: the unknown fields, the name's tag, length, 9 bytes.
      expect(got?.resources[1]?.fields?.[0]?.length).toBe(lateName.length - clusterBody.length + 2 + 9);
    }
  });

  it('reads consecutive frames in one chunk and across chunks', () => {
    const all = Object.values(messages);
    const stream = Buffer.concat(all.map(grpcFrame));
    const want = all.map((m) => expected(m).response);
    expect(run([stream]).map((x) => x.response)).toEqual(want);
    for (const size of [1, 3, 64, 1000]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < stream.length; i += size) chunks.push(stream.subarray(i, i + size));
      expect(run(chunks, () => false).map((x) => x.response)).toEqual(want);
    }
  });

  it('reports a malformed stream once and reads no further', () => {
    const cases: Record<string, Buffer> = {
      'a field past the end of the message': grpcFrame(raw.bytes(1, 'version').subarray(0, 4)),
      'a resource past the end of the message': grpcFrame(raw.bytes(2, raw.bytes(2, 'xyz')).subarray(0, 5)),
      'a compressed message': Buffer.from([1, 0, 0, 0, 0]),
      'a group': grpcFrame(Buffer.from([(1 << 3) | 3])),
    };
    for (const [label, bytes] of Object.entries(cases)) {
      const errors: string[] = [];
      const parser = createResponseParser({
        digest: false,
        onError: (message) => errors.push(message),
        begin: () => ({
          keep: () => false,
          fields: () => undefined,
          resource: () => undefined,
          end: () => errors.push('ended'),
        }),
      });
      parser.push(bytes);
      parser.push(grpcFrame(messages['no resources']!));
      expect(errors, label).toHaveLength(1);
      expect(errors[0], label).not.toBe('ended');
    }
  });
});
