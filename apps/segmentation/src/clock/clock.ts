/**
 * The service's source of "now". Evaluation, sweeps and jobs read time only from here, so tests can move time
 * forward (a membership that expires when a window passes) without waiting.
 */
export abstract class Clock {
  abstract now(): number;
}

export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }
}
