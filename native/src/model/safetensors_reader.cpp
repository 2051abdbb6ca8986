// Hugging Face model folders: config.json + one or many *.safetensors (with or without
// model.safetensors.index.json). config.json is flattened into metadata with dotted keys
// ("rope_scaling.factor"). Tokenizer files are not read here: scoring needs only token ids.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

#include "common/error.h"
#include "common/json.h"
#include "tensor_source.h"

namespace unisparse {

namespace {

bool isDirectory(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}
bool isFile(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

MetaValue toMeta(const JsonValue& j) {
  MetaValue v;
  switch (j.kind) {
    case JsonValue::Kind::Null: v.kind = MetaValue::Kind::String; break;  // absent-like; callers check kinds
    case JsonValue::Kind::Bool: v.kind = MetaValue::Kind::Bool; v.b = j.boolean; break;
    case JsonValue::Kind::Number:
      if (std::isfinite(j.number) && j.number == std::floor(j.number) && std::fabs(j.number) < 9e15) {
        v.kind = MetaValue::Kind::Int;
        v.i = int64_t(j.number);
      } else {
        v.kind = MetaValue::Kind::Float;
        v.f = j.number;
      }
      break;
    case JsonValue::Kind::String: v.kind = MetaValue::Kind::String; v.s = j.string; break;
    case JsonValue::Kind::Array:
      v.kind = MetaValue::Kind::Array;
      for (const auto& e : j.array) v.array.push_back(toMeta(e));
      break;
    case JsonValue::Kind::Object: break;  // flattened by the caller
  }
  return v;
}

void flatten(const JsonValue& j, const std::string& prefix, Metadata& out) {
  for (const auto& [key, value] : j.object) {
    const std::string name = prefix.empty() ? key : prefix + "." + key;
    if (value.isObject()) flatten(value, name, out);
    else if (value.kind != JsonValue::Kind::Null) out[name] = toMeta(value);
  }
}

std::string readWholeFile(const std::string& path) {
  MappedFile f(path);
  return std::string(reinterpret_cast<const char*>(f.data()), f.size());
}

void readShard(const std::string& path, TensorSource& src) {
  src.files.push_back(std::make_unique<MappedFile>(path));
  const MappedFile& f = *src.files.back();
  if (f.size() < 8) fail(path, ": the file is ", f.size(), " bytes, too short for a safetensors header; it is truncated.");
  uint64_t headerLen;
  std::memcpy(&headerLen, f.data(), 8);
  if (headerLen > f.size() - 8)
    fail(path, ": the safetensors header claims ", headerLen, " bytes but the file has ", f.size(),
         "; it is truncated or not a safetensors file.");
  const JsonValue header = parseJson(reinterpret_cast<const char*>(f.data() + 8), size_t(headerLen), path + " (header)");
  if (!header.isObject()) fail(path, ": the safetensors header is not a JSON object; the file is corrupt.");
  const uint8_t* dataStart = f.data() + 8 + headerLen;
  const size_t dataSize = f.size() - 8 - size_t(headerLen);
  struct Span { size_t begin, end; std::string name; };
  std::vector<Span> spans;
  for (const auto& [name, entry] : header.object) {
    if (name == "__metadata__") continue;
    const JsonValue* dtype = entry.get("dtype");
    const JsonValue* shape = entry.get("shape");
    const JsonValue* offsets = entry.get("data_offsets");
    if (!dtype || !dtype->isString() || !shape || !shape->isArray() || !offsets || !offsets->isArray() ||
        offsets->array.size() != 2)
      fail(path, ": tensor ", name, " lacks dtype, shape or data_offsets in the header; the file is corrupt.");
    TensorInfo info;
    info.name = name;
    info.file = path;
    size_t elemBytes;
    if (dtype->string == "F32") { info.type = TensorType::F32; elemBytes = 4; }
    else if (dtype->string == "F16") { info.type = TensorType::F16; elemBytes = 2; }
    else if (dtype->string == "BF16") { info.type = TensorType::BF16; elemBytes = 2; }
    else
      fail(path, ": tensor ", name, " has dtype ", dtype->string,
           ", which this runtime does not read (supported: F32, F16, BF16). Save the model in one of these.");
    for (auto it = shape->array.rbegin(); it != shape->array.rend(); ++it) {
      if (!it->isNumber() || it->number < 1 || it->number > double(int64_t(1) << 40) || it->number != std::floor(it->number))
        fail(path, ": tensor ", name, " has a non-positive dimension in its shape; the file is corrupt.");
      info.ne.push_back(int64_t(it->number));
    }
    if (info.ne.empty()) info.ne.push_back(1);
    const double begin = offsets->array[0].number, end = offsets->array[1].number;
    if (begin != std::floor(begin) || end != std::floor(end))
      fail(path, ": tensor ", name, " has data offsets that are not whole numbers; the file is corrupt.");
    info.bytes = size_t(info.elements()) * elemBytes;
    if (begin < 0 || end < begin || end > double(dataSize))
      fail(path, ": tensor ", name, " has data offsets [", begin, ", ", end, ") outside the ", dataSize,
           "-byte data section; the file is truncated or corrupt.");
    if (size_t(end - begin) != info.bytes)
      fail(path, ": tensor ", name, " holds ", size_t(end - begin), " bytes but its shape and dtype need ", info.bytes,
           "; the file is corrupt.");
    info.data = dataStart + size_t(begin);
    if (src.tensors.count(name)) fail(path, ": tensor ", name, " is also in another shard; the folder mixes two models.");
    spans.push_back({size_t(begin), size_t(end), name});
    src.tensors.emplace(name, std::move(info));
  }
  // The format has no holes and no sharing: sorted by offset, each tensor starts where the previous one ends.
  // Offsets edited to point into another tensor would otherwise load two weights from the same bytes.
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
  size_t at = 0;
  for (const Span& sp : spans) {
    if (sp.begin < at) fail(path, ": tensor ", sp.name, " overlaps the tensor before it in the data section (bytes ", sp.begin, "-", sp.end, "); the file is corrupt.");
    if (sp.begin > at) fail(path, ": ", sp.begin - at, " bytes before tensor ", sp.name, " belong to no tensor; the header does not match the data.");
    at = sp.end;
  }
  if (at != dataSize) fail(path, ": the last ", dataSize - at, " bytes of the data section belong to no tensor; the header does not match the data.");
}

}  // namespace

std::unique_ptr<TensorSource> readSafetensorsDir(const std::string& dirIn) {
  std::string dir = dirIn;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  if (!isDirectory(dir)) fail(dir, ": is not a folder. Pass a .gguf file or a folder with config.json and *.safetensors.");
  auto src = std::make_unique<TensorSource>();
  src->path = dir;
  src->format = "safetensors";

  const std::string configPath = dir + "/config.json";
  if (!isFile(configPath))
    fail(dir, ": has no config.json. A Hugging Face model folder needs config.json next to its *.safetensors files.");
  const std::string configText = readWholeFile(configPath);
  const JsonValue config = parseJson(configText.data(), configText.size(), configPath);
  if (!config.isObject()) fail(configPath, ": is not a JSON object.");
  flatten(config, "", src->metadata);

  std::set<std::string> shards;
  const std::string indexPath = dir + "/model.safetensors.index.json";
  if (isFile(indexPath)) {
    const std::string text = readWholeFile(indexPath);
    const JsonValue index = parseJson(text.data(), text.size(), indexPath);
    const JsonValue* map = index.get("weight_map");
    if (!map || !map->isObject()) fail(indexPath, ": has no weight_map object.");
    for (const auto& [name, file] : map->object) {
      if (!file.isString() || file.string.find('/') != std::string::npos)
        fail(indexPath, ": weight_map entry ", name, " does not name a file in this folder.");
      shards.insert(file.string);
    }
  } else {
    DIR* d = ::opendir(dir.c_str());
    if (!d) fail(dir, ": cannot list the folder.");
    while (dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name.size() > 12 && name.compare(name.size() - 12, 12, ".safetensors") == 0) shards.insert(name);
    }
    ::closedir(d);
  }
  if (shards.empty()) fail(dir, ": has no *.safetensors files. Put the model weights next to config.json.");
  for (const auto& shard : shards) {
    const std::string p = dir + "/" + shard;
    if (!isFile(p)) fail(p, ": is listed in model.safetensors.index.json but missing. Download the missing shard.");
    readShard(p, *src);
  }
  return src;
}

}  // namespace unisparse
