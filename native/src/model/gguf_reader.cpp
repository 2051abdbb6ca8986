// GGUF reader: header, metadata KV (every value type, arrays included), tensor infos, aligned data section.
// Every count, length and offset is checked against the file size before use, so a truncated or corrupt
// file is reported, never read out of bounds.
#include <algorithm>
#include <cstring>

#include "common/error.h"
#include "tensor_source.h"

namespace unisparse {

namespace {

constexpr uint32_t kGgufMagic = 0x46554747;  // "GGUF" little-endian
enum GgufValueType : uint32_t {
  U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, BOOL = 7, STRING = 8, ARRAY = 9, U64 = 10, I64 = 11, F64 = 12,
};

class Cursor {
 public:
  Cursor(const MappedFile& f) : f_(f), p_(f.data()), end_(f.data() + f.size()) {}
  size_t offset() const { return size_t(p_ - f_.data()); }

  void need(size_t n, const char* what) {
    if (size_t(end_ - p_) < n)
      fail(f_.path(), ": the file ends at byte ", f_.size(), " while reading ", what, " at byte ", offset(),
           "; it is truncated or not a GGUF file. Download it again.");
  }
  template <typename T>
  T read(const char* what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, p_, sizeof(T));
    p_ += sizeof(T);
    return v;
  }
  std::string readString(const char* what) {
    const uint64_t n = read<uint64_t>(what);
    if (n > uint64_t(end_ - p_))
      fail(f_.path(), ": a string (", what, ") at byte ", offset(), " claims ", n, " bytes but only ",
           size_t(end_ - p_), " remain; the file is truncated or corrupt.");
    std::string s(reinterpret_cast<const char*>(p_), size_t(n));
    p_ += n;
    return s;
  }

 private:
  const MappedFile& f_;
  const uint8_t* p_;
  const uint8_t* end_;
};

MetaValue readValue(Cursor& c, uint32_t type, const std::string& key, const std::string& path, int depth) {
  MetaValue v;
  const char* what = "a metadata value";
  switch (type) {
    case U8: v.i = c.read<uint8_t>(what); break;
    case I8: v.i = c.read<int8_t>(what); break;
    case U16: v.i = c.read<uint16_t>(what); break;
    case I16: v.i = c.read<int16_t>(what); break;
    case U32: v.i = c.read<uint32_t>(what); break;
    case I32: v.i = c.read<int32_t>(what); break;
    case U64: v.i = int64_t(c.read<uint64_t>(what)); break;
    case I64: v.i = c.read<int64_t>(what); break;
    case F32: v.kind = MetaValue::Kind::Float; v.f = c.read<float>(what); break;
    case F64: v.kind = MetaValue::Kind::Float; v.f = c.read<double>(what); break;
    case BOOL: v.kind = MetaValue::Kind::Bool; v.b = c.read<uint8_t>(what) != 0; break;
    case STRING: v.kind = MetaValue::Kind::String; v.s = c.readString(what); break;
    case ARRAY: {
      if (depth > 4) fail(path, ": metadata key ", key, " nests arrays too deeply; the file is corrupt.");
      v.kind = MetaValue::Kind::Array;
      const uint32_t itemType = c.read<uint32_t>("an array item type");
      const uint64_t n = c.read<uint64_t>("an array length");
      // Every item takes at least one byte, so a longer array cannot fit in the rest of the file.
      c.need(size_t(std::min<uint64_t>(n, uint64_t(1) << 40)), "an array");
      v.array.reserve(size_t(n));
      for (uint64_t k = 0; k < n; ++k) v.array.push_back(readValue(c, itemType, key, path, depth + 1));
      break;
    }
    default:
      fail(path, ": metadata key ", key, " has value type ", type, ", which is not a GGUF type (0-12); the file is corrupt.");
  }
  return v;
}

struct Pending { TensorInfo info; uint64_t offset; };

std::string shapeText(const std::vector<int64_t>& ne) {
  std::string t;
  for (size_t d = 0; d < ne.size(); ++d) t += (d ? "x" : "") + std::to_string(ne[d]);
  return t;
}

// GGUF writers lay the tensors out back to back, each padded to the alignment. A tensor whose type or shape was
// changed (its computed size no longer reaches the next tensor) or whose offset points into another tensor
// shows up as a gap or an overlap here, instead of being read as garbage.
void checkPacking(const std::string& path, const std::vector<Pending>& pending, uint64_t alignment, uint64_t dataSize) {
  std::vector<const Pending*> order;
  for (const auto& p : pending) order.push_back(&p);
  std::sort(order.begin(), order.end(), [](const Pending* a, const Pending* b) { return a->offset < b->offset; });
  for (size_t i = 0; i < order.size(); ++i) {
    const Pending& a = *order[i];
    const uint64_t end = a.offset + a.info.bytes;
    const uint64_t padded = (end + alignment - 1) / alignment * alignment;
    const uint64_t next = i + 1 < order.size() ? order[i + 1]->offset : dataSize;
    const char* type = typeTraits(uint32_t(a.info.type))->name;
    if (i + 1 < order.size() && next < end)
      fail(path, ": tensors ", a.info.name, " and ", order[i + 1]->info.name, " overlap in the data section (bytes ",
           a.offset, "-", end, " and ", next, "-); the file is corrupt.");
    if (i + 1 < order.size() ? next != padded : next >= padded + alignment)
      fail(path, ": tensor ", a.info.name, " is ", type, " with shape ", shapeText(a.info.ne), " = ", a.info.bytes,
           " bytes, but ", next - a.offset,
           " bytes lie before the ", i + 1 < order.size() ? "next tensor" : "end of the file",
           "; its type or shape does not match its data. The file is corrupt.");
  }
}

}  // namespace

