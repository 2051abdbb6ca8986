// The one decision of where a question runs, for each branch; and the facts this machine's addon gives it.
import * as assert from 'assert';
import { chooseDevice, DeviceFacts } from '../../../common/deviceChoice';
import { deviceFacts, loadNativeAddon } from '../../../server/engine/child/nativeModel';

const cpuBuild: DeviceFacts = { backend: 'cpu', gpu: { usable: false, reason: 'the addon was built without CUDA' } };
const cudaBuildNoGpu: DeviceFacts = { backend: 'cuda', gpu: { usable: false, reason: 'no CUDA device found' } };
const cudaBuildWithGpu: DeviceFacts = { backend: 'cuda', gpu: { usable: true } };

describe('device choice', function () {
  it('auto picks CUDA when the addon has it and a GPU is visible', function () {
    assert.deepStrictEqual(chooseDevice('auto', cudaBuildWithGpu), { device: 'cuda', why: 'auto: the GPU (CUDA build, GPU visible)' });
  });

  it('auto picks the CPU on a CPU build, saying so', function () {
    assert.deepStrictEqual(chooseDevice('auto', cpuBuild), { device: 'cpu', why: 'auto: the CPU, because the native addon was built without CUDA' });
  });

  it('auto picks the CPU on a CUDA build without a usable GPU, with the reason', function () {
    assert.deepStrictEqual(chooseDevice('auto', cudaBuildNoGpu), { device: 'cpu', why: 'auto: the CPU, because the CUDA build found no CUDA device found' });
  });

  it('cpu is always the CPU', function () {
    for (const facts of [cpuBuild, cudaBuildNoGpu, cudaBuildWithGpu]) assert.deepStrictEqual(chooseDevice('cpu', facts), { device: 'cpu', why: 'the CPU, as set' });
  });

  it('cuda is the GPU when there is one, else the CPU with one line that says why', function () {
    assert.deepStrictEqual(chooseDevice('cuda', cudaBuildWithGpu), { device: 'cuda', why: 'the GPU, as set' });
    assert.deepStrictEqual(chooseDevice('cuda', cpuBuild), {
      device: 'cpu', why: 'the CPU, because the native addon was built without CUDA',
      warning: '--device cuda: no usable GPU (this build of the native addon has no CUDA support (nvcc was not found when it was built)); running on the CPU.',
    });
    assert.deepStrictEqual(chooseDevice('cuda', cudaBuildNoGpu), {
      device: 'cpu', why: 'the CPU, because the CUDA build found no CUDA device found',
      warning: '--device cuda: no usable GPU (no CUDA device found); running on the CPU.',
    });
  });

  it('takes its facts from the built addon (on a machine without a GPU: the CPU)', function () {
    const addon = loadNativeAddon();
    assert.strictEqual(typeof addon.gpuStatus, 'function', 'the addon exports gpuStatus(): rebuild it with `npm run build:native`');
    const facts = deviceFacts(addon);
    assert.strictEqual(facts.backend, addon.backend);
    assert.deepStrictEqual(facts.gpu, addon.gpuStatus!());
    assert.strictEqual(chooseDevice('auto', facts).device, facts.gpu.usable ? 'cuda' : 'cpu');
    if (addon.backend === 'cpu') assert.strictEqual(facts.gpu.usable, false);
  });
});
