/** `unisparse index`: builds the repository index headless and prints its statistics. */
import { ParsedArgs } from './args';
import { RepoIndex } from '../index/repoIndex';
import { ProgressLine } from './progressLine';
import { existingFolder } from './cliPaths';

export async function indexCommand(args: ParsedArgs, signal: AbortSignal): Promise<void> {
  const f = args.flags;
  const repo = existingFolder(f.repo, 'index');
  const progress = new ProgressLine();
  const index = await RepoIndex.build(repo, {
    cacheDir: f['no-cache'] ? null : undefined,
    secretFiles: f['include-secret-files'] ? [] : undefined,
    signal,
    onProgress: (done, total) => progress.update(`indexing ${done}/${total} files`),
  });
  progress.clear();
  try {
    const s = index.stats();
    const t = index.timings();
    // phases: seconds per phase summed over the worker threads (indexPhases.ts); peakRssMB: this process's peak
    // resident memory, workers included.
    const peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
    const out = { files: s.files, bytes: s.bytes, symbols: s.symbols, seconds: s.seconds, languages: s.languages, phases: t.phases, peakRssMB };
    if (f.json) {
      process.stdout.write(JSON.stringify(out) + '\n');
    } else {
      const langs = Object.entries(s.languages).sort((a, b) => b[1] - a[1]).map(([l, n]) => `${l} ${n}`).join(', ');
      process.stdout.write(`${s.files} files, ${(s.bytes / 1e6).toFixed(2)} MB, ${s.symbols} symbols in ${s.seconds.toFixed(2)} s` +
        ` (${(s.bytes / 1e6 / Math.max(s.seconds, 1e-6)).toFixed(1)} MB/s), peak RSS ${peakRssMB} MB\n${langs}\n`);
    }
  } finally {
    index.dispose();
  }
}
