// The index helpers' own addon, unisparse_indexing.node (src/indexing): byte-level passes that the index workers run
// on every file. A separate addon from unisparse.node, because the index workers are threads of the language server,
// where the model runtime and the kernels must never be loaded (ARCHITECTURE.md). The JavaScript in server/index keeps
// a twin for each helper that gives the same result (server/index/nativeIndexing.ts picks one;
// test/unit/index/nativeIndexing.test.ts compares them on real files).
#include <napi.h>

#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "indexing/code_skeleton.h"
#include "indexing/source_file.h"
#include "indexing/syntax_captures.h"
#include "indexing/term_table.h"

namespace unisparse::binding {
namespace {

/**
 * A JavaScript string's UTF-16 code units, in a buffer of this thread's that is reused from call to call (a file's
 * text is copied out three times per file: fresh buffers of a megabyte each cost page faults).
 */
struct TextView { const char16_t* data; size_t size; };
TextView textArg(const Napi::Value& value, const char* what, std::vector<char16_t>& buffer) {
  Napi::Env env = value.Env();
  if (!value.IsString()) throw Napi::TypeError::New(env, std::string(what) + " must be a string");
  size_t length = 0;
  NAPI_THROW_IF_FAILED(env, napi_get_value_string_utf16(env, value, nullptr, 0, &length), TextView{});
  if (buffer.size() < length + 1) buffer.resize(length + 1);
  NAPI_THROW_IF_FAILED(env, napi_get_value_string_utf16(env, value, buffer.data(), length + 1, &length), TextView{});
  return {buffer.data(), length};
}

thread_local std::vector<char16_t> textBuffer;

std::u16string utf16(const Napi::Value& value, const char* what) {
  if (!value.IsString()) throw Napi::TypeError::New(value.Env(), std::string(what) + " must be a string");
  return value.As<Napi::String>().Utf16Value();
}

Napi::Int32Array int32Arg(const Napi::Value& value, const char* what) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    throw Napi::TypeError::New(value.Env(), std::string(what) + " must be an Int32Array");
  return value.As<Napi::Int32Array>();
}

Napi::Int32Array toInt32Array(Napi::Env env, const std::vector<int32_t>& data) {
  Napi::Int32Array a = Napi::Int32Array::New(env, data.size());
  if (!data.empty()) std::memcpy(a.Data(), data.data(), data.size() * sizeof(int32_t));
  return a;
}

thread_local indexing::TermTable termTableScratch;

/**
 * termTable(text, chunkStarts: Int32Array, chunkEnds: Int32Array) -> the FileTermTable arrays and `lengths`, as
 * views of one ArrayBuffer: the index keeps every file's table for its lifetime, and one buffer per file instead of
 * six is one allocation here, one transfer from the worker and one object for the server thread's collector.
 */
Napi::Value TermTableOf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const TextView text = textArg(info[0], "termTable(text, chunkStarts, chunkEnds): text", textBuffer);
  Napi::Int32Array starts = int32Arg(info[1], "termTable: chunkStarts");
  Napi::Int32Array ends = int32Arg(info[2], "termTable: chunkEnds");
  if (starts.ElementLength() != ends.ElementLength())
    throw Napi::RangeError::New(env, "termTable: chunkStarts and chunkEnds must have the same length");
  indexing::TermTable& t = termTableScratch;
  indexing::buildTermTable(text.data, int32_t(text.size), starts.Data(), ends.Data(), int32_t(starts.ElementLength()), t);
  const std::vector<int32_t>* arrays[] = {&t.termStarts, &t.offsets, &t.pairs, &t.slots, &t.lengths};
  const char* names[] = {"termStarts", "offsets", "pairs", "slots", "lengths"};
  const size_t bytesLength = (t.termBytes.size() + 3) & ~size_t(3);   // the Int32Array views start 4-aligned
  size_t total = bytesLength;
  for (const auto* a : arrays) total += a->size() * sizeof(int32_t);
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, total);
  uint8_t* base = static_cast<uint8_t*>(buffer.Data());
  Napi::Object out = Napi::Object::New(env);
  if (!t.termBytes.empty()) std::memcpy(base, t.termBytes.data(), t.termBytes.size());
  out.Set("termBytes", Napi::Uint8Array::New(env, t.termBytes.size(), buffer, 0));
  size_t at = bytesLength;
  for (size_t k = 0; k < 5; k++) {
    const std::vector<int32_t>& a = *arrays[k];
    if (!a.empty()) std::memcpy(base + at, a.data(), a.size() * sizeof(int32_t));
    out.Set(names[k], Napi::Int32Array::New(env, a.size(), buffer, at));
    at += a.size() * sizeof(int32_t);
  }
  return out;
}


/**
 * codeSkeleton(text, family: 'c' | 'js' | 'ts') -> undefined when the scanner cannot follow the text, else
 * { text (undefined when nothing was blanked), blanked, identifiers (joined by '\n'), counts: Int32Array,
 * imports: string[], cpp }.
 */
