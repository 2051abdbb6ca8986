/**
 * Which device a question runs on. The engine process measures the facts (its addon's build and whether a GPU is
 * usable) and this one function turns them and the user's setting into a device and a sentence saying why, which
 * the status shows. Asking for CUDA where no GPU can run it is not an error: the model runs on the CPU and
 * `warning` says so once.
 */
import type { Device, DeviceSetting } from './attentionOptions';

export interface DeviceFacts {
  /** The build of the native addon the engine process loaded. */
  backend: Device;
  /** Whether a CUDA GPU the kernels can use is visible to the engine process; when not, why not. */
  gpu: { usable: boolean; reason?: string };
}

export interface DeviceChoice {
  device: Device;
  why: string;
  /** Set when the setting asked for a device that cannot run here: one line for the user. */
  warning?: string;
}

export function chooseDevice(setting: DeviceSetting, facts: DeviceFacts): DeviceChoice {
  if (setting === 'cpu') return { device: 'cpu', why: 'the CPU, as set' };
  const usable = facts.backend === 'cuda' && facts.gpu.usable;
  if (usable) return { device: 'cuda', why: setting === 'cuda' ? 'the GPU, as set' : 'auto: the GPU (CUDA build, GPU visible)' };
  const reason = facts.backend !== 'cuda' ? 'the native addon was built without CUDA' : `the CUDA build found ${facts.gpu.reason ?? 'no usable GPU'}`;
  if (setting === 'cuda') {
    const detail = facts.backend !== 'cuda' ? 'this build of the native addon has no CUDA support (nvcc was not found when it was built)' : facts.gpu.reason ?? 'no usable GPU';
    return { device: 'cpu', why: `the CPU, because ${reason}`, warning: `--device cuda: no usable GPU (${detail}); running on the CPU.` };
  }
  return { device: 'cpu', why: `auto: the CPU, because ${reason}` };
}
