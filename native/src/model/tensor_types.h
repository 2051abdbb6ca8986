// Weight storage types (GGML's numbering, which GGUF files use) and the row dequantizers for each.
// Block layouts follow the GGUF specification; every kernel that reads a type goes through these traits.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace unisparse {

enum class TensorType : uint32_t {
  F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q4_K = 12, Q6_K = 14, Q8_K = 15, BF16 = 30,
};

struct TypeTraits {
  const char* name;
  int blockElems;   // elements per block (1 for plain floats)
  int blockBytes;   // bytes per block
};

// Null when this runtime cannot read the type (the caller names the tensor in its error).
const TypeTraits* typeTraits(uint32_t type);
std::string supportedTypeNames();  // "F32, F16, BF16, Q4_0, ..." for error messages
// Bytes of a row of n elements, or 0 when n is not a whole number of blocks.
size_t rowBytes(TensorType type, int64_t n);

// Decodes n elements (a whole number of blocks) starting at src into dst.
void dequantizeRow(TensorType type, const void* src, float* dst, int64_t n);

}  // namespace unisparse
