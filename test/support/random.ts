// A small seeded PRNG so every generated test model is the same on every run and machine.

// The same seeded generator the sampler uses (mulberry32): one implementation, reproducible from the seed.
import { seededRandom } from '../../server/engine/child/sampler';
export { seededRandom };

/** Standard normal samples (Box-Muller) from a uniform source. */
export function gaussian(uniform: () => number): () => number {
  return () => {
    const u = Math.max(uniform(), 1e-12);
    const v = uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}
