// How tests compare logits: max |a - b| / max |b| over the whole array (the "relative" error the bounds use),
// with a message that says where the worst element is.

export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): { error: number; at: number } {
  if (actual.length !== expected.length) {
    throw new Error(`length mismatch: got ${actual.length} values, expected ${expected.length}`);
  }
  let maxRef = 0, maxDiff = 0, at = -1;
  for (let i = 0; i < expected.length; i++) {
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= maxDiff)) { maxDiff = d; at = i; } // NaN counts as the worst
  }
  return { error: maxRef ? maxDiff / maxRef : maxDiff, at };
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string, rowLength = 1): void {
  const { error, at } = maxRelativeError(actual, expected);
  if (!(error <= tolerance)) {
    const where = rowLength > 1 ? `row ${Math.floor(at / rowLength)} column ${at % rowLength}` : `index ${at}`;
    throw new Error(`${what}: relative error ${error.toExponential(3)} > ${tolerance} (worst at ${where}: ` +
      `got ${actual[at]}, expected ${expected[at]})`);
  }
}
