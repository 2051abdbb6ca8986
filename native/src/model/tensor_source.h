// What a model file reader hands to the weight loader: named tensors pointing into memory-mapped files,
// with shapes in GGML order (ne[0] is the innermost, contiguous dimension: a weight matrix is [in, out]).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/mapped_file.h"
#include "metadata.h"
#include "tensor_types.h"

namespace unisparse {

struct TensorInfo {
  std::string name;
  TensorType type = TensorType::F32;
  std::vector<int64_t> ne;      // innermost first
  const uint8_t* data = nullptr;
  size_t bytes = 0;
  std::string file;             // for error messages
  int64_t elements() const { int64_t n = 1; for (int64_t d : ne) n *= d; return n; }
};

struct TensorSource {
  std::string path;                                 // what the user passed
  std::string format;                               // "gguf" or "safetensors"
  std::vector<std::unique_ptr<MappedFile>> files;   // keeps the maps alive
  Metadata metadata;                                // GGUF KV pairs, or config.json flattened (a.b.c keys)
  std::map<std::string, TensorInfo> tensors;
};

// Reads the header and tensor table of a GGUF v2/v3 file and validates offsets and sizes.
std::unique_ptr<TensorSource> readGguf(const std::string& path);
// Reads a Hugging Face directory: config.json plus one or many *.safetensors files.
std::unique_ptr<TensorSource> readSafetensorsDir(const std::string& dir);

}  // namespace unisparse