Napi::Value CodeSkeletonOf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const TextView text = textArg(info[0], "codeSkeleton(text, family): text", textBuffer);
  const std::u16string familyName = utf16(info[1], "codeSkeleton(text, family): family");
  indexing::SkeletonFamily family;
  if (familyName == u"c") family = indexing::SkeletonFamily::C;
  else if (familyName == u"js") family = indexing::SkeletonFamily::JS;
  else if (familyName == u"ts") family = indexing::SkeletonFamily::TS;
  else throw Napi::TypeError::New(env, "codeSkeleton(text, family): family must be 'c', 'js' or 'ts'");
  const indexing::CodeSkeleton sk = indexing::codeSkeleton(text.data, int32_t(text.size), family);
  if (!sk.ok) return env.Undefined();
  Napi::Object out = Napi::Object::New(env);
  // The text with each range blanked to the newlines it held (every line stays where it was).
  int64_t blanked = 0;
  if (!sk.ranges.empty()) {
    thread_local std::u16string kept;
    kept.clear();
    kept.reserve(text.size);
    bool latin1 = true;
    size_t last = 0;
    for (size_t r = 0; r < sk.ranges.size(); r += 2) {
      const size_t start = size_t(sk.ranges[r]), end = size_t(sk.ranges[r + 1]);
      kept.append(text.data + last, start - last);
      size_t newlines = 0;
      for (size_t k = start; k < end; k++) if (text.data[k] == u'\n') newlines++;
      kept.append(newlines, u'\n');
      if (newlines == 0 && sk.comments[r / 2]) kept.push_back(u' ');   // `a/* */b` stays two tokens
      blanked += int64_t(end - start - newlines);
      last = end;
    }
    kept.append(text.data + last, text.size - last);
    for (char16_t c : kept) if (c > 0xff) { latin1 = false; break; }
    if (latin1) {
      // One byte per character, as V8 holds most source text (and half the memory of a two-byte string).
      thread_local std::string bytes;
      bytes.resize(kept.size());
      for (size_t k = 0; k < kept.size(); k++) bytes[k] = char(kept[k]);
      napi_value s;
      NAPI_THROW_IF_FAILED(env, napi_create_string_latin1(env, bytes.data(), bytes.size(), &s), Napi::Value());
      out.Set("text", Napi::Value(env, s));
    } else {
      out.Set("text", Napi::String::New(env, kept));
    }
  } else {
    // Every result has the same keys in the same order (one object shape for the JavaScript that reads it).
    out.Set("text", env.Undefined());
  }
  out.Set("blanked", Napi::Number::New(env, double(blanked)));
  std::string names;
  for (size_t k = 0; k < sk.identifiers.size(); k++) {
    if (k) names.push_back('\n');
    names += sk.identifiers[k];
  }
  out.Set("identifiers", Napi::String::New(env, names));
  out.Set("counts", toInt32Array(env, sk.counts));
  Napi::Array imports = Napi::Array::New(env, sk.imports.size() / 2);
  for (size_t k = 0; k < sk.imports.size(); k += 2)
    imports.Set(uint32_t(k / 2), Napi::String::New(env, text.data + sk.imports[k], size_t(sk.imports[k + 1] - sk.imports[k])));
  out.Set("imports", imports);
  out.Set("cpp", Napi::Boolean::New(env, sk.cpp));
  return out;
}


#ifdef UNISPARSE_WITH_TREE_SITTER
/** The tag the grammar packages' bindings put on their `language` external ("tree-sitter", "language" hashed). */
const napi_type_tag kLanguageTypeTag = {0x8AF2E5212AD58ABF, 0xD5006CAD83ABBA16};

const TSLanguage* languageArg(const Napi::Value& value, const char* what) {
  Napi::Env env = value.Env();
  bool tagged = false;
  if (value.IsExternal()) NAPI_THROW_IF_FAILED(env, napi_check_object_type_tag(env, value, &kLanguageTypeTag, &tagged), nullptr);
  if (!tagged) throw Napi::TypeError::New(env, std::string(what) + " must be a grammar package's `language` (require('tree-sitter-c').language)");
  const auto* language = static_cast<const TSLanguage*>(value.As<Napi::External<void>>().Data());
  if (!indexing::languageSupported(language))
    throw Napi::Error::New(env, std::string(what) + ": the grammar's ABI version is not one this tree-sitter runtime reads");
  return language;
}

/**
 * The compiled query for (language, source), compiled once per process and shared by every thread: each index worker
 * asks for the same few queries, and compiling one (tree-sitter analyses every pattern) cost each worker about 0.1 s
 * of CPU. A compiled query is read-only while it runs (each thread has its own cursor), and the few there are live as
 * long as the process.
 */
indexing::CompiledQuery* sharedQuery(const TSLanguage* language, const std::string& source) {
  static std::mutex lock;
  static std::map<std::pair<const TSLanguage*, std::string>, std::unique_ptr<indexing::CompiledQuery>> queries;
  std::lock_guard<std::mutex> hold(lock);
  auto& slot = queries[{language, source}];
  if (!slot) slot = std::make_unique<indexing::CompiledQuery>(language, source);   // throws: the slot stays empty
  return slot.get();
}

