#include "source_file.h"

#include <cerrno>
#include <cstring>

#ifndef _WIN32
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace unisparse::indexing {

#ifndef _WIN32   // the addon does not export it there (fileReader.ts's twin reads)
SourceRead readSource(const char* path, int64_t maxBytes, uint8_t* buffer, size_t capacity) {
  SourceRead r;
  int fd;
  do fd = ::open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC); while (fd < 0 && errno == EINTR);
  if (fd < 0) { r.status = SourceStatus::OpenFailed; r.error = errno; return r; }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    r.status = SourceStatus::ReadFailed; r.error = errno;
  } else if (!S_ISREG(st.st_mode)) {
    r.status = SourceStatus::NotRegular;
  } else if ((r.size = int64_t(st.st_size)) > maxBytes) {
    r.status = SourceStatus::TooLarge;
  } else if (size_t(r.size) > capacity) {
    r.status = SourceStatus::NeedBuffer;
  } else {
    while (r.got < r.size) {   // a file truncated while it is read: what is there
      const ssize_t n = ::pread(fd, buffer + r.got, size_t(r.size - r.got), off_t(r.got));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) { r.status = SourceStatus::ReadFailed; r.error = errno; break; }
      if (n == 0) break;
      r.got += n;
    }
  }
  ::close(fd);
  if (r.status != SourceStatus::Ok) return r;
  const size_t got = size_t(r.got);
  r.nul = std::memchr(buffer, 0, got < 8192 ? got : 8192) != nullptr;
  uint8_t high = 0;
  int64_t start = 0;
  for (size_t i = 0; i < got; i++) {
    const uint8_t c = buffer[i];
    high |= c;
    if (c == '\n') {
      if (int64_t(i) - start > r.longestLine) r.longestLine = int64_t(i) - start;
      start = int64_t(i) + 1;
    }
  }
  if (int64_t(got) - start > r.longestLine) r.longestLine = int64_t(got) - start;
  r.ascii = high < 128;
  return r;
}
#endif

}  // namespace unisparse::indexing
