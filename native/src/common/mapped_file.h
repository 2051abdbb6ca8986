// A read-only memory map of a model file: weights are used in place, so loading a model costs
// page faults on first use instead of a copy.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace unisparse {

class MappedFile {
 public:
  explicit MappedFile(const std::string& path);  // throws ModelError naming the path and the OS reason
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  // Tells the OS the mapped bytes [p, p + n) are no longer needed (they were copied into another layout); only
  // whole pages inside the range are dropped, and a later read would fault them back in from the file.
  static void release(const void* p, size_t n);
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace unisparse
