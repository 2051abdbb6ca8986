/**
 * How much memory this machine offers a model: system RAM, and the memory of the largest NVIDIA GPU when
 * `nvidia-smi` is on the PATH (no GPU, no driver or a slow driver all read as 0: the CPU is always there).
 */
import { spawnSync } from 'child_process';
import * as os from 'os';
import type { MachineMemory } from './modelCatalog';

export function gpuMemoryBytes(): number {
  try {
    const r = spawnSync('nvidia-smi', ['--query-gpu=memory.total', '--format=csv,noheader,nounits'], { encoding: 'utf8', timeout: 3000 });
    if (r.status !== 0 || !r.stdout) return 0;
    const mib = r.stdout.split('\n').map((l) => Number(l.trim())).filter((n) => Number.isFinite(n) && n > 0);
    return mib.length ? Math.max(...mib) * 1024 * 1024 : 0;
  } catch {
    return 0;
  }
}

export function machineMemory(): MachineMemory {
  return { ramBytes: os.totalmem(), gpuBytes: gpuMemoryBytes() };
}
