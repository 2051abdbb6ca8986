/**
 * The UniSparse settings the CLI and the ask pipeline use when the user gives none; the same values as the
 * extension's unisparse.tau / unisparse.blockSize defaults. tau 0.985 is engineer ATTENTION's tuning on real
 * SmolLM2 Q/K/V: recall of the dense attention mass >= 0.95 (tau 0.95 kept only ~0.90).
 */
export const DEFAULT_TAU = 0.985;
export const DEFAULT_BLOCK_SIZE = 64;
