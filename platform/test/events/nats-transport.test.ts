import { withoutNats } from '@shop/devkit/testing/services';
import { describe } from 'vitest';
import { eventTransportContract } from './contract';

describe.skipIf(withoutNats())('events on NATS JetStream', () => {
  eventTransportContract('nats');
});
