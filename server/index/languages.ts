// Which files tree-sitter parses, with which grammar, and the queries that pull definitions, references and imports
// out of the syntax tree. Capture names: @def.<kind> marks the whole definition node, @name its name, @ref an
// identifier use, @import a module specifier. A function found inside a class-like container is reported as a
// method by the parser (one rule instead of a pattern per nesting).
import * as path from 'path';

export interface LanguageSpec {
  /** Language id used in stats and records. */
  id: string;
  /** tree-sitter-<grammar>.wasm */
  grammar: string;
  definitions: string;
  references: string;
  imports: string;
  /** A variable definition whose text matches is an import binding (`const x = require('y')`), not a definition. */
  importBinding?: RegExp;
}

/**
 * JavaScript and TypeScript definitions made by assignment, which CommonJS and prototype-style code uses for most of
 * its API: `res.send = function send() {}`, `Foo.prototype.bar = function () {}`, `this.run = () => {}`, a module's
 * named export `module.exports = function query() {}` (by the function's name), `exports.static = require('x')`, and
 * module-level constants (`var removedMiddlewares = [...]`, `export const DEFAULTS = {...}`). A function assigned to
 * a property is a definition wherever it is; a property or variable holding any other value is one outside functions
 * only (a local is state: fileParser.ts drops a variable found inside a function or method, which costs less than
 * anchoring the patterns at the program node, whose match then stays open over the whole tree). `const x =
 * require('y')` binds an import, not a definition (see JS_IMPORT_BINDING), and `module.exports = ...` and
 * `Foo.prototype = ...` name nothing a reader would look up: all are left out. `tsValues` adds TypeScript's
 * expression types to the values a constant may hold. Every pattern starts at a fixed node type and its predicates
 * compare a capture with a string, so the native query runner evaluates them itself (no per-match callback).
 */
function assignedDefinitions(tsValues: string): string {
  const fn = '[(function_expression) (arrow_function) (class)]';
  const member = `(member_expression object: [(identifier) (member_expression)] property: (property_identifier) @name)`;
  // The values a constant is written with: literals, data structures, `new`, arithmetic, calls (`Object.create(...)`,
  // `express.Router()`; `require(...)` is dropped after the query, by importBinding, which costs less than a
  // predicate on every call's callee). Names and member reads are aliases, not definitions.
  const value = `(call_expression) (new_expression) (object) (array) (string) (template_string) (number) (regex) (true)
 (false) (null) (undefined) (binary_expression) (unary_expression) ${tsValues}`;
  return `
(assignment_expression left: (member_expression object: (_) @container property: (property_identifier) @name) right: ${fn} (#not-eq? @name "exports")) @def.method
(assignment_expression left: (member_expression property: (property_identifier) @_exports) right: (function_expression name: (identifier) @name) (#eq? @_exports "exports")) @def.function
(assignment_expression left: ${member} right: [${value}] (#not-eq? @name "exports") (#not-eq? @name "prototype")) @def.variable
(variable_declarator name: (identifier) @name value: [${value}]) @def.variable`;
}

