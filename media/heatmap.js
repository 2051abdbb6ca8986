// Webview script of the block heatmap (bundled into dist/media/heatmap.js). Draws the kept-block mask of one
// representative layer/head: kept blocks in heat colour, skipped causal blocks dim, the masked future blank.
const vscode = acquireVsCodeApi();
const root = document.getElementById('root');

const h = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };
const caption = h('div', 'caption', 'No answer yet: ask a question first.');
const canvas = h('canvas', 'mask');
const legend = h('div', 'legend');
const list = h('ol', 'blocks');
root.append(h('h2', '', 'Blocks the sparse attention kept'), caption, canvas, legend, list);

function draw(sel) {
  const stats = [`block size ${sel.blockSize}`, `density ${(sel.density * 100).toFixed(1)}%`, `${sel.blocks.length} source blocks`];
  caption.textContent = (sel.question ? `"${sel.question}" · ` : '') + stats.join(' · ');
  const hm = sel.heatmap;
  const ctx = canvas.getContext('2d');
  if (!hm || !hm.nBlocks) { canvas.hidden = true; legend.textContent = 'No mask recorded (dense attention keeps every block).'; }
  else {
    canvas.hidden = false;
    const n = hm.nBlocks;
    const cell = Math.max(2, Math.min(40, Math.floor(480 / n)));
    canvas.width = n * cell; canvas.height = n * cell;
    const css = getComputedStyle(document.body);
    const kept = css.getPropertyValue('--vscode-charts-orange').trim() || '#e0872e';
    const skipped = css.getPropertyValue('--vscode-editorWidget-border').trim() || '#8884';
    let keptCount = 0, causal = 0, reused = 0;
    const gap = cell > 3 ? 1 : 0;
    for (let r = 0; r < n; r++) {
      // A row with nothing kept was not part of the last prefill (its keys came from the reused KV cache): the
      // diagonal block is always kept in a computed row. Such rows are outlined, not counted.
      let rowKept = 0;
      for (let c = 0; c <= r; c++) rowKept += hm.mask[r * n + c] ? 1 : 0;
      if (!rowKept) { reused++; ctx.strokeStyle = skipped; for (let c = 0; c <= r; c++) ctx.strokeRect(c * cell + 0.5, r * cell + 0.5, cell - gap - 1, cell - gap - 1); continue; }
      for (let c = 0; c <= r; c++) {
        const on = hm.mask[r * n + c] ? 1 : 0;
        keptCount += on; causal++;
        ctx.fillStyle = on ? kept : skipped;
        ctx.fillRect(c * cell, r * cell, cell - gap, cell - gap);
      }
    }
    legend.textContent = `${n}×${n} blocks (rows: query blocks, columns: key blocks); kept ${keptCount} of ${causal} causal blocks in this layer/head` +
      (reused ? `; ${reused} row(s) outlined were not recomputed (prefix reuse).` : '.');
  }
  list.replaceChildren();
  for (const b of [...sel.blocks].sort((a, b) => b.score - a.score).slice(0, 20)) {
    list.append(h('li', '', `${b.file}:${b.startLine}-${b.endLine}  (${b.score.toFixed(2)})`));
  }
}

window.addEventListener('message', (e) => { if (e.data.type === 'selection') draw(e.data.selection); });
vscode.postMessage({ type: 'ready' });
