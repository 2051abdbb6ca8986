// Webview script of the answer panel (bundled by esbuild into dist/media/answerPanel.js; no inline scripts).
// Markdown from the model is untrusted: marked renders it, DOMPurify removes anything executable, and only
// then does it reach the DOM. Citations `file:line` become links the extension host opens.
import { marked } from 'marked';
import DOMPurify from 'dompurify';
import { findCitations } from '../extension/views/answerMessages';

const vscode = acquireVsCodeApi();
const root = document.getElementById('root');

const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};

const header = el('div', 'header');
const title = el('h2', 'title', 'UniSparse');
const question = el('div', 'question');
const phase = el('div', 'phase');
const bar = el('div', 'bar'); const barFill = el('div', 'bar-fill'); bar.appendChild(barFill);
header.append(title, question, phase, bar);
const answer = el('div', 'answer markdown');
const footer = el('div', 'footer');
root.append(header, answer, footer);

let text = '';
let renderPending = false;

function render() {
  renderPending = false;
  const html = DOMPurify.sanitize(marked.parse(text, { async: false, gfm: true }), { USE_PROFILES: { html: true } });
  answer.innerHTML = html;
  linkifyCitations(answer);
}

function scheduleRender() {
  if (renderPending) return;
  renderPending = true;
  requestAnimationFrame(render);
}

/** Replaces `file:line` mentions in text nodes with citation links (outside existing links). */
function linkifyCitations(container) {
  const walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT);
  const nodes = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) if (!n.parentElement.closest('a')) nodes.push(n);
  for (const node of nodes) {
    const found = findCitations(node.nodeValue);
    if (!found.length) continue;
    const frag = document.createDocumentFragment();
    let at = 0;
    for (const c of found) {
      frag.append(node.nodeValue.slice(at, c.index));
      frag.append(citationLink(node.nodeValue.substr(c.index, c.length), c.file, c.startLine, c.endLine));
      at = c.index + c.length;
    }
    frag.append(node.nodeValue.slice(at));
    node.replaceWith(frag);
  }
}

function citationLink(label, file, startLine, endLine) {
  const a = el('a', 'citation', label);
  a.href = '#';
  a.dataset.file = file;
  a.dataset.start = String(startLine);
  a.dataset.end = String(endLine);
  a.title = `Open ${file}:${startLine}${endLine !== startLine ? '-' + endLine : ''}`;
  return a;
}

document.addEventListener('click', (e) => {
  const a = e.target.closest && e.target.closest('a');
  if (!a) return;
  e.preventDefault();
  if (a.dataset.file) {
    vscode.postMessage({ type: 'openCitation', file: a.dataset.file, startLine: Number(a.dataset.start), endLine: Number(a.dataset.end) });
  } else if (/^https?:\/\//.test(a.getAttribute('href') || '')) {
    vscode.postMessage({ type: 'openLink', href: a.getAttribute('href') });
  }
});

const PHASES = { indexing: 'Indexing the repository', packing: 'Packing context', prefill: 'Reading the context (prefill)', decode: 'Answering', done: 'Done' };

function setPhase(name, progress) {
  phase.textContent = PHASES[name] || name || '';
  root.dataset.phase = name || '';
  if (typeof progress === 'number') { bar.hidden = false; barFill.style.width = `${Math.round(progress * 100)}%`; }
  else bar.hidden = name === 'done';
}

function showFooter(result) {
  footer.replaceChildren();
  if (result.citations && result.citations.length) {
    footer.append(el('h3', '', 'Sources'));
    const ul = el('ul', 'sources');
    for (const c of result.citations) {
      const li = el('li');
      li.append(citationLink(`${c.file}:${c.startLine}-${c.endLine}`, c.file, c.startLine, c.endLine));
      ul.append(li);
    }
    footer.append(ul);
  }
  const selected = result.selection ? result.selection.blocks : [];
  if (selected.length) {
    footer.append(el('h3', '', 'Blocks the sparse attention kept'));
    const ul = el('ul', 'blocks');
    const top = [...selected].sort((a, b) => b.score - a.score).slice(0, 12);
    for (const b of top) {
      const li = el('li');
      const heat = el('span', 'heat'); const fill = el('span', 'heat-fill'); heat.append(fill);
      fill.style.width = `${Math.round(Math.max(0, Math.min(1, b.score)) * 100)}%`;
      li.append(heat, citationLink(`${b.file}:${b.startLine}-${b.endLine}`, b.file, b.startLine, b.endLine), el('span', 'score', b.score.toFixed(2)));
      ul.append(li);
    }
    footer.append(ul);
  }
  const s = result.stats || {};
  const parts = [];
  if (s.contextTokens !== undefined) parts.push(`${s.contextTokens} context tokens`);
  if (s.density !== undefined) parts.push(`density ${(s.density * 100).toFixed(1)}%`);
  if (s.ttftMs !== undefined) parts.push(`first token ${Math.round(s.ttftMs)} ms`);
  if (s.decodeTokensPerS !== undefined) parts.push(`${s.decodeTokensPerS.toFixed(1)} tok/s`);
  if (s.attention) parts.push(s.attention);
  if (s.device) parts.push(s.device);
  if (s.omittedChunks) parts.push(`${s.omittedChunks} chunks did not fit the budget`);
  footer.append(el('div', 'stats', parts.join(' · ')));
}

window.addEventListener('message', (event) => {
  const m = event.data;
  switch (m.type) {
    case 'start':
      text = ''; title.textContent = m.title; question.textContent = m.question; footer.replaceChildren();
      root.dataset.state = 'streaming'; setPhase('packing'); render();
      break;
    case 'delta':
      if (m.delta.text) { text += m.delta.text; scheduleRender(); }
      if (m.delta.phase) setPhase(m.delta.phase, m.delta.progress);
      else if (typeof m.delta.progress === 'number') setPhase(root.dataset.phase, m.delta.progress);
      break;
    case 'done':
      text = m.result.answer; render(); setPhase('done'); showFooter(m.result); root.dataset.state = 'done';
      break;
    case 'error':
      setPhase('done'); root.dataset.state = 'error';
      footer.replaceChildren(el('div', 'error', m.message));
      break;
    case 'stopped':
      setPhase('done'); root.dataset.state = 'stopped';
      footer.replaceChildren(el('div', 'note', 'Stopped.'));
      break;
  }
});

vscode.postMessage({ type: 'ready' });
