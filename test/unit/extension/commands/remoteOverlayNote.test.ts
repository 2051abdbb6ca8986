// The editor says once per endpoint that a remote server's answers come without overlays, and never for answers
// that have them (our own serve) or for local answers.
import * as assert from 'assert';
import { remoteOverlayNote } from '../../../../extension/commands/remoteOverlayNote';

const answer = (remote?: { url: string; overlays: boolean }) => ({ stats: { contextTokens: 1, density: 1, ttftMs: 1, decodeTokensPerS: 1, remote } });

describe('remote overlay note', () => {
  it('is shown once per endpoint that sends no attention data', () => {
    const told = new Set<string>();
    assert.match(remoteOverlayNote(answer({ url: 'http://vllm:8000/v1', overlays: false }), told) ?? '', /http:\/\/vllm:8000\/v1 answers without attention data/);
    assert.strictEqual(remoteOverlayNote(answer({ url: 'http://vllm:8000/v1', overlays: false }), told), undefined);
    assert.ok(remoteOverlayNote(answer({ url: 'http://sglang:30000/v1', overlays: false }), told));
  });

  it('is not shown for local answers or endpoints that keep the overlays', () => {
    const told = new Set<string>();
    assert.strictEqual(remoteOverlayNote(answer(), told), undefined);
    assert.strictEqual(remoteOverlayNote(answer({ url: 'http://gpu-box:8080/v1', overlays: true }), told), undefined);
    assert.strictEqual(told.size, 0);
  });
});
