// Turns one file's text into definitions, references, imports and rankable chunks. Runs inside an index worker
// (or the main thread when workers are disabled); holds one tree-sitter parser and compiled queries per language.
// The parser is native where a prebuild loads (nativeGrammars.ts) and wasm otherwise (grammarLoader.ts): the same
// queries run on both, and they find the same definitions (test/unit/index/parserBackends.test.ts).
import { wasmLanguage } from './grammarLoader';
import { NATIVE_GRAMMARS, nativeLanguage, nativeUnavailable } from './nativeGrammars';
import { languageSpec, type LanguageSpec } from './languages';
import { noRefs, packRefs, unpackRefs, withoutUses, type ChunkRecord, type PackedRefs, type ParsedContent, type SymbolDef, type SymbolKind } from './fileRecord';
import { termTableFor } from './chunkTerms';
import { TextLines, textContent, windowChunks } from './lineWindows';
import { codeSkeleton, type SkeletonFamily } from './codeSkeleton';
import { PhaseClock } from './indexPhases';
import { mapToObjects, objectArray } from './objectArrays';
import type { ParserBackend, SyntaxLanguage, SyntaxMatch, SyntaxNode, SyntaxPoint, SyntaxQuery } from './syntaxTree';


/** Languages whose source goes through codeSkeleton.ts first (TSX is left out: JSX text defeats the scanner). */
const SKELETON_FAMILY = new Map<string, SkeletonFamily>([['c', 'c'], ['cpp', 'c'], ['javascript', 'js'], ['typescript', 'ts']]);

/**
 * Which parser runs: 'auto' (the default) takes the native one where it loads and its queries compile, else wasm.
 * UNISPARSE_PARSER=wasm or =native forces one for the natively parsed languages (native then fails loudly where it
 * cannot load); the other languages always parse with wasm.
 */
export type ParserChoice = ParserBackend | 'auto';

/** The environment's choice, read once per thread (process.env is a system call per read, and this runs per file). */
let environmentChoice: ParserChoice | undefined;

function defaultChoice(): ParserChoice {
  if (environmentChoice) return environmentChoice;
  const v = process.env.UNISPARSE_PARSER;
  if (v === 'native' || v === 'wasm' || v === 'auto' || !v) return (environmentChoice = (v || 'auto') as ParserChoice);
  throw new Error(`UNISPARSE_PARSER=${v} is not a parser: use native, wasm or auto (the default).`);
}

/**
 * One parser and two compiled queries per language, backend and thread: `query` holds the definition, reference and
 * import patterns (the tree is walked once per file); `skeletonQuery` only what a skeleton's tree still answers
 * (definitions, and #include for C) since the skeleton pass counts references and JavaScript imports itself.
 */
interface CompiledLanguage { parser: SyntaxLanguage; readonly query: SyntaxQuery; skeletonQuery: SyntaxQuery | undefined }
const compiled = new Map<string, Promise<CompiledLanguage>>();

function compileQueries(spec: LanguageSpec, parser: SyntaxLanguage): CompiledLanguage {
  const family = SKELETON_FAMILY.get(spec.id);
  const compileOne = (source: string) => {
    try {
      return parser.query(source);
    } catch (e) {
      const what = parser.backend === 'wasm' ? `tree-sitter-${spec.grammar}.wasm` : `the native tree-sitter-${spec.grammar}`;
      throw new Error(`The queries for ${spec.id} in server/index/languages.ts do not compile against ${what}: ${(e as Error).message}`);
    }
  };
  const wholeFile = `${spec.definitions}\n${spec.references}\n${spec.imports}`;
  if (!family) return { parser, query: compileOne(wholeFile), skeletonQuery: undefined };
  // Where a skeleton pass exists, most files never need the whole-file query (every JavaScript and TypeScript file of
  // the bench's 17.6 MB corpus gets a skeleton), and compiling it costs more than the skeleton's: tree-sitter analyses
  // every pattern against the grammar (TypeScript's: about 50 ms). It is compiled on the first file that needs it.
  const skeletonQuery = compileOne(family === 'c' ? `${spec.definitions}\n${spec.imports}` : spec.definitions);
  let query: SyntaxQuery | undefined;
  return { parser, skeletonQuery, get query() { return (query ??= compileOne(wholeFile)); } };
}

async function compile(spec: LanguageSpec, choice: ParserChoice): Promise<CompiledLanguage> {
  if (choice !== 'wasm' && NATIVE_GRAMMARS.includes(spec.grammar)) {
    const native = nativeLanguage(spec.grammar);
    if (native) {
      try { return compileQueries(spec, native); } catch (e) { if (choice === 'native') throw e; }   // auto: wasm below
    } else if (choice === 'native') {
      throw new Error(`No native parser for ${spec.id}: ${nativeUnavailable(spec.grammar)}`);
    }
  }
  return compileQueries(spec, await wasmLanguage(spec.grammar));
}

