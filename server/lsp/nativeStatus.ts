/**
 * Which native backend this machine has, for `unisparse/status`: the addon is loaded through the project's one
 * loader (native/index.js, via the engine's nativeModel.ts) and a failure is reported with the loader's message
 * (what it looked for and how to build it) instead of crashing the server.
 */
import { loadNativeAddon } from '../engine/child/nativeModel';
import type { StatusResult } from '../protocol/protocol';

export function nativeStatus(): Pick<StatusResult, 'nativeBackend' | 'nativeError'> {
  try {
    const addon = loadNativeAddon();
    return { nativeBackend: addon.backend === 'cuda' ? 'cuda' : 'cpu' };
  } catch (e) {
    return { nativeBackend: 'missing', nativeError: e instanceof Error ? e.message : String(e) };
  }
}
