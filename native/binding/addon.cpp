// Entry point of the Node-API addon: each subsystem registers its own exports from its own file.
#include <napi.h>

namespace unisparse::binding {
void RegisterAttention(Napi::Env env, Napi::Object exports);  // attention_binding.cpp
void RegisterModel(Napi::Env env, Napi::Object exports);      // model_binding.cpp
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  using namespace unisparse::binding;
#ifdef UNISPARSE_WITH_CUDA
  exports.Set("backend", Napi::String::New(env, "cuda"));
#else
  exports.Set("backend", Napi::String::New(env, "cpu"));
#endif
  RegisterAttention(env, exports);
  RegisterModel(env, exports);
  return exports;
}

NODE_API_MODULE(unisparse, Init)
