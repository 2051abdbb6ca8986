// Definitions, references and imports extracted from the polyglot fixture: one small file per parsed language.
// Expected lines were checked by hand against the fixture files.
import * as assert from 'assert';
import * as path from 'path';
import { RepoIndex } from '../../../server/index/repoIndex';
import { describeDefs, FIXTURES } from './indexTestSupport';

describe('index: definitions, references and imports per language', () => {
  let index: RepoIndex;
  before(async () => { index = await RepoIndex.build(path.join(FIXTURES, 'polyglot'), { cacheDir: null }); });
  after(() => index?.dispose());

  const refsOf = (file: string) => Object.keys(index.graph.referencesOf(file));
  const expectRefs = (file: string, names: string[]) => {
    const refs = refsOf(file);
    for (const n of names) assert.ok(refs.includes(n), `${file} should reference ${n}; got ${refs.sort().join(' ')}`);
  };

  it('indexes every file with its language', () => {
    assert.deepStrictEqual(index.stats().languages, {
      bash: 1, c: 1, cpp: 1, csharp: 1, go: 1, java: 1, javascript: 2, python: 2, ruby: 1, rust: 1, text: 1, tsx: 1, typescript: 2,
    });
    assert.strictEqual(index.stats().files, 16);
  });

  it('TypeScript: interfaces, types, enums, classes, methods, functions and arrow functions', () => {
    assert.deepStrictEqual(describeDefs(index.definitionsIn('src/shapes.ts')), [
      'interface Shape 4-6', 'method area 5-5 in Shape', 'type ShapeId 8-8', 'enum Units 10-10', 'class Circle 12-22',
      'method constructor 13-13 in Circle', 'method area 15-17 in Circle', 'method describe 19-21 in Circle',
      'function totalArea 24-26', 'function largest 28-29',
    ]);
    expectRefs('src/shapes.ts', ['formatArea', 'Shape', 'radius', 'area', 'reduce']);
    assert.deepStrictEqual(index.fileRecord('src/shapes.ts')!.imports, ['../lib/format']);
  });

  it('TSX: components and their references', () => {
    assert.deepStrictEqual(describeDefs(index.definitionsIn('src/view.tsx')), ['interface Props 3-3', 'function AreaList 5-8']);
    expectRefs('src/view.tsx', ['Circle', 'totalArea', 'Props']);
    assert.deepStrictEqual(index.fileRecord('src/view.tsx')!.imports, ['./shapes']);
  });

  it('TypeScript: exported and module-level constants, not locals or import bindings', () => {
    assert.deepStrictEqual(describeDefs(index.definitionsIn('src/config.ts')),
      ['variable DEFAULT_PORT 4-4', 'variable LIMITS 5-5', 'function loadConfig 6-6', 'function port 8-11']);
  });

  it('JavaScript: functions, classes, methods, module-level constants, require()', () => {
    assert.deepStrictEqual(describeDefs(index.definitionsIn('lib/format.js')),
      ['variable DIGITS 1-1', 'function formatArea 3-5', 'class Formatter 7-11', 'method format 8-10 in Formatter']);
    expectRefs('lib/format.js', ['formatArea', 'DIGITS', 'toFixed']);
  });

  it('JavaScript: definitions made by assignment (CommonJS, prototypes, this) and module-level values', () => {
    // Left out: `var path = require(...)` and `require('debug')(...)` (imports), `this.params = {}` (state inside a
    // function), `module.exports = res` and `Router.prototype = ...` (name nothing to look up).
    assert.deepStrictEqual(describeDefs(index.definitionsIn('lib/response.js')), [
      'variable res 4-4', 'variable emptyStatuses 7-7', 'variable maxAge 8-8',
      'method status 10-13 in res', 'method send 15-15 in res', 'function Router 17-22', 'method handle 19-21 in Router',
      'method route 24-26 in Router', 'method json 28-30 in module.exports', 'variable static 32-32', 'variable query 33-33',
      'function bodyLimit 36-38',
    ]);
    assert.deepStrictEqual(index.graph.definingFiles('send'), ['lib/response.js']);
    // A definition's name is not a use of it; the module it requires still is an import.
    assert.ok(!refsOf('lib/response.js').includes('emptyStatuses'));
    assert.deepStrictEqual(index.fileRecord('lib/response.js')!.imports, ['path', 'debug', 'serve-static', './limits']);
    // `res.send` gets a chunk of its own, found by its name.
    assert.deepStrictEqual(index.lexical.definitionsNamed('send').map((c) => [c.file, c.startLine, c.endLine]), [['lib/response.js', 15, 15]]);
  });

  it('Python: classes, methods (decorated functions too), relative imports', () => {
    assert.deepStrictEqual(describeDefs(index.definitionsIn('py/animals.py')),
      ['class Animal 5-12', 'method __init__ 8-9 in Animal', 'method speak 11-12 in Animal', 'function make_sound 16-17']);
    expectRefs('py/animals.py', ['make_sound', 'register', 'os', 'join']);
    assert.deepStrictEqual(index.fileRecord('py/animals.py')!.imports, ['os', '.registry']);
  });

  it('Python: module-level assignments (annotated too) and class attributes, not locals or instance state', () => {
    assert.deepStrictEqual(describeDefs(index.definitionsIn('py/settings.py')), [
      'variable SESSION_LIFETIME 5-5', 'variable current_app 6-6', 'class Session 9-15', 'variable salt 10-10 in Session',
      'variable max_size 11-11 in Session', 'method __init__ 13-15 in Session',
    ]);
    assert.deepStrictEqual(index.graph.definingFiles('current_app'), ['py/settings.py']);
    // The chunk of a module-level value starts at the comment that documents it.
    assert.deepStrictEqual(index.lexical.definitionsNamed('SESSION_LIFETIME').map((c) => [c.startLine, c.endLine]), [[4, 5]]);
  });

  it('Go: structs, interfaces, methods with their receiver type', () => {
    assert.deepStrictEqual(describeDefs(index.definitionsIn('go/point.go')), [
      'class Point 8-10', 'interface Mover 12-14', 'method Move 13-13 in Mover', 'method Move 16-19 in Point',
      'function Distance 21-23', 'function Describe 25-27',
    ]);
    expectRefs('go/point.go', ['Hypot', 'Sprintf', 'Point']);
    assert.deepStrictEqual(index.fileRecord('go/point.go')!.imports, ['fmt', 'math']);
  });

  it('Rust: structs, traits, impls, enums, functions', () => {
    assert.deepStrictEqual(describeDefs(index.definitionsIn('rs/lib.rs')), [
      'class Inventory 3-5', 'interface Store 7-9', 'method count 8-8 in Store', 'class Inventory 11-15',
      'method count 12-14 in Inventory', 'enum Level 17-17', 'function restock 19-21',
    ]);
    expectRefs('rs/lib.rs', ['HashMap', 'Inventory', 'insert']);
    assert.deepStrictEqual(index.fileRecord('rs/lib.rs')!.imports, ['std::collections::HashMap']);
  });

  it('Java: classes, constructors, methods, nested interfaces and enums', () => {
    assert.deepStrictEqual(describeDefs(index.definitionsIn('java/com/shop/Cart.java')), [
      'class Cart 6-24', 'method Cart 9-9 in Cart', 'method add 11-13 in Cart', 'method total 15-17 in Cart',
      'interface Discount 19-21 in Cart', 'method apply 20-20 in Discount', 'enum Status 23-23 in Cart',
    ]);
    expectRefs('java/com/shop/Cart.java', ['Item', 'ArrayList', 'items']);
    assert.deepStrictEqual(index.fileRecord('java/com/shop/Cart.java')!.imports, ['java.util.ArrayList', 'java.util.List']);
  });

  it('C: typedef structs, enums, static and pointer-returning functions, includes', () => {
    assert.deepStrictEqual(describeDefs(index.definitionsIn('c/list.c')), [
      'type node_t 4-7', 'class node 4-7 in node_t', 'enum list_error 9-9', 'function new_node 11-15', 'function list_push 17-22',
    ]);
    expectRefs('c/list.c', ['new_node', 'malloc', 'LIST_OK']);
    assert.deepStrictEqual(index.fileRecord('c/list.c')!.imports, ['stdlib.h', 'list.h']);
  });

  it('C++: namespaces, classes, inline and out-of-line methods, templates', () => {
    assert.deepStrictEqual(describeDefs(index.definitionsIn('cpp/matrix.cpp')), [
      'module linalg 4-25', 'class Matrix 6-15 in linalg', 'method at 9-9 in Matrix', 'method multiply 10-10 in Matrix',
      'method multiply 17-20 in Matrix', 'function clamp 23-23 in linalg',
    ]);
    expectRefs('cpp/matrix.cpp', ['Matrix', 'data_', 'vector']);
    assert.deepStrictEqual(index.fileRecord('cpp/matrix.cpp')!.imports, ['vector', 'matrix.h']);
  });

  it('C#: namespaces, interfaces, classes, constructors, expression-bodied methods, enums', () => {
    assert.deepStrictEqual(describeDefs(index.definitionsIn('cs/Circle.cs')), [
      'module Geometry 3-22', 'interface IShape 5-8 in Geometry', 'method Area 7-7 in IShape', 'class Circle 10-19 in Geometry',
      'method Circle 14-14 in Circle', 'method Area 16-16 in Circle', 'method Square 18-18 in Circle', 'enum Units 21-21 in Geometry',
    ]);
    expectRefs('cs/Circle.cs', ['Square', 'IShape', 'Math']);
    assert.deepStrictEqual(index.fileRecord('cs/Circle.cs')!.imports, ['System']);
  });

  it('Ruby: modules, classes, instance and singleton methods, top-level functions', () => {
    assert.deepStrictEqual(describeDefs(index.definitionsIn('rb/dog.rb')), [
      'module Pets 4-14', 'class Dog 5-13 in Pets', 'method bark 6-8 in Dog', 'method create 10-12 in Dog', 'function to_json_all 16-18',
    ]);
    expectRefs('rb/dog.rb', ['speak', 'Animal', 'JSON']);
    assert.deepStrictEqual(index.fileRecord('rb/dog.rb')!.imports, ['json', 'animal']);
  });

  it('Bash: both function syntaxes, commands as references, sourced files', () => {
    assert.deepStrictEqual(describeDefs(index.definitionsIn('scripts/deploy.sh')), ['function build 5-7', 'function deploy 9-12']);
    expectRefs('scripts/deploy.sh', ['build', 'make', 'upload_artifacts', 'deploy']);
    assert.deepStrictEqual(index.fileRecord('scripts/deploy.sh')!.imports, ['./scripts/common.sh']);
  });

  it('other files become line windows', () => {
    const r = index.fileRecord('README.md')!;
    assert.strictEqual(r.language, 'text');
    assert.deepStrictEqual(r.defs, []);
    assert.deepStrictEqual(index.lexical.chunksOf('README.md').map((c) => [c.kind, c.startLine, c.endLine]), [['window', 1, 4]]);
  });

  it('symbolAt finds the innermost definition; files are given root-relative or absolute', () => {
    assert.strictEqual(index.symbolAt('src/shapes.ts', 16)?.name, 'area');
    assert.strictEqual(index.symbolAt('src/shapes.ts', 16)?.container, 'Circle');
    assert.strictEqual(index.symbolAt(path.join(index.root, 'src/shapes.ts'), 14)?.name, 'Circle');
    assert.strictEqual(index.symbolAt('src/shapes.ts', 2), undefined);
    assert.strictEqual(index.fileText('lib/format.js')!.split('\n')[2], 'function formatArea(value) {');
  });

  it('the symbol graph links a reference to the file that defines it, and resolves imports', () => {
    assert.deepStrictEqual(index.graph.definingFiles('totalArea'), ['src/shapes.ts']);
    assert.deepStrictEqual(index.graph.resolveImport('src/view.tsx', './shapes'), ['src/shapes.ts']);
    assert.deepStrictEqual(index.graph.resolveImport('src/shapes.ts', '../lib/format'), ['lib/format.js']);
    const g = index.graph.fileGraph();
    const from = g.files.indexOf('src/view.tsx');
    const targets = [...g.targets[from]].map((i) => g.files[i]);
    assert.ok(targets.includes('src/shapes.ts'), `view.tsx should link to shapes.ts, got ${targets.join(', ')}`);
  });
});