/** The languages compiled so far, by the same key: a file of a loaded language is parsed without an await. */
const ready = new Map<string, CompiledLanguage>();

function compiledFor(spec: LanguageSpec, choice: ParserChoice): Promise<CompiledLanguage> {
  const key = `${choice}:${spec.id}`;
  let c = compiled.get(key);
  if (!c) {
    c = compile(spec, choice).then((lang) => { ready.set(key, lang); return lang; });
    compiled.set(key, c);
  }
  return c;
}

/** The backend that parses `languageId` in this thread under `choice` (loads it if needed). */
export async function parserBackendFor(languageId: string, choice: ParserChoice = defaultChoice()): Promise<ParserBackend | undefined> {
  const spec = languageSpec(languageId);
  return spec && (await compiledFor(spec, choice)).parser.backend;
}

const CONTAINER_KINDS = new Set<SymbolKind>(['class', 'interface', 'type', 'enum']);

function endLineOf(start: SyntaxPoint, end: SyntaxPoint): number {
  // A node that ends at column 0 ends on the previous line (its trailing newline is not a line of its own).
  return end.column === 0 && end.row > start.row ? end.row : end.row + 1;
}

/**
 * Parses `text` as `languageId` ('text' or unknown: line windows only). Never throws on bad source text. `clock`
 * (optional) is charged with the time of each step (see indexPhases.ts).
 */
