import { describe } from 'vitest';
import { eventTransportContract } from './contract';

describe('events on pg-boss (the embedded default)', () => {
  eventTransportContract('pg-boss');
});