/** compileQuery(language, source) -> { query (an opaque handle), captureNames: string[], bindingPredicates }. */
Napi::Value CompileQuery(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const TSLanguage* language = languageArg(info[0], "compileQuery(language, source): language");
  if (!info[1].IsString()) throw Napi::TypeError::New(env, "compileQuery(language, source): source must be a string");
  indexing::CompiledQuery* query;
  try {
    query = sharedQuery(language, info[1].As<Napi::String>().Utf8Value());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("query", Napi::External<indexing::CompiledQuery>::New(env, query));   // kept by the process (sharedQuery)
  Napi::Array names = Napi::Array::New(env, query->captureNames().size());
  for (size_t k = 0; k < query->captureNames().size(); k++) names.Set(uint32_t(k), Napi::String::New(env, query->captureNames()[k]));
  out.Set("captureNames", names);
  out.Set("bindingPredicates", Napi::Boolean::New(env, query->unsupportedPredicates()));
  return out;
}

/**
 * parseMatches(query, text, refCapture?, nameCapture?) -> Int32Array of matches (see syntax_captures.h), or null when
 * tree-sitter gives no tree. With capture ids: { matches, refNames (joined by '\n'), refCounts } (takeReferences).
 */
Napi::Value ParseMatches(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsExternal()) throw Napi::TypeError::New(env, "parseMatches(query, text): query must come from compileQuery");
  const auto* query = info[0].As<Napi::External<indexing::CompiledQuery>>().Data();
  const TextView text = textArg(info[1], "parseMatches(query, text): text", textBuffer);
  thread_local std::vector<int32_t> out;
  out.clear();
  if (!indexing::parseAndMatch(*query, text.data, uint32_t(text.size), out)) return env.Null();
  if (info.Length() < 4 || !info[2].IsNumber() || !info[3].IsNumber()) return toInt32Array(env, out);
  indexing::ReferenceCounts refs;
  indexing::takeReferences(out, text.data, info[2].As<Napi::Number>().Int32Value(), info[3].As<Napi::Number>().Int32Value(), refs);
  std::u16string names;
  for (size_t k = 0; k < refs.names.size(); k++) {
    if (k) names.push_back(u'\n');   // an identifier holds no newline
    names += refs.names[k];
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("matches", toInt32Array(env, out));
  result.Set("refNames", Napi::String::New(env, names));
  result.Set("refCounts", toInt32Array(env, refs.counts));
  return result;
}
#endif

#ifndef _WIN32
/**
 * readSource(path, maxBytes, into: Uint8Array, out: Float64Array(7)): reads the file into `into` (source_file.h) and
 * sets `out` to [status, errno, size, bytes read, NUL seen, all ASCII, longest line]. No object made per call.
 */
Napi::Value ReadSource(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "readSource(path, maxBytes, into, out): path must be a string");
  if (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    throw Napi::TypeError::New(env, "readSource(path, maxBytes, into, out): into must be a Uint8Array");
  if (!info[3].IsTypedArray() || info[3].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
      info[3].As<Napi::TypedArray>().ElementLength() < 7)
    throw Napi::TypeError::New(env, "readSource(path, maxBytes, into, out): out must be a Float64Array of 7");
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  Napi::Uint8Array into = info[2].As<Napi::Uint8Array>();
  const indexing::SourceRead r = indexing::readSource(path.c_str(), int64_t(info[1].As<Napi::Number>().DoubleValue()), into.Data(), into.ElementLength());
  double* o = info[3].As<Napi::Float64Array>().Data();
  o[0] = double(int32_t(r.status)); o[1] = r.error; o[2] = double(r.size); o[3] = double(r.got);
  o[4] = r.nul ? 1 : 0; o[5] = r.ascii ? 1 : 0; o[6] = double(r.longestLine);
  return env.Undefined();
}
#endif

Napi::Object Init(Napi::Env env, Napi::Object exports) {
#ifndef _WIN32
  exports.Set("readSource", Napi::Function::New(env, ReadSource, "readSource"));
#endif
  exports.Set("termTable", Napi::Function::New(env, TermTableOf, "termTable"));
  exports.Set("codeSkeleton", Napi::Function::New(env, CodeSkeletonOf, "codeSkeleton"));
#ifdef UNISPARSE_WITH_TREE_SITTER
  Napi::Object treeSitter = Napi::Object::New(env);
  treeSitter.Set("compileQuery", Napi::Function::New(env, CompileQuery, "compileQuery"));
  treeSitter.Set("parseMatches", Napi::Function::New(env, ParseMatches, "parseMatches"));
  exports.Set("treeSitter", treeSitter);
#endif
  return exports;
}

}  // namespace
}  // namespace unisparse::binding

static Napi::Object InitIndexing(Napi::Env env, Napi::Object exports) { return unisparse::binding::Init(env, exports); }

NODE_API_MODULE(unisparse_indexing, InitIndexing)
