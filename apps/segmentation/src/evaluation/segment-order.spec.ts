import { orderSegments, SegmentCycleError } from './segment-order';

const seg = (id: string, ...references: string[]) => ({ id, references });

describe(orderSegments.name, () => {
  it('puts every segment after the segments it references', () => {
    const sut = orderSegments([seg('vip', 'buyers', 'loyal'), seg('buyers'), seg('loyal', 'buyers'), seg('solo')]);

    expect(sut).toEqual(['buyers', 'loyal', 'vip', 'solo']);
  });

  it('ignores references to segments outside the list', () => {
    expect(orderSegments([seg('a', 'elsewhere'), seg('b', 'a')])).toEqual(['a', 'b']);
  });

  it('refuses a cycle and names it', () => {
    let error: unknown;
    try {
      orderSegments([seg('a', 'b'), seg('b', 'c'), seg('c', 'a'), seg('d')]);
    } catch (err) {
      error = err;
    }

    expect(error).toBeInstanceOf(SegmentCycleError);
    expect((error as SegmentCycleError).cycle).toEqual(['a', 'b', 'c', 'a']);
  });

  it('refuses a segment that references itself', () => {
    expect(() => orderSegments([seg('a', 'a')])).toThrow('a -> a');
  });
});
