// Placeholder until the model runtime lands its binding (Model class).
#include <napi.h>
namespace unisparse::binding {
void RegisterModel(Napi::Env, Napi::Object) {}
}
