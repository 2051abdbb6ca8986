// device 'cuda' (the whole model on the GPU) vs 'cpu' on one model: prefill logits, UniSparse density, decode after a GPU prefill.
#include "unisparse_model.h"
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
using namespace unisparse;
static double relDiff(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) { worst = std::fmax(worst, std::fabs(a[i] - b[i])); scale = std::fmax(scale, std::fabs(b[i])); }
  return worst / scale;
}
int main(int argc, char** argv) {
  const int n = argc > 2 ? atoi(argv[2]) : 2048;
  std::vector<int32_t> toks(n);
  for (int i = 0; i < n; ++i) toks[i] = (i * 7919 + 13) % 500;
  LogitsRequest rows; rows.mode = LogitsMode::Rows; rows.rows = {n - 1, n / 2, 70};
  for (AttentionMode mode : {AttentionMode::Dense, AttentionMode::UniSparse}) {
    std::vector<float> out[2]; double density[2]; double secs[2]; std::vector<float> dec[2];
    for (int d = 0; d < 2; ++d) {
      ModelOptions o; o.threads = 8; o.device = d ? "cuda" : "cpu"; o.attention = mode; o.tau = 0.9f; o.maxContext = n + 8;
      auto m = Model::load(argv[1], o);
      if (d) m->eval(toks.data(), 128, LogitsRequest{});  // warm the GPU
      m->reset();
      auto t0 = std::chrono::steady_clock::now();
      out[d] = m->eval(toks.data(), n, rows);
      secs[d] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      density[d] = m->lastAttention().density;
      int32_t next = 7;
      dec[d] = m->eval(&next, 1, LogitsRequest{});
    }
    printf("%s n=%d: prefill logits rel diff cuda vs cpu %.2e, decode-after-prefill rel diff %.2e, density cpu %.4f cuda %.4f, prefill s cpu %.3f cuda %.3f\n",
           mode == AttentionMode::Dense ? "dense" : "unisparse", n, relDiff(out[1], out[0]), relDiff(dec[1], dec[0]),
           density[0], density[1], secs[0], secs[1]);
  }
  try { ModelOptions o; o.device = "cuda"; o.blockSize = 64; auto m = Model::load("/nonexistent.gguf", o); }
  catch (const std::exception& e) { printf("error path: %s\n", e.what()); }
}