export async function parseContent(file: string, text: string, languageId: string, clock?: PhaseClock,
  choice: ParserChoice = defaultChoice()): Promise<ParsedContent> {
  const lines = new TextLines(text);
  const spec = languageSpec(languageId);
  if (!spec) {
    const content = textContent(lines);
    clock?.lap('terms');
    return content;
  }
  const family = SKELETON_FAMILY.get(spec.id);
  const skeleton = family ? codeSkeleton(text, family) : undefined;
  clock?.lap('skeleton');
  // A header with no C++ in it is parsed with the C grammar: it finds the same definitions, and a C code base then
  // never loads the C++ grammar (4.6 MB of wasm that costs each worker seconds to compile).
  const grammarSpec = skeleton && spec.id === 'cpp' && !skeleton.cpp && /\.h$/i.test(file) ? languageSpec('c')! : spec;
  const lang = ready.get(`${choice}:${grammarSpec.id}`) ?? await compiledFor(grammarSpec, choice);
  clock?.lap('grammars');
  const source = skeleton ? skeleton.text : text;
  const query = skeleton ? lang.skeletonQuery! : lang.query;
  // Parse and query in one native call where the backend can (no tree kept; a whole-file parse's references counted
  // there too), else parse, then query the tree.
  const direct = lang.parser.parseMatches?.(source, query, !skeleton);
  const tree = direct ? undefined : lang.parser.parse(source);
  if (!direct && !tree) throw new Error(`tree-sitter returned no tree for ${file}`);
  clock?.lap('parsing');
  try {
    const matches = direct ? direct.matches : query.matches(tree!.rootNode);
    clock?.lap('queries');
    // Reference captures (whole-file parses only) skip the names of definitions, found by their offsets.
    const nameStarts = skeleton ? undefined : new Set<number>();
    const defs = extractDefinitions(file, matches, nameStarts, grammarSpec.importBinding);
    const imports = objectArray<string>();
    let refs: PackedRefs | undefined = direct?.refs;
    if (skeleton) {
      // A definition's own name is not a use of it.
      refs = withoutUses(skeleton.identifiers, mapToObjects(defs, (d) => d.name));
      if (family !== 'c') for (let k = 0; k < skeleton.imports.length; k++) imports.push(skeleton.imports[k]);
    }
    // `ref` captures come only from a whole-file parse whose references were not counted natively.
    let counted: Record<string, number> | undefined;
    for (const m of matches) {
      for (const c of m.captures) {
        if (c.name === 'ref') {
          if (nameStarts!.has(c.node.startIndex)) continue;   // the name of a definition is not a use
          const name = c.node.text;
          counted ??= refs ? unpackRefs(refs) : Object.create(null) as Record<string, number>;
          if (name.length >= 2) counted[name] = (counted[name] ?? 0) + 1;
        } else if (c.name === 'import') {
          imports.push(c.node.text.replace(/^["'<]|["'>]$/g, ''));
        }
      }
    }
    if (counted) refs = packRefs(counted);
    const definitions = definitionChunks(defs, lines);
    const chunks = definitions.concat(windowChunks(lines, definitions, 1, lines.count));
    clock?.lap('chunking');
    const termTable = termTableFor(lines, chunks);
    clock?.lap('terms');
    return { language: spec.id, lineCount: lines.count, defs, refs: refs ?? noRefs(), imports: [...new Set(imports)], chunks, termTable };
  } finally {
    tree?.delete?.();
  }
}

/** A definition as the query found it, before its container is known (one object shape for every match). */
interface FoundDefinition { name: string; kind: SymbolKind; container: string | undefined; startLine: number; endLine: number; start: number; end: number }

/**
 * Definitions with containers; fills `nameStarts` (when given) with the offsets of names the definition patterns
 * capture (not references; the native reference count skips the same names, locals and imports dropped here too).
 * Each node property is read once: on the native parser every read is a call into the addon. The nesting is worked
 * out on FoundDefinition records, and each SymbolDef is made once, with or without its container: a definition
 * given its container afterwards gets another hidden class, and the optimized code that read a parent of the
 * other class was thrown away and compiled again in every worker.
 */
function extractDefinitions(file: string, matches: SyntaxMatch[], nameStarts: Set<number> | undefined,
  importBinding: RegExp | undefined): SymbolDef[] {
  const found = objectArray<FoundDefinition>();
  const seen = new Set<string>();
  for (const m of matches) {
    let node: SyntaxNode | undefined; let nameNode: SyntaxNode | undefined; let kind: SymbolKind | undefined;
    let explicitContainer: string | undefined;
    for (const c of m.captures) {
      if (c.name === 'name') { nameNode = c.node; nameStarts?.add(c.node.startIndex); }
      else if (c.name === 'container') explicitContainer = containerName(c.node.text);
      else if (c.name.startsWith('def.')) { node = c.node; kind = c.name.slice(4) as SymbolKind; }
    }
    if (!node || !nameNode || !kind) continue;
    if (kind === 'variable' && importBinding?.test(node.text)) continue;
    const start = node.startIndex; const end = node.endIndex;
    const key = `${start}:${end}`;
    if (seen.has(key)) continue;   // two patterns matched the same node (e.g. an impl of a generic type)
    seen.add(key);
    const startPosition = node.startPosition;
    // Go receivers and C++ `Type::method` name their container outside the nesting.
    found.push({ name: nameNode.text, kind, container: explicitContainer || undefined, startLine: startPosition.row + 1,
      endLine: endLineOf(startPosition, node.endPosition), start, end });
  }
  // Containers by byte nesting: sort by start, then longest first, and keep a stack of open definitions.
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const stack = objectArray<FoundDefinition>();
  const kept = objectArray<SymbolDef>();
  for (const f of found) {
    while (stack.length && stack[stack.length - 1].end < f.end) stack.pop();
    while (stack.length && stack[stack.length - 1].end <= f.start) stack.pop();
    const parent = stack[stack.length - 1];
    // A variable inside a function is a local: state, not something a reader looks up (languages.ts).
    if (f.kind === 'variable' && parent && (parent.kind === 'function' || parent.kind === 'method')) continue;
    const hasContainer = f.container !== undefined || parent !== undefined;
    if (parent && f.container === undefined) {
      f.container = parent.name;
      if (f.kind === 'function' && CONTAINER_KINDS.has(parent.kind)) f.kind = 'method';
    }
    // A method outside any class (a top-level Ruby `def`) is a function.
    if (f.kind === 'method' && !f.container) f.kind = 'function';
    stack.push(f);
    kept.push(hasContainer
      ? { name: f.name, kind: f.kind, file, startLine: f.startLine, endLine: f.endLine, container: f.container }
      : { name: f.name, kind: f.kind, file, startLine: f.startLine, endLine: f.endLine });
  }
  return kept;
}

/**
 * The container a pattern names outside the nesting: a Go receiver, a C++ `Type::`, the object a JavaScript
 * function is assigned to (`res` of `res.send = ...`, `Foo` of `Foo.prototype.bar = ...`). `this.x = ...` and an
 * object that is not a plain name (`make().x = ...`) leave it to the nesting.
 */
function containerName(text: string): string | undefined {
  const name = text.endsWith('.prototype') ? text.slice(0, -10) : text;
  return name !== 'this' && /^[A-Za-z_$][\w$.:<>*&, ]*$/.test(name) ? name : undefined;
}

const LEADING_COMMENT = /^\s*(\/\/|\/\*|\*|#(?!\s*(include|import|if|ifdef|ifndef|else|elif|endif|define|undef|pragma)\b)|@[A-Za-z]|\[[A-Z])/;

/** A definition's chunk starts at the doc comments, decorators and attributes right above it. */
function chunkStart(def: SymbolDef, lines: TextLines): number {
  let start = def.startLine;
  while (start > 1 && LEADING_COMMENT.test(lines.line(start - 1))) start--;
  return start;
}

/** One chunk per definition, from its leading comments to its end (terms: see chunkTerms.ts). */
function definitionChunks(defs: SymbolDef[], lines: TextLines): ChunkRecord[] {
  return mapToObjects(defs, (d): ChunkRecord => ({ kind: 'definition', startLine: chunkStart(d, lines), endLine: d.endLine, name: d.name, length: 0 }));
}

