import { Clock } from '../src/clock/clock';

/** A clock that stands still until a test moves it. */
export class ManualClock extends Clock {
  constructor(private current: number) {
    super();
  }

  now(): number {
    return this.current;
  }

  set(at: number | string): void {
    this.current = typeof at === 'string' ? Date.parse(at) : at;
  }

  advance(ms: number): void {
    this.current += ms;
  }
}
