import { describe } from 'vitest';
import { eventTransportContract } from './contract';

describe('events on NATS JetStream', () => {
  eventTransportContract('nats');
});
