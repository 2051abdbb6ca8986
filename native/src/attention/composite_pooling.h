// Stage 1 of UniSparse: composite tokens. A block of S tokens is cut into g sub-blocks of c = S/g consecutive
// tokens; a composite token is the mean of the tokens present in its sub-block (the last block and the first
// block of a prefill chunk may be partial; empty sub-blocks are dropped). Composite queries also average over
// the query heads of a GQA group, so one plan serves every query head that reads the same kv head.
#pragma once
#include <cstdint>
#include <vector>
#include "attention.h"

namespace unisparse::detail {

// The composite keys of one kv head at one granularity, stored transposed ([headDim][slots]) so the estimate's
// dot products become axpy loops over keys that vectorise without reassociating a reduction.
// The estimate reads composite keys in tiles of this many slots; rows are padded so a tile never runs off.
constexpr int kKeyTile = 64;

struct CompositeKeys {
  int perBlock = 0;              // g: composite tokens per block
  int nBlocks = 0;
  int slots = 0;                 // nBlocks * perBlock
  int stride = 0;                // row length of meanT: slots rounded up to kKeyTile, zero padded
  std::vector<float> meanT;      // [headDim][stride]
  std::vector<uint8_t> present;  // [slots]: 0 when the sub-block holds no key (dropped)
};

void pool_keys(const AttentionShape& s, const float* k, int kvHead, int blockSize, int perBlock,
               CompositeKeys* out);

// The composite queries of query block `block` (absolute index) for kv head `kvHead`: mean over the query
// positions of each sub-block that lie in this call's queries and over the group's query heads.
// meanOut: [perBlock][headDim]; presentOut: [perBlock]. Returns the number of composite queries present.
int pool_query_block(const AttentionShape& s, const float* q, int kvHead, int blockSize, int perBlock,
                     int block, float* meanOut, uint8_t* presentOut);

}  // namespace unisparse::detail
