/**
 * The native side of `unisparse/status`: the addon build, the GPU and the device questions run on. The language
 * server never loads the addon: it asks the engine process, which does, and the device is chosen from those
 * facts by the same function the engine uses when it loads a model.
 */
import type { DeviceSetting } from '../../common/attentionOptions';
import { chooseDevice } from '../../common/deviceChoice';
import type { EngineHost } from '../engine/host/engineHost';
import type { StatusResult } from '../protocol/protocol';

export async function nativeStatus(engine: EngineHost, setting: DeviceSetting): Promise<Pick<StatusResult, 'nativeBackend' | 'nativeError' | 'device'>> {
  let facts;
  try {
    facts = await engine.nativeFacts();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return { nativeBackend: 'missing', nativeError: message, device: { setting, why: `the engine process did not start: ${message}` } };
  }
  if (!facts.loaded) return { nativeBackend: 'missing', nativeError: facts.error, device: { setting, why: 'the native addon is not built' } };
  // The loaded model's choice when there is one: it is what answers run on.
  if (engine.device) return { nativeBackend: facts.backend, device: { setting, chosen: engine.device.device, why: engine.device.why } };
  try {
    const choice = chooseDevice(setting, facts);
    return { nativeBackend: facts.backend, device: { setting, chosen: choice.device, why: choice.why } };
  } catch (e) {
    return { nativeBackend: facts.backend, device: { setting, why: e instanceof Error ? e.message : String(e) } };
  }
}
