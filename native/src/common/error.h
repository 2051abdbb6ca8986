// The one error type of the native runtime. Messages are sentences a user can act on: they name the file,
// the tensor or the argument, the problem, and where possible the fix. The binding turns them into JS Errors.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace unisparse {

class ModelError : public std::runtime_error {
 public:
  explicit ModelError(const std::string& message) : std::runtime_error(message) {}
};

// fail("model.gguf: tensor ", name, " has ", n, " bytes") builds the sentence and throws it.
template <typename... Parts>
[[noreturn]] void fail(const Parts&... parts) {
  std::ostringstream os;
  (os << ... << parts);
  throw ModelError(os.str());
}

}  // namespace unisparse
