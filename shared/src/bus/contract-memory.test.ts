import { busContract } from '../../../test/servers/bus-contract.js';
import { createMemoryStore } from './store.js';

busContract('memory store', () => ({
  namespace: () => {
    const store = createMemoryStore();
    return Promise.resolve({ connect: () => store.connect() });
  },
}));