/** `x = require('y')` and `x = require('y')(...)`, as a variable definition's text starts. */
const JS_IMPORT_BINDING = /^[\w$]+\s*(:[^=]*)?=\s*require\s*\(/;

const TS_DEFINITIONS = `
(function_declaration name: (identifier) @name) @def.function
(generator_function_declaration name: (identifier) @name) @def.function
(class_declaration name: (_) @name) @def.class
(abstract_class_declaration name: (_) @name) @def.class
(method_definition name: (_) @name) @def.method
(abstract_method_signature name: (_) @name) @def.method
(method_signature name: (_) @name) @def.method
(interface_declaration name: (_) @name) @def.interface
(type_alias_declaration name: (_) @name) @def.type
(enum_declaration name: (_) @name) @def.enum
(internal_module name: (_) @name) @def.module
(lexical_declaration (variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression)])) @def.function
${assignedDefinitions('(as_expression) (satisfies_expression)')}
`;
const TS_REFERENCES = `
(identifier) @ref
(type_identifier) @ref
(property_identifier) @ref
`;
const JS_IMPORTS = `
(import_statement source: (string (string_fragment) @import))
(export_statement source: (string (string_fragment) @import))
(call_expression function: (identifier) @_req arguments: (arguments (string (string_fragment) @import)) (#eq? @_req "require"))
`;

const JS_DEFINITIONS = `
(function_declaration name: (identifier) @name) @def.function
(generator_function_declaration name: (identifier) @name) @def.function
(class_declaration name: (_) @name) @def.class
(method_definition name: (_) @name) @def.method
(lexical_declaration (variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression) (class)])) @def.function
(variable_declaration (variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression) (class)])) @def.function
${assignedDefinitions('')}
`;
const JS_REFERENCES = `
(identifier) @ref
(property_identifier) @ref
`;

const PYTHON = {
  definitions: `
(function_definition name: (identifier) @name) @def.function
(class_definition name: (identifier) @name) @def.class
(module (expression_statement (assignment left: (identifier) @name)) @def.variable)
(class_definition body: (block (expression_statement (assignment left: (identifier) @name)) @def.variable))
`,
  references: `(identifier) @ref`,
  imports: `
(import_statement name: (dotted_name) @import)
(import_statement name: (aliased_import name: (dotted_name) @import))
(import_from_statement module_name: (dotted_name) @import)
(import_from_statement module_name: (relative_import) @import)
`,
};

const GO = {
  definitions: `
(function_declaration name: (identifier) @name) @def.function
(method_declaration receiver: (parameter_list (parameter_declaration type: [(type_identifier) @container (pointer_type (type_identifier) @container) (generic_type type: (type_identifier) @container) (pointer_type (generic_type type: (type_identifier) @container))])) name: (field_identifier) @name) @def.method
(type_spec name: (type_identifier) @name type: (struct_type)) @def.class
(type_spec name: (type_identifier) @name type: (interface_type)) @def.interface
(type_spec name: (type_identifier) @name type: [(type_identifier) (qualified_type) (pointer_type) (slice_type) (map_type) (function_type) (array_type) (channel_type) (generic_type)]) @def.type
(type_alias name: (type_identifier) @name) @def.type
(method_spec name: (field_identifier) @name) @def.method
`,
  references: `
(identifier) @ref
(type_identifier) @ref
(field_identifier) @ref
(package_identifier) @ref
`,
  imports: `(import_spec path: (interpreted_string_literal) @import)`,
};

const RUST = {
  definitions: `
(function_item name: (identifier) @name) @def.function
(function_signature_item name: (identifier) @name) @def.function
(struct_item name: (type_identifier) @name) @def.class
(union_item name: (type_identifier) @name) @def.class
(enum_item name: (type_identifier) @name) @def.enum
(trait_item name: (type_identifier) @name) @def.interface
(type_item name: (type_identifier) @name) @def.type
(mod_item name: (identifier) @name) @def.module
(macro_definition name: (identifier) @name) @def.function
(impl_item type: (type_identifier) @name) @def.class
(impl_item type: (generic_type type: (type_identifier) @name)) @def.class
`,
  references: `
(identifier) @ref
(type_identifier) @ref
(field_identifier) @ref
`,
  imports: `
(use_declaration argument: (_) @import)
(mod_item name: (identifier) @import !body)
`,
};

const JAVA = {
  definitions: `
(class_declaration name: (identifier) @name) @def.class
(record_declaration name: (identifier) @name) @def.class
(interface_declaration name: (identifier) @name) @def.interface
(annotation_type_declaration name: (identifier) @name) @def.interface
(enum_declaration name: (identifier) @name) @def.enum
(method_declaration name: (identifier) @name) @def.method
(constructor_declaration name: (identifier) @name) @def.method
`,
  references: `
(identifier) @ref
(type_identifier) @ref
`,
  imports: `(import_declaration (scoped_identifier) @import)`,
};

const C = {
  definitions: `
(function_definition declarator: (function_declarator declarator: (identifier) @name)) @def.function
(function_definition declarator: (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))) @def.function
(struct_specifier name: (type_identifier) @name body: (_)) @def.class
(union_specifier name: (type_identifier) @name body: (_)) @def.class
(enum_specifier name: (type_identifier) @name body: (_)) @def.enum
(type_definition declarator: (type_identifier) @name) @def.type
(preproc_function_def name: (identifier) @name) @def.function
`,
  references: `
(identifier) @ref
(type_identifier) @ref
(field_identifier) @ref
`,
  imports: `
(preproc_include path: (string_literal (string_content) @import))
(preproc_include path: (system_lib_string) @import)
`,
};

const CPP = {
  definitions: `
(function_definition declarator: (function_declarator declarator: [(identifier) (field_identifier) (operator_name) (destructor_name)] @name)) @def.function
(function_definition declarator: (function_declarator declarator: (qualified_identifier scope: (_) @container name: (_) @name))) @def.method
(function_definition declarator: (pointer_declarator declarator: (function_declarator declarator: (_) @name))) @def.function
(function_definition declarator: (reference_declarator (function_declarator declarator: (_) @name))) @def.function
(field_declaration declarator: (function_declarator declarator: (field_identifier) @name)) @def.method
(class_specifier name: (type_identifier) @name body: (_)) @def.class
(struct_specifier name: (type_identifier) @name body: (_)) @def.class
(union_specifier name: (type_identifier) @name body: (_)) @def.class
(enum_specifier name: (type_identifier) @name body: (_)) @def.enum
(type_definition declarator: (type_identifier) @name) @def.type
(alias_declaration name: (type_identifier) @name) @def.type
(namespace_definition name: (namespace_identifier) @name) @def.module
(preproc_function_def name: (identifier) @name) @def.function
`,
  references: `
(identifier) @ref
(type_identifier) @ref
(field_identifier) @ref
(namespace_identifier) @ref
`,
  imports: C.imports,
};

const CSHARP = {
  definitions: `
(class_declaration name: (identifier) @name) @def.class
(struct_declaration name: (identifier) @name) @def.class
(record_declaration name: (identifier) @name) @def.class
(interface_declaration name: (identifier) @name) @def.interface
(enum_declaration name: (identifier) @name) @def.enum
(delegate_declaration name: (identifier) @name) @def.type
(method_declaration name: (identifier) @name) @def.method
(constructor_declaration name: (identifier) @name) @def.method
(local_function_statement name: (identifier) @name) @def.function
(namespace_declaration name: (_) @name) @def.module
(file_scoped_namespace_declaration name: (_) @name) @def.module
`,
  references: `(identifier) @ref`,
  imports: `(using_directive [(qualified_name) (identifier)] @import)`,
};

const RUBY = {
  definitions: `
(method name: (_) @name) @def.method
(singleton_method name: (_) @name) @def.method
(class name: [(constant) (scope_resolution)] @name) @def.class
(module name: [(constant) (scope_resolution)] @name) @def.module
`,
  references: `
(identifier) @ref
(constant) @ref
`,
  imports: `
(call method: (identifier) @_req arguments: (argument_list (string (string_content) @import)) (#match? @_req "^(require|require_relative|load)$"))
`,
};

const BASH = {
  definitions: `(function_definition name: (word) @name) @def.function`,
  references: `(command_name (word) @ref)`,
  imports: `
(command name: (command_name (word) @_src) argument: (word) @import (#match? @_src "^(source|\\\\.)$"))
`,
};

const SPECS: Record<string, LanguageSpec> = {
  typescript: { id: 'typescript', grammar: 'typescript', definitions: TS_DEFINITIONS, references: TS_REFERENCES, imports: JS_IMPORTS, importBinding: JS_IMPORT_BINDING },
  tsx: { id: 'tsx', grammar: 'tsx', definitions: TS_DEFINITIONS, references: TS_REFERENCES, imports: JS_IMPORTS, importBinding: JS_IMPORT_BINDING },
  javascript: { id: 'javascript', grammar: 'javascript', definitions: JS_DEFINITIONS, references: JS_REFERENCES, imports: JS_IMPORTS, importBinding: JS_IMPORT_BINDING },
  python: { id: 'python', grammar: 'python', ...PYTHON },
  go: { id: 'go', grammar: 'go', ...GO },
  rust: { id: 'rust', grammar: 'rust', ...RUST },
  java: { id: 'java', grammar: 'java', ...JAVA },
  c: { id: 'c', grammar: 'c', ...C },
  cpp: { id: 'cpp', grammar: 'cpp', ...CPP },
  csharp: { id: 'csharp', grammar: 'c_sharp', ...CSHARP },
  ruby: { id: 'ruby', grammar: 'ruby', ...RUBY },
  bash: { id: 'bash', grammar: 'bash', ...BASH },
};

const BY_EXTENSION: Record<string, string> = {
  '.ts': 'typescript', '.mts': 'typescript', '.cts': 'typescript',
  '.tsx': 'tsx',
  '.js': 'javascript', '.mjs': 'javascript', '.cjs': 'javascript', '.jsx': 'javascript',
  '.py': 'python', '.pyi': 'python',
  '.go': 'go',
  '.rs': 'rust',
  '.java': 'java',
  '.c': 'c',
  // Headers are C++ files (its grammar accepts C declarations, while the C grammar rejects classes); one with no
  // C++ syntax in it is parsed with the C grammar all the same (fileParser.ts).
  '.h': 'cpp', '.hh': 'cpp', '.hpp': 'cpp', '.hxx': 'cpp', '.cc': 'cpp', '.cpp': 'cpp', '.cxx': 'cpp', '.cu': 'cpp', '.cuh': 'cpp',
  '.cs': 'csharp',
  '.rb': 'ruby', '.rake': 'ruby',
  '.sh': 'bash', '.bash': 'bash',
};

/**
 * The two tables as Maps for the per-file look-ups: a keyed read of an object literal is compiled for the names it has
 * seen, and a worker's first file of another language threw away the optimized code of the functions that inline it
 * (the index's per-file functions, recompiled in every worker). A Map also answers no inherited name (`constructor`).
 */
const SPEC_BY_ID = new Map(Object.entries(SPECS));
const SPEC_BY_EXTENSION = new Map(Object.entries(BY_EXTENSION).map(([ext, id]) => [ext, SPECS[id]]));

/** The parsed language of a file, or undefined for files indexed as plain line windows. */
export function languageForFile(file: string): LanguageSpec | undefined {
  return SPEC_BY_EXTENSION.get(path.extname(file).toLowerCase());
}

export function languageSpec(id: string): LanguageSpec | undefined {
  return SPEC_BY_ID.get(id);
}

export const PARSED_LANGUAGES = Object.keys(SPECS);
