// Reading one file for the index in a single native call: open (non-blocking, so a FIFO swapped in after the
// listing cannot hang the worker), check the type and size on the open descriptor, read, and look at the bytes
// (a NUL near the start, all ASCII, the longest line). The same checks, in the same order, as
// server/index/fileReader.ts's readIndexable, which stays as its twin; there each of the four file calls went through
// Node's argument checks and a Stats object, about a tenth of an index worker's time.
#pragma once
#include <cstddef>
#include <cstdint>

namespace unisparse::indexing {

enum class SourceStatus : int32_t {
  Ok = 0,          // `got` bytes read
  OpenFailed = 1,  // `error`: the errno of open
  NotRegular = 2,  // not a regular file
  TooLarge = 3,    // `size` is over the limit
  NeedBuffer = 4,  // `size` is over the buffer given: call again with one of at least `size` bytes
  ReadFailed = 5,  // `error`: the errno of read
};

struct SourceRead {
  SourceStatus status = SourceStatus::Ok;
  int32_t error = 0;
  int64_t size = 0;
  int64_t got = 0;
  bool nul = false;         // a NUL byte in the first 8192 bytes
  bool ascii = false;       // every byte below 128
  int64_t longestLine = 0;  // in bytes (characters when ascii), not counting the newline
};

/** Reads `path` (NUL-terminated) into `buffer` (`capacity` bytes) when it is a regular file of at most `maxBytes`. */
SourceRead readSource(const char* path, int64_t maxBytes, uint8_t* buffer, size_t capacity);

}  // namespace unisparse::indexing
