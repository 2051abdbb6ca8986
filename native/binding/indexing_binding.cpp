// Node binding of the indexing helpers (src/indexing): byte-level passes that the index workers run on every file.
// The JavaScript in server/index keeps a fallback for each one that gives the same result (server/index/nativeIndexing.ts
// picks one; test/unit/index/nativeIndexing.test.ts compares them on real files).
#include <napi.h>

#include <cstring>
#include <string>
#include <vector>

#include "indexing/term_table.h"

namespace unisparse::binding {
namespace {

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

/** termTable(text, chunkStarts: Int32Array, chunkEnds: Int32Array) -> the FileTermTable arrays and `lengths`. */
Napi::Value TermTableOf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::u16string text = utf16(info[0], "termTable(text, chunkStarts, chunkEnds): text");
  Napi::Int32Array starts = int32Arg(info[1], "termTable: chunkStarts");
  Napi::Int32Array ends = int32Arg(info[2], "termTable: chunkEnds");
  if (starts.ElementLength() != ends.ElementLength())
    throw Napi::RangeError::New(env, "termTable: chunkStarts and chunkEnds must have the same length");
  const indexing::TermTable t = indexing::buildTermTable(text.data(), int32_t(text.size()), starts.Data(), ends.Data(),
                                                         int32_t(starts.ElementLength()));
  Napi::Object out = Napi::Object::New(env);
  Napi::Uint8Array bytes = Napi::Uint8Array::New(env, t.termBytes.size());
  if (!t.termBytes.empty()) std::memcpy(bytes.Data(), t.termBytes.data(), t.termBytes.size());
  out.Set("termBytes", bytes);
  out.Set("termStarts", toInt32Array(env, t.termStarts));
  out.Set("offsets", toInt32Array(env, t.offsets));
  out.Set("pairs", toInt32Array(env, t.pairs));
  out.Set("slots", toInt32Array(env, t.slots));
  out.Set("lengths", toInt32Array(env, t.lengths));
  return out;
}

}  // namespace

void RegisterIndexing(Napi::Env env, Napi::Object exports) {
  Napi::Object indexing = Napi::Object::New(env);
  indexing.Set("termTable", Napi::Function::New(env, TermTableOf, "termTable"));
  exports.Set("indexing", indexing);
}

}  // namespace unisparse::binding
