// A file's BM25 term table, built from its text and its chunks' line ranges: the same arrays, in the same order, as
// server/index/chunkTerms.ts's termTableFor and fileTermTable.ts's TermTableBuilder (see there for the layout and why
// a chunk counts only its own lines, not those of the chunks nested in it).
#pragma once
#include <cstdint>
#include <vector>

namespace unisparse::indexing {

struct TermTable {
  std::vector<uint8_t> termBytes;
  std::vector<int32_t> termStarts;
  std::vector<int32_t> offsets;
  std::vector<int32_t> pairs;
  std::vector<int32_t> slots;
  /** Per chunk, its number of terms (the BM25 document length). */
  std::vector<int32_t> lengths;
};

/**
 * Chunk k covers lines chunkStarts[k]..chunkEnds[k] (1-based, inclusive) of `text` (`length` UTF-16 code units).
 * Fills `out` (its vectors keep their memory when a caller reuses one table for file after file).
 */
void buildTermTable(const char16_t* text, int32_t length, const int32_t* chunkStarts, const int32_t* chunkEnds, int32_t chunks,
                    TermTable& out);

}  // namespace unisparse::indexing
