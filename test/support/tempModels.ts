// Tiny models written to a fresh temp folder per test run (nothing generated is committed), each with
// the float64 weights the reference needs.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { makeTinyLlama, TinyLlamaConfig, HfWeights } from './tinyLlama';
import { writeTinyLlamaGguf, GgufWriteOptions, ReferenceWeights } from './ggufFromHf';
import { writeHfDirectory, HfDirectoryOptions } from './safetensorsWriter';

export interface WrittenModel { path: string; cfg: TinyLlamaConfig; weights: HfWeights; reference: ReferenceWeights }

export class TempModelDir {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unisparse-models-'));
  private count = 0;

  file(name: string): string { return path.join(this.dir, name); }

  gguf(cfg: TinyLlamaConfig, seed: number, opts: GgufWriteOptions = {}, name?: string): WrittenModel {
    const weights = makeTinyLlama(cfg, seed);
    const file = this.file(name ?? `model-${this.count++}.gguf`);
    return { path: file, cfg, weights, reference: writeTinyLlamaGguf(file, cfg, weights, opts) };
  }

  safetensors(cfg: TinyLlamaConfig, seed: number, opts: HfDirectoryOptions = {}, name?: string): WrittenModel {
    const weights = makeTinyLlama(cfg, seed);
    const dir = this.file(name ?? `hf-${this.count++}`);
    return { path: dir, cfg, weights, reference: writeHfDirectory(dir, cfg, weights, opts) };
  }

  dispose(): void { fs.rmSync(this.dir, { recursive: true, force: true }); }
}