std::unique_ptr<TensorSource> readGguf(const std::string& path) {
  auto src = std::make_unique<TensorSource>();
  src->path = path;
  src->format = "gguf";
  src->files.push_back(std::make_unique<MappedFile>(path));
  const MappedFile& f = *src->files.back();
  Cursor c(f);

  const uint32_t magic = c.read<uint32_t>("the magic number");
  if (magic != kGgufMagic)
    fail(path, ": not a GGUF file (the first 4 bytes are not \"GGUF\"). Pass a .gguf model file or a folder with "
         "config.json and *.safetensors.");
  const uint32_t version = c.read<uint32_t>("the version");
  if (version != 2 && version != 3)
    fail(path, ": GGUF version ", version, " is not supported (supported: 2 and 3). Convert the model with a "
         "current llama.cpp.");
  const uint64_t nTensors = c.read<uint64_t>("the tensor count");
  const uint64_t nKv = c.read<uint64_t>("the metadata count");
  if (nTensors > 1000000 || nKv > 1000000)
    fail(path, ": the header claims ", nTensors, " tensors and ", nKv, " metadata entries, which is not plausible; "
         "the file is corrupt.");

  for (uint64_t k = 0; k < nKv; ++k) {
    std::string key = c.readString("a metadata key");
    const uint32_t type = c.read<uint32_t>("a metadata value type");
    src->metadata[key] = readValue(c, type, key, path, 0);
  }

  uint64_t alignment = 32;
  if (auto it = src->metadata.find("general.alignment"); it != src->metadata.end()) {
    if (it->second.kind != MetaValue::Kind::Int || it->second.i <= 0 || (it->second.i & (it->second.i - 1)))
      fail(path, ": general.alignment must be a positive power of two; the file is corrupt.");
    alignment = uint64_t(it->second.i);
  }

  std::vector<Pending> pending;
  pending.reserve(size_t(nTensors));
  for (uint64_t t = 0; t < nTensors; ++t) {
    Pending p;
    p.info.name = c.readString("a tensor name");
    p.info.file = path;
    const uint32_t nDims = c.read<uint32_t>("a tensor's dimension count");
    if (nDims == 0 || nDims > 4)
      fail(path, ": tensor ", p.info.name, " has ", nDims, " dimensions (1 to 4 expected); the file is corrupt.");
    for (uint32_t d = 0; d < nDims; ++d) {
      const uint64_t ne = c.read<uint64_t>("a tensor dimension");
      if (ne == 0 || ne > (uint64_t(1) << 40))
        fail(path, ": tensor ", p.info.name, " has dimension ", d, " of size ", ne, "; the file is corrupt.");
      p.info.ne.push_back(int64_t(ne));
    }
    const uint32_t type = c.read<uint32_t>("a tensor type");
    const TypeTraits* traits = typeTraits(type);
    if (!traits)
      fail(path, ": tensor ", p.info.name, " has type ", type, ", which this runtime does not support (supported: ",
           supportedTypeNames(), "). Use a GGUF quantized with one of these types.");
    p.info.type = TensorType(type);
    p.offset = c.read<uint64_t>("a tensor offset");
    if (p.info.ne[0] % traits->blockElems)
      fail(path, ": tensor ", p.info.name, " has rows of ", p.info.ne[0], " elements, not a multiple of the ",
           traits->name, " block size ", traits->blockElems, "; the file is corrupt.");
    p.info.bytes = size_t(p.info.elements() / traits->blockElems) * size_t(traits->blockBytes);
    pending.push_back(std::move(p));
  }

  const uint64_t dataStart = (c.offset() + alignment - 1) / alignment * alignment;
  checkPacking(path, pending, alignment, f.size() > dataStart ? f.size() - dataStart : 0);
  for (auto& p : pending) {
    if (p.offset % alignment)
      fail(path, ": tensor ", p.info.name, " starts at data offset ", p.offset, ", which is not aligned to ",
           alignment, " bytes; the file is corrupt.");
    if (dataStart + p.offset > f.size() || p.info.bytes > f.size() - dataStart - p.offset)
      fail(path, ": tensor ", p.info.name, " (", typeTraits(uint32_t(p.info.type))->name, ", ", p.info.bytes,
           " bytes) ends past the end of the file (", f.size(), " bytes); the file is truncated. Download it again.");
    p.info.data = f.data() + dataStart + p.offset;
    const std::string name = p.info.name;
    if (!src->tensors.emplace(name, std::move(p.info)).second)
      fail(path, ": tensor ", name, " appears twice; the file is corrupt.");
  }
  return src;
}

}  // namespace unisparse
