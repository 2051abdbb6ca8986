// Turns one file's text into definitions, references, imports and rankable chunks. Runs inside an index worker
// (or the main thread when workers are disabled); holds one tree-sitter parser and compiled queries per language.
import type { Language, Node, Parser, Query, QueryMatch } from 'web-tree-sitter';
import TreeSitter = require('web-tree-sitter');   // CommonJS build in bundles (see grammarLoader.ts)
import { loadGrammar } from './grammarLoader';
import { languageSpec, type LanguageSpec } from './languages';
import type { ChunkRecord, ParsedContent, SymbolDef, SymbolKind } from './fileRecord';
import { termTableFor } from './chunkTerms';
import { splitLines, textContent, windowChunks } from './lineWindows';
import { codeSkeleton, type SkeletonFamily } from './codeSkeleton';
import { PhaseClock } from './indexPhases';


/** Languages whose source goes through codeSkeleton.ts first (TSX is left out: JSX text defeats the scanner). */
const SKELETON_FAMILY: Record<string, SkeletonFamily> = { c: 'c', cpp: 'c', javascript: 'js', typescript: 'ts' };

/**
 * One parser and two compiled queries per language and thread: `query` holds the definition, reference and import
 * patterns (the tree is walked once per file); `skeletonQuery` only what a skeleton's tree still answers
 * (definitions, and #include for C) since the skeleton pass counts references and JavaScript imports itself.
 */
interface CompiledLanguage { parser: Parser; query: Query; skeletonQuery: Query | undefined }
const compiled = new Map<string, Promise<CompiledLanguage>>();

async function compile(spec: LanguageSpec): Promise<CompiledLanguage> {
  const language: Language = await loadGrammar(spec.grammar);
  const parser = new TreeSitter.Parser();
  parser.setLanguage(language);
  const family = SKELETON_FAMILY[spec.id];
  try {
    return {
      parser,
      query: new TreeSitter.Query(language, `${spec.definitions}\n${spec.references}\n${spec.imports}`),
      skeletonQuery: family ? new TreeSitter.Query(language, family === 'c' ? `${spec.definitions}\n${spec.imports}` : spec.definitions) : undefined,
    };
  } catch (e) {
    throw new Error(`The queries for ${spec.id} in server/index/languages.ts do not compile against tree-sitter-${spec.grammar}.wasm: ${(e as Error).message}`);
  }
}

function compiledFor(spec: LanguageSpec): Promise<CompiledLanguage> {
  let c = compiled.get(spec.id);
  if (!c) { c = compile(spec); compiled.set(spec.id, c); }
  return c;
}

const CONTAINER_KINDS = new Set<SymbolKind>(['class', 'interface', 'type', 'enum']);

function endLineOf(node: Node): number {
  // A node that ends at column 0 ends on the previous line (its trailing newline is not a line of its own).
  const end = node.endPosition;
  return end.column === 0 && end.row > node.startPosition.row ? end.row : end.row + 1;
}

/**
 * Parses `text` as `languageId` ('text' or unknown: line windows only). Never throws on bad source text. `clock`
 * (optional) is charged with the time of each step (see indexPhases.ts).
 */
