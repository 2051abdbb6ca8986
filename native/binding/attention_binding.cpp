// Placeholder until the attention subsystem lands its binding (attention(q, k, v, opts)).
#include <napi.h>
namespace unisparse::binding {
void RegisterAttention(Napi::Env, Napi::Object) {}
}
