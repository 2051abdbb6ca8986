// Real public corpora for `npm run bench:index`, fetched once at pinned versions with `npm pack` and kept outside the
// repository (BENCH_CACHE, default ~/.cache/unisparse-bench), as plain files (the index follows no link that leaves
// the repository, so a corpus cannot be a folder of symlinks).
//   c:  the C sources (.c, .h) that nodegit and libxmljs2 vendor (their vendor/ folders, not their C++ bindings):
//       libgit2, libssh2, http-parser, libxml2.
//   js: the JavaScript and TypeScript of three, rxjs, webpack and eslint.
//   nm: about BENCH_LINES lines (default 1,000,000) of this project's own node_modules, package by package in name
//       order, for memory, updates, context builds and event-loop delay.
//   mix: c + js + nm side by side (about 80 MB), for a question asked while indexing is in progress.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const CACHE = process.env.BENCH_CACHE || path.join(os.homedir(), '.cache', 'unisparse-bench');

const CORPORA = {
  c: { packages: ['nodegit@0.27.0', 'libxmljs2@0.37.0'], keep: /\.(c|h)$/, under: 'package/vendor',
    about: 'C: libgit2, libssh2, http-parser (nodegit 0.27.0), libxml2 (libxmljs2 0.37.0)' },
  js: { packages: ['three@0.170.0', 'rxjs@7.8.1', 'webpack@5.97.1', 'eslint@9.17.0'], keep: /\.(js|mjs|cjs|jsx|ts|mts|cts|tsx)$/,
    about: 'JS/TS: three 0.170.0, rxjs 7.8.1, webpack 5.97.1, eslint 9.17.0' },
};
const SOURCE = /\.(ts|tsx|mts|cts|js|mjs|cjs|jsx|py|go|rs|java|c|h|cc|cpp|hpp|cs|rb|sh|md|json)$/;

function copyMatching(from, to, keep) {
  let files = 0;
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, e.name); const dst = path.join(to, e.name);
    if (e.isDirectory()) files += copyMatching(src, dst, keep);
    else if (e.isFile() && keep.test(e.name)) { fs.mkdirSync(to, { recursive: true }); fs.copyFileSync(src, dst); files++; }
  }
  return files;
}

/** A corpus folder (fetched and extracted on first use). */
function packedCorpus(name) {
  const spec = CORPORA[name];
  const dir = path.join(CACHE, 'corpora', name);
  if (fs.existsSync(path.join(dir, '.complete'))) return { dir, about: spec.about };
  fs.rmSync(dir, { recursive: true, force: true });
  const tarballs = path.join(CACHE, 'tarballs');
  fs.mkdirSync(tarballs, { recursive: true });
  for (const pkg of spec.packages) {
    const [id, version] = pkg.split(/@(?=[^@]*$)/);
    const tgz = path.join(tarballs, `${id.replace('@', '').replace('/', '-')}-${version}.tgz`);
    if (!fs.existsSync(tgz)) {
      console.error(`fetching ${pkg} (npm pack) ...`);
      execFileSync('npm', ['pack', '--silent', '--pack-destination', tarballs, pkg], { stdio: ['ignore', 'ignore', 'inherit'] });
    }
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'unisparse-bench-unpack-'));
    try {
      execFileSync('tar', ['xzf', tgz, '-C', tmp]);
      copyMatching(path.join(tmp, spec.under ?? ''), path.join(dir, id.replace('/', '__')), spec.keep);
    } finally { fs.rmSync(tmp, { recursive: true, force: true }); }
  }
  fs.writeFileSync(path.join(dir, '.complete'), spec.packages.join('\n') + '\n');
  return { dir, about: spec.about };
}

function countLines(text) { let n = 0; for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++; return n; }

/** Copies whole packages of node_modules (source files only, no links) until they hold `targetLines` lines. */
function nodeModulesCorpus(projectRoot, targetLines) {
  const dir = path.join(CACHE, 'corpora', `nm-${targetLines}`);
  if (fs.existsSync(path.join(dir, '.complete'))) return { dir, about: fs.readFileSync(path.join(dir, '.complete'), 'utf8').trim() };
  fs.rmSync(dir, { recursive: true, force: true });
  const nm = path.join(projectRoot, 'node_modules');
  const packages = [];
  for (const name of fs.readdirSync(nm).sort()) {
    if (name.startsWith('.')) continue;
    if (name.startsWith('@')) { for (const sub of fs.readdirSync(path.join(nm, name)).sort()) packages.push(`${name}/${sub}`); } else packages.push(name);
  }
  let lines = 0; let used = 0;
  const copyPackage = (from, to) => {
    for (const e of fs.readdirSync(from, { withFileTypes: true })) {
      if (lines >= targetLines) return;
      const src = path.join(from, e.name); const dst = path.join(to, e.name);
      if (e.isDirectory()) copyPackage(src, dst);
      else if (e.isFile() && SOURCE.test(e.name) && !e.name.endsWith('.min.js')) {
        const st = fs.statSync(src);
        if (st.size > 1024 * 1024) continue;
        const text = fs.readFileSync(src, 'latin1');
        if (text.includes('\0')) continue;
        lines += countLines(text);
        fs.mkdirSync(to, { recursive: true });
        fs.copyFileSync(src, dst);
      }
    }
  };
  for (const pkg of packages) {
    if (lines >= targetLines) break;
    copyPackage(fs.realpathSync(path.join(nm, pkg)), path.join(dir, pkg.replace('/', '__')));
    used++;
  }
  const about = `this project's node_modules: ${used} packages, ${lines} lines`;
  fs.writeFileSync(path.join(dir, '.complete'), about + '\n');
  return { dir, about };
}

/** c + js + nm in one folder (hard links where the file system allows, copies otherwise). */
function mixedCorpus(parts) {
  const dir = path.join(CACHE, 'corpora', 'mix');
  if (fs.existsSync(path.join(dir, '.complete'))) return { dir, about: fs.readFileSync(path.join(dir, '.complete'), 'utf8').trim() };
  fs.rmSync(dir, { recursive: true, force: true });
  const link = (from, to) => {
    for (const e of fs.readdirSync(from, { withFileTypes: true })) {
      if (e.name === '.complete') continue;
      const src = path.join(from, e.name); const dst = path.join(to, e.name);
      if (e.isDirectory()) { fs.mkdirSync(dst, { recursive: true }); link(src, dst); } else {
        try { fs.linkSync(src, dst); } catch { fs.copyFileSync(src, dst); }
      }
    }
  };
  for (const [name, corpus] of Object.entries(parts)) { fs.mkdirSync(path.join(dir, name), { recursive: true }); link(corpus.dir, path.join(dir, name)); }
  const about = Object.values(parts).map((p) => p.about).join(' + ');
  fs.writeFileSync(path.join(dir, '.complete'), about + '\n');
  return { dir, about };
}

/** Sum of the bytes and lines of the files under `dir` (for the table). */
function corpusSize(dir) {
  let bytes = 0; let lines = 0; let files = 0;
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p); else if (e.isFile() && e.name !== '.complete') { const t = fs.readFileSync(p, 'latin1'); bytes += t.length; lines += countLines(t); files++; }
    }
  };
  walk(dir);
  return { bytes, lines, files };
}

module.exports = { CACHE, packedCorpus, nodeModulesCorpus, mixedCorpus, corpusSize };