export async function parseContent(file: string, text: string, languageId: string, clock?: PhaseClock): Promise<ParsedContent> {
  const lines = splitLines(text);
  const spec = languageSpec(languageId);
  if (!spec) {
    const content = textContent(lines);
    clock?.lap('terms');
    return content;
  }
  const family = SKELETON_FAMILY[spec.id];
  const skeleton = family ? codeSkeleton(text, family) : undefined;
  clock?.lap('skeleton');
  // A header with no C++ in it is parsed with the C grammar: it finds the same definitions, and a C code base then
  // never loads the C++ grammar (4.6 MB of wasm that costs each worker seconds to compile).
  const grammarSpec = skeleton && spec.id === 'cpp' && !skeleton.cpp && /\.h$/i.test(file) ? languageSpec('c')! : spec;
  const lang = await compiledFor(grammarSpec);
  clock?.lap('grammars');
  const tree = lang.parser.parse(skeleton ? skeleton.text : text);
  if (!tree) throw new Error(`tree-sitter returned no tree for ${file}`);
  clock?.lap('parsing');
  try {
    const matches = (skeleton ? lang.skeletonQuery! : lang.query).matches(tree.rootNode);
    clock?.lap('queries');
    const nameStarts = new Set<number>();
    const defs = extractDefinitions(file, matches, nameStarts);
    let refs: Record<string, number> = Object.create(null);
    const imports: string[] = [];
    if (skeleton) {
      refs = skeleton.identifiers;
      // A definition's own name is not a use of it.
      for (const d of defs) { const left = (refs[d.name] ?? 0) - 1; if (left > 0) refs[d.name] = left; else delete refs[d.name]; }
      if (family !== 'c') imports.push(...skeleton.imports);
    }
    for (const m of matches) {
      for (const c of m.captures) {
        if (c.name === 'ref') {
          if (nameStarts.has(c.node.startIndex)) continue;   // the name of a definition is not a use
          const name = c.node.text;
          if (name.length >= 2) refs[name] = (refs[name] ?? 0) + 1;
        } else if (c.name === 'import') {
          imports.push(c.node.text.replace(/^["'<]|["'>]$/g, ''));
        }
      }
    }
    const chunks = definitionChunks(defs, lines);
    chunks.push(...windowChunks(lines, chunks, 1, lines.length));
    clock?.lap('chunking');
    const termTable = termTableFor(lines, chunks);
    clock?.lap('terms');
    return { language: spec.id, lineCount: lines.length, defs, refs, imports: [...new Set(imports)], chunks, termTable };
  } finally {
    tree.delete();
  }
}

/** Definitions with containers; fills `nameStarts` with the byte offsets of definition names (not references). */
function extractDefinitions(file: string, matches: QueryMatch[], nameStarts: Set<number>): SymbolDef[] {
  const found: { def: SymbolDef; start: number; end: number }[] = [];
  const seen = new Set<string>();
  for (const m of matches) {
    let node: Node | undefined; let nameNode: Node | undefined; let kind: SymbolKind | undefined;
    let explicitContainer: string | undefined;
    for (const c of m.captures) {
      if (c.name === 'name') { nameNode = c.node; nameStarts.add(c.node.startIndex); }
      else if (c.name === 'container') explicitContainer = c.node.text;
      else if (c.name.startsWith('def.')) { node = c.node; kind = c.name.slice(4) as SymbolKind; }
    }
    if (!node || !nameNode || !kind) continue;
    const key = `${node.startIndex}:${node.endIndex}`;
    if (seen.has(key)) continue;   // two patterns matched the same node (e.g. an impl of a generic type)
    seen.add(key);
    const def: SymbolDef = { name: nameNode.text, kind, file, startLine: node.startPosition.row + 1, endLine: endLineOf(node) };
    // Go receivers and C++ `Type::method` name their container outside the nesting.
    if (explicitContainer) def.container = explicitContainer;
    found.push({ def, start: node.startIndex, end: node.endIndex });
  }
  // Containers by byte nesting: sort by start, then longest first, and keep a stack of open definitions.
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const stack: typeof found = [];
  for (const f of found) {
    while (stack.length && stack[stack.length - 1].end < f.end) stack.pop();
    while (stack.length && stack[stack.length - 1].end <= f.start) stack.pop();
    const parent = stack[stack.length - 1];
    if (parent && !f.def.container) {
      f.def.container = parent.def.name;
      if (f.def.kind === 'function' && CONTAINER_KINDS.has(parent.def.kind)) f.def.kind = 'method';
    }
    // A method outside any class (a top-level Ruby `def`) is a function.
    if (f.def.kind === 'method' && !f.def.container) f.def.kind = 'function';
    stack.push(f);
  }
  return found.map((f) => f.def);
}

const LEADING_COMMENT = /^\s*(\/\/|\/\*|\*|#(?!\s*(include|import|if|ifdef|ifndef|else|elif|endif|define|undef|pragma)\b)|@[A-Za-z]|\[[A-Z])/;

/** A definition's chunk starts at the doc comments, decorators and attributes right above it. */
function chunkStart(def: SymbolDef, lines: string[]): number {
  let start = def.startLine;
  while (start > 1 && LEADING_COMMENT.test(lines[start - 2])) start--;
  return start;
}

/** One chunk per definition, from its leading comments to its end (terms: see chunkTerms.ts). */
function definitionChunks(defs: SymbolDef[], lines: string[]): ChunkRecord[] {
  return defs.map((d) => ({ kind: 'definition' as const, startLine: chunkStart(d, lines), endLine: d.endLine, name: d.name, length: 0 }));
}

export { splitLines };
