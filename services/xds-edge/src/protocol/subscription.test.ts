import { TypeUrl } from '@sesame/shared';
import { describe, expect, it } from 'vitest';
import {
  covers,
  initialSubscription,
  isPureWildcard,
  nextSubscription,
  type Subscription,
} from './subscription.js';

function after(typeUrl: TypeUrl, ...requests: string[][]): Subscription {
  return requests.reduce(nextSubscription, initialSubscription(typeUrl));
}

describe('state-of-the-world subscriptions', () => {
  // The wildcard transitions of the xDS protocol ("legacy wildcard"), as go-control-plane's subscription tests
  // table them.
  const cases: Array<{
    name: string;
    type: TypeUrl;
    requests: string[][];
    wildcard: boolean;
    names: string[];
  }> = [
    {
      name: 'LDS empty first request is a wildcard',
      type: TypeUrl.Listener,
      requests: [[]],
      wildcard: true,
      names: [],
    },
    {
      name: 'CDS stays wildcard on repeated empty lists',
      type: TypeUrl.Cluster,
      requests: [[], []],
      wildcard: true,
      names: [],
    },
    {
      name: 'RDS empty list subscribes to nothing',
      type: TypeUrl.RouteConfiguration,
      requests: [[]],
      wildcard: false,
      names: [],
    },
    {
      name: 'EDS empty list subscribes to nothing',
      type: TypeUrl.ClusterLoadAssignment,
      requests: [[]],
      wildcard: false,
      names: [],
    },
    { name: 'names only', type: TypeUrl.Cluster, requests: [['a', 'b']], wildcard: false, names: ['a', 'b'] },
    { name: 'explicit * on any type', type: TypeUrl.Secret, requests: [['*']], wildcard: true, names: [] },
    { name: '* plus names', type: TypeUrl.Listener, requests: [['*', 'a']], wildcard: true, names: ['a'] },
    {
      name: 'names after legacy wildcard drop it',
      type: TypeUrl.Listener,
      requests: [[], ['a']],
      wildcard: false,
      names: ['a'],
    },
    {
      name: 'empty after explicit names unsubscribes all (legacy mode is over)',
      type: TypeUrl.Cluster,
      requests: [['a'], []],
      wildcard: false,
      names: [],
    },
    {
      name: 'empty after explicit * unsubscribes all',
      type: TypeUrl.Cluster,
      requests: [['*'], []],
      wildcard: false,
      names: [],
    },
    {
      name: 'dropping * keeps the names',
      type: TypeUrl.Cluster,
      requests: [['*', 'a'], ['a']],
      wildcard: false,
      names: ['a'],
    },
  ];
  it.each(cases)('$name', ({ type, requests, wildcard, names }) => {
    const s = after(type, ...requests);
    expect(s.wildcard).toBe(wildcard);
    expect([...s.names].sort()).toEqual(names);
  });

  it('covers names by wildcard or by name', () => {
    expect(covers(after(TypeUrl.Listener, []), 'anything')).toBe(true);
    expect(covers(after(TypeUrl.Listener, ['a']), 'a')).toBe(true);
    expect(covers(after(TypeUrl.Listener, ['a']), 'b')).toBe(false);
  });

  it('knows a pure wildcard from a wildcard with names', () => {
    expect(isPureWildcard(after(TypeUrl.Cluster, []))).toBe(true);
    expect(isPureWildcard(after(TypeUrl.Cluster, ['*']))).toBe(true);
    expect(isPureWildcard(after(TypeUrl.Cluster, ['*', 'a']))).toBe(false);
  });
});
