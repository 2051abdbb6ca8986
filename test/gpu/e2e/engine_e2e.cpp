// The GPU model runtime end to end through the C++ model API (the same calls the Node binding makes):
//   engine_e2e logits MODEL TOKENS.i32 OUT.f32 K [cpu|cuda] [dense|unisparse] [prefill|decode]   last K rows
//     (with E2E_ALL_TOP1=1 a prefill also writes OUT.f32.top1: the top token of every position, int32 [n], then
//     its margin over the runner-up in logits, float32 [n])
//   engine_e2e bench MODEL OUT.json LENGTHS DECODE_LENGTHS [blockSize]   TTFT, decode tok/s, follow-up TTFT
//   engine_e2e question MODEL TOKENS.i32 ROWS [blockSize]   the overlay's per-block question mass, GPU vs CPU
//   engine_e2e decodecmp MODEL TOKENS.i32|random N STEPS   sparse decode against dense decode after an N-token prefill
//   engine_e2e top1sweep MODEL K VARIANTS TOKENS.i32...   top-1 agreement of prefill variants at the last K rows
// TOKENS.i32 is raw little-endian int32 ids; OUT.f32 raw float32 [K, vocab]. The bench prints one JSON object.
#include "unisparse_model.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace unisparse;
using Clock = std::chrono::steady_clock;

static double msSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

static std::vector<int> parseList(const std::string& s) {
  std::vector<int> v;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) if (!item.empty()) v.push_back(std::atoi(item.c_str()));
  return v;
}

static std::vector<int32_t> randomTokens(int n, int vocab, uint32_t seed) {
  std::vector<int32_t> t(static_cast<size_t>(n));
  uint32_t x = seed;
  for (int i = 0; i < n; ++i) { x = x * 1664525u + 1013904223u; t[size_t(i)] = int32_t((x >> 8) % uint32_t(vocab)); }
  return t;
}

// Token ids as raw little-endian int32, the format the scripts write with numpy.
static std::vector<int32_t> readTokens(const std::string& path) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) throw std::runtime_error("cannot read " + path);
  const size_t bytes = size_t(f.tellg());
  std::vector<int32_t> ids(bytes / 4);
  f.seekg(0);
  f.read(reinterpret_cast<char*>(ids.data()), std::streamsize(bytes));
  return ids;
}

// The top token of each row of logits [rows, vocab] and its margin over the runner-up: int32 [rows], float32 [rows].
static void writeTopTokens(const std::string& path, const std::vector<float>& logits, int vocab) {
  const size_t rows = logits.size() / size_t(vocab);
  std::vector<int32_t> top(rows);
  std::vector<float> margin(rows);
  for (size_t r = 0; r < rows; ++r) {
    const float* row = logits.data() + r * size_t(vocab);
    int best = 0;
    float first = row[0], second = -INFINITY;
    for (int v = 1; v < vocab; ++v) {
      if (row[v] > first) { second = first; first = row[v]; best = v; }
      else if (row[v] > second) second = row[v];
    }
    top[r] = best;
    margin[r] = first - second;
  }
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(top.data()), std::streamsize(rows * 4));
  out.write(reinterpret_cast<const char*>(margin.data()), std::streamsize(rows * 4));
}

// Logits of the last K tokens, from one prefill (chunked as the runtime chunks it) or from K one-token decode
// steps after a prefill of the rest, so both attention paths meet the same reference.
static int logitsMode(int argc, char** argv) {
  const std::string model = argv[2], tokensPath = argv[3], outPath = argv[4];
  const int K = std::atoi(argv[5]);
  ModelOptions o;
  o.device = argc > 6 ? argv[6] : "cuda";
  o.attention = argc > 7 && std::string(argv[7]) == "unisparse" ? AttentionMode::UniSparse : AttentionMode::Dense;
  const bool decode = argc > 8 && std::string(argv[8]) == "decode";
  // E2E_TAU / E2E_NEIGHBOUR_SHARE / E2E_CHECK_RECALL / E2E_COPY_*: UniSparse settings other than the runtime's
  // defaults (tau sweeps).
  if (const char* tau = std::getenv("E2E_TAU")) o.tau = float(std::atof(tau));
  if (const char* share = std::getenv("E2E_NEIGHBOUR_SHARE")) o.neighbourShare = float(std::atof(share));
  // E2E_CHECK_RECALL: the last-block check's recall threshold (the default before 0.99 was 0.95).
  if (const char* recall = std::getenv("E2E_CHECK_RECALL")) o.checkRecall = float(std::atof(recall));
  // E2E_COPY_RECENT / E2E_COPY_NGRAM: copy sources per query (0 = off) and the tokens they match on.
  if (const char* recent = std::getenv("E2E_COPY_RECENT")) o.copyRecent = std::atoi(recent);
  if (const char* ngram = std::getenv("E2E_COPY_NGRAM")) o.copyNgram = std::atoi(ngram);
  // E2E_THREADS: the CPU runtime's thread count (with taskset, a smaller machine's).
  if (const char* threads = std::getenv("E2E_THREADS")) o.threads = std::atoi(threads);
  // E2E_EXACT_MATMUL=1: fp32 matmuls on the CPU (ModelOptions::exactMatmul), a smooth reference for top-1 agreement.
  if (const char* exact = std::getenv("E2E_EXACT_MATMUL")) o.exactMatmul = std::atoi(exact) != 0;
  const char* allTop1 = std::getenv("E2E_ALL_TOP1");
  const bool everyPosition = allTop1 && std::atoi(allTop1) != 0;
  std::vector<int32_t> ids = readTokens(tokensPath);
  const int n = int(ids.size());
  if (K < 1 || K >= n) throw std::runtime_error("K must be between 1 and the token count - 1");
  o.maxContext = n + 16;
  auto m = Model::load(model, o);
  std::vector<float> logits;
  const auto t0 = Clock::now();
  if (decode) {
    LogitsRequest none;
    none.mode = LogitsMode::None;
    m->eval(ids.data(), size_t(n - K), none);
    for (int i = n - K; i < n; ++i) {
      std::vector<float> row = m->eval(&ids[size_t(i)], 1, LogitsRequest{});
      logits.insert(logits.end(), row.begin(), row.end());
    }
  } else if (everyPosition) {
    LogitsRequest all;
    all.mode = LogitsMode::All;
    logits = m->eval(ids.data(), size_t(n), all);
    writeTopTokens(outPath + ".top1", logits, m->info().vocabSize);
    logits.erase(logits.begin(), logits.end() - int64_t(K) * m->info().vocabSize);
  } else {
    LogitsRequest rows;
    rows.mode = LogitsMode::Rows;
    for (int i = n - K; i < n; ++i) rows.rows.push_back(i);
    logits = m->eval(ids.data(), size_t(n), rows);
  }
  const double ms = msSince(t0);
  std::ofstream out(outPath, std::ios::binary);
  out.write(reinterpret_cast<const char*>(logits.data()), std::streamsize(logits.size() * 4));
  std::printf("{\"tokens\": %d, \"rows\": %d, \"vocab\": %d, \"device\": \"%s\", \"path\": \"%s\", \"ms\": %.1f, "
              "\"density\": %.4f, \"deviceBytes\": %zu}\n",
              n, K, m->info().vocabSize, m->info().device.c_str(), decode ? "decode" : "prefill", ms,
              m->lastAttention().density, m->info().deviceBytes);
  return 0;
}

// The overlay's question-conditioned block mass for the last ROWS tokens, computed on both devices from one
// prefill (chunks of UNISPARSE_GPU_CHUNK on the GPU, when set). The GPU reads bf16 queries and keys, the CPU fp32:
// every block must agree within 2e-2 of the total mass, and the GPU's top 3 blocks must be the CPU's top 3
// (a block whose CPU mass is within that tolerance of the CPU's third is a tie, not a miss). Prints one JSON line.
static int questionMode(int argc, char** argv) {
  const std::string model = argv[2], tokensPath = argv[3];
  const int rows = std::atoi(argv[4]);
  const int S = argc > 5 ? std::atoi(argv[5]) : 64;
  std::vector<int32_t> ids = readTokens(tokensPath);
  const int n = int(ids.size());
  if (rows < 1 || rows >= n) throw std::runtime_error("ROWS must be between 1 and the token count - 1");
  std::vector<float> mass[2];
  double ms[2] = {0, 0};
  const char* devices[2] = {"cpu", "cuda"};
  for (int d = 0; d < 2; ++d) {
    ModelOptions o;
    o.device = devices[d];
    o.blockSize = S;
    o.maxContext = n + 16;
    auto m = Model::load(model, o);
    m->setAttention(AttentionMode::Dense, 1.f, S);
    m->setQuestionRows(n - rows, -1);
    LogitsRequest none;
    none.mode = LogitsMode::None;
    const auto t0 = Clock::now();
    m->eval(ids.data(), size_t(n), none);
    ms[d] = msSince(t0);
    mass[d] = m->lastAttention().questionBlockMass;
  }
  const std::vector<float>& cpu = mass[0];
  const std::vector<float>& gpu = mass[1];
  double total = 0, maxAbs = 0;
  for (float v : cpu) total += v;
  const size_t blocks = std::max(cpu.size(), gpu.size());
  for (size_t b = 0; b < blocks; ++b) {
    const double c = b < cpu.size() ? cpu[b] : 0, g = b < gpu.size() ? gpu[b] : 0;
    maxAbs = std::max(maxAbs, std::fabs(c - g));
  }
  const double tol = 2e-2 * total;
  auto top3 = [](const std::vector<float>& v) {
    std::vector<int> idx(v.size());
    for (size_t i = 0; i < v.size(); ++i) idx[i] = int(i);
    std::sort(idx.begin(), idx.end(), [&](int a, int b) { return v[size_t(a)] > v[size_t(b)]; });
    idx.resize(std::min<size_t>(3, idx.size()));
    return idx;
  };
  const std::vector<int> cTop = top3(cpu), gTop = top3(gpu);
  bool topOk = cTop.size() == 3 && gTop.size() == 3;
  for (int b : gTop)
    if (topOk && !(b < int(cpu.size()) && cpu[size_t(b)] >= cpu[size_t(cTop[2])] - tol)) topOk = false;
  const bool ok = total > 0 && cpu.size() == gpu.size() && maxAbs <= tol && topOk;
  std::printf("{\"check\": \"question block mass: GPU vs CPU runtime (%d rows, %d tokens, S=%d)\", \"blocks\": %zu, "
              "\"totalMass\": %.4f, \"maxAbsDiff\": %.5f, \"tolerance\": %.5f, \"cpuTop3\": [%d, %d, %d], "
              "\"gpuTop3\": [%d, %d, %d], \"cpuMs\": %.1f, \"gpuMs\": %.1f, \"pass\": %s}\n",
              rows, n, S, cpu.size(), total, maxAbs, tol, cTop.size() > 2 ? cTop[0] : -1, cTop.size() > 2 ? cTop[1] : -1,
              cTop.size() > 2 ? cTop[2] : -1, gTop.size() > 2 ? gTop[0] : -1, gTop.size() > 2 ? gTop[1] : -1,
              gTop.size() > 2 ? gTop[2] : -1, ms[0], ms[1], ok ? "true" : "false");
  return ok ? 0 : 1;
}

static int argmax(const std::vector<float>& v) { return int(std::max_element(v.begin(), v.end()) - v.begin()); }

// Sparse decode (UNISPARSE_SPARSE_DECODE=1) against dense decode: two instances of the model, loaded one after the
// other, prefill the same N tokens (dense attention, so both caches are the same) and then run the same STEPS
// one-token steps. The step tokens are the file's tokens after the first N when it has them (teacher forcing on
// real text), else the dense run's greedy choices, fed unchanged to the sparse run. Reports the logits' mean and
// max relative L2 difference, KL(dense || sparse), top-1 agreement, the share of key blocks sparse decode read, and decode tok/s of
// both (steps after the first, which captures the CUDA graph; each step includes its logits coming home).
// UNISPARSE_SPARSE_DECODE_EPS is passed through to the sparse instance. Prints one JSON line.
static int decodeCompareMode(char** argv) {
  const std::string model = argv[2], source = argv[3];
  const int N = std::atoi(argv[4]), steps = std::atoi(argv[5]);
  if (N < 1 || steps < 2) throw std::runtime_error("N must be at least 1 and STEPS at least 2");
  std::vector<int32_t> ids;
  if (source != "random") {
    ids = readTokens(source);
    if (int(ids.size()) < N) throw std::runtime_error(source + " holds fewer than N tokens");
  }
  const bool teacher = int(ids.size()) >= N + steps;
  std::vector<int32_t> stepTokens;
  std::vector<std::vector<float>> logits[2];
  double tokPerS[2] = {0, 0};
  double keptShare = -1;
  std::string device;
  for (int run = 0; run < 2; ++run) {
    if (run == 0) unsetenv("UNISPARSE_SPARSE_DECODE");
    else setenv("UNISPARSE_SPARSE_DECODE", "1", 1);
    ModelOptions o;
    o.device = "cuda";
    o.maxContext = N + steps + 16;
    auto m = Model::load(model, o);
    if (m->capacity() < N + steps)
      throw std::runtime_error("the GPU cache holds only " + std::to_string(m->capacity()) + " tokens");
    device = m->info().device;
    if (source == "random" && ids.empty()) ids = randomTokens(N, m->info().vocabSize, 1234);
    m->setAttention(AttentionMode::Dense, 1.f, 128);
    std::vector<float> last = m->eval(ids.data(), size_t(N), LogitsRequest{});
    int32_t next = teacher ? ids[size_t(N)] : argmax(last);
    Clock::time_point t0;
    for (int i = 0; i < steps; ++i) {
      if (i == 1) t0 = Clock::now();
      if (run == 0) stepTokens.push_back(next);
      logits[run].push_back(m->eval(&stepTokens[size_t(i)], 1, LogitsRequest{}));
      next = teacher && N + i + 1 < int(ids.size()) ? ids[size_t(N + i + 1)] : argmax(logits[run].back());
    }
    tokPerS[run] = (steps - 1) / (msSince(t0) / 1000.0);
    if (run == 1) keptShare = m->sparseDecodeKeptShare();
  }
  unsetenv("UNISPARSE_SPARSE_DECODE");
  // KL(dense || sparse) of the next-token distributions: what a sampler would notice, where the relative L2 of
  // raw logits (large, mostly irrelevant tail) understates a change at the top.
  auto klOf = [](const std::vector<float>& p, const std::vector<float>& q) {
    const double pm = *std::max_element(p.begin(), p.end()), qm = *std::max_element(q.begin(), q.end());
    double ps = 0, qs = 0;
    for (size_t j = 0; j < p.size(); ++j) { ps += std::exp(p[j] - pm); qs += std::exp(q[j] - qm); }
    const double pl = pm + std::log(ps), ql = qm + std::log(qs);
    double kl = 0;
    for (size_t j = 0; j < p.size(); ++j) kl += std::exp(p[j] - pl) * ((p[j] - pl) - (q[j] - ql));
    return std::max(kl, 0.0);
  };
  double sumRel = 0, maxRel = 0, sumKl = 0, maxKl = 0;
  int agree = 0;
  for (int i = 0; i < steps; ++i) {
    const std::vector<float>& d = logits[0][size_t(i)];
    const std::vector<float>& s = logits[1][size_t(i)];
    double diff = 0, norm = 0;
    for (size_t j = 0; j < d.size(); ++j) {
      diff += double(s[j] - d[j]) * double(s[j] - d[j]);
      norm += double(d[j]) * double(d[j]);
    }
    const double rel = std::sqrt(diff / std::max(norm, 1e-30));
    sumRel += rel;
    maxRel = std::max(maxRel, rel);
    agree += argmax(d) == argmax(s);
    const double kl = klOf(d, s);
    sumKl += kl;
    maxKl = std::max(maxKl, kl);
  }
  const char* eps = std::getenv("UNISPARSE_SPARSE_DECODE_EPS");
  std::printf("{\"check\": \"sparse decode vs dense decode\", \"model\": \"%s\", \"device\": \"%s\", \"N\": %d, "
              "\"steps\": %d, \"stepTokens\": \"%s\", \"eps\": \"%s\", \"meanRelL2\": %.4g, \"maxRelL2\": %.4g, "
              "\"meanKl\": %.4g, \"maxKl\": %.4g, \"top1Agree\": %.4f, \"keptShare\": %.4f, \"denseTokPerS\": %.1f, \"sparseTokPerS\": %.1f, "
              "\"speedup\": %.3f}\n",
              model.c_str(), device.c_str(), N, steps, teacher ? "teacher (file)" : "greedy (dense run)",
              eps ? eps : "1e-3 (default)", sumRel / steps, maxRel, sumKl / steps, maxKl, double(agree) / steps, keptShare, tokPerS[0],
              tokPerS[1], tokPerS[0] > 0 ? tokPerS[1] / tokPerS[0] : 0.0);
  return 0;
}

struct Row {
  std::string label;
  AttentionMode mode;
  float tau;
  double targetDensity;  // 0: the plan's own tau
};

static int benchMode(int argc, char** argv) {
  const std::string model = argv[2], outPath = argv[3];
  const std::vector<int> lengths = parseList(argv[4]);
  const std::vector<int> decodeLengths = parseList(argc > 5 ? argv[5] : "");
  const int S = argc > 6 ? std::atoi(argv[6]) : 128;
  const int maxLen = *std::max_element(lengths.begin(), lengths.end());
  ModelOptions o;
  o.device = "cuda";
  o.blockSize = S;
  o.maxContext = maxLen + 512;
  const auto tl = Clock::now();
  auto m = Model::load(model, o);
  const double loadMs = msSince(tl);
  const ModelInfo& info = m->info();
  std::ostringstream js;
  js << "{\"model\": \"" << model << "\", \"layers\": " << info.nLayers << ", \"hidden\": " << info.hiddenSize
     << ", \"heads\": " << info.nHeads << ", \"kvHeads\": " << info.nKvHeads << ", \"vocab\": " << info.vocabSize
     << ", \"blockSize\": " << S << ", \"loadMs\": " << loadMs << ", \"capacity\": " << info.capacity
     << ", \"deviceBytes\": " << info.deviceBytes << ", \"weightBytes\": " << info.deviceWeightBytes
     << ", \"deviceNote\": \"" << info.deviceNote << "\", \"rows\": [";
  const std::vector<Row> allRows = {
      {"dense", AttentionMode::Dense, 1.f, 0},
      {"unisparse tau 0.95", AttentionMode::UniSparse, 0.95f, 0},
      {"unisparse budget 0.4", AttentionMode::UniSparse, 1.f, 0.4},
      {"unisparse budget 0.2", AttentionMode::UniSparse, 1.f, 0.2},
      {"unisparse budget 0.1", AttentionMode::UniSparse, 1.f, 0.1},
  };
  // E2E_ROWS=dense,... keeps only the rows named (the decode A/B run uses dense alone).
  std::vector<Row> rows;
  const char* only = std::getenv("E2E_ROWS");
  for (const Row& r : allRows)
    if (!only || ("," + std::string(only) + ",").find("," + r.label + ",") != std::string::npos) rows.push_back(r);
  LogitsRequest last;
  bool first = true;
  // Warm-up: kernels, cuBLAS heuristics, the plan's memory pool.
  {
    auto toks = randomTokens(2048, info.vocabSize, 7);
    m->setAttention(AttentionMode::UniSparse, 0.95f, S);
    m->eval(toks.data(), toks.size(), last);
    m->reset();
  }
  for (int N : lengths) {
    const auto toks = randomTokens(N, info.vocabSize, uint32_t(N));
    const int nB = (N + S - 1) / S;
    for (const Row& r : rows) {
      // A per-row budget c keeps min(c, row length) blocks per row: density = (c nB - c^2/2) / (nB^2 / 2).
      const int budget = r.targetDensity > 0 ? std::max(2, int(std::ceil(nB * (1 - std::sqrt(1 - r.targetDensity))))) : 0;
      m->setAttention(r.mode, r.tau, S, budget);
      m->reset();
      const auto t0 = Clock::now();
      std::vector<float> logits = m->eval(toks.data(), toks.size(), last);
      const double ttft = msSince(t0);
      const double density = m->lastAttention().density;
      // Follow-up question: keep the context, prefill 64 new tokens behind it.
      const auto follow = randomTokens(64, info.vocabSize, uint32_t(N + 1));
      const auto t1 = Clock::now();
      m->eval(follow.data(), follow.size(), last);
      const double followMs = msSince(t1);
      double decodeTps = 0;
      const bool wantDecode = std::find(decodeLengths.begin(), decodeLengths.end(), N) != decodeLengths.end() &&
                              r.mode == AttentionMode::Dense;
      if (wantDecode) {
        m->truncate(N);
        int32_t next = 11;
        const int steps = 64;
        m->eval(&next, 1, last);
        const auto t2 = Clock::now();
        for (int i = 0; i < steps; ++i) m->eval(&next, 1, last);
        decodeTps = steps / (msSince(t2) / 1000.0);
      }
      std::fprintf(stderr, "N=%d %-22s ttft %.1f ms density %.3f followup %.1f ms decode %.1f tok/s\n", N,
                   r.label.c_str(), ttft, density, followMs, decodeTps);
      js << (first ? "" : ", ") << "{\"N\": " << N << ", \"label\": \"" << r.label << "\", \"budget\": " << budget
         << ", \"ttftMs\": " << ttft << ", \"density\": " << density << ", \"followupMs\": " << followMs
         << ", \"decodeTokPerS\": " << decodeTps << "}";
      first = false;
    }
  }
  js << "]}";
  std::ofstream(outPath) << js.str() << "\n";
  std::printf("%s\n", js.str().c_str());
  return 0;
}


// Top-1 agreement of UniSparse prefill variants with dense prefill, one model load for every window and variant:
//   engine_e2e top1sweep MODEL K VARIANTS_FILE TOKENS.i32...
// VARIANTS_FILE: one variant per line, "name tau ENV=VALUE ..." (tau 1 with name 'dense' is the reference); the
// environment is set for that variant only. Prints one JSON line per window and variant: flips among the last K
// rows, flips whose dense top-2 gap is under 0.5 logits (near ties), density.
static int top1SweepMode(int argc, char** argv) {
  const std::string model = argv[2];
  const int K = std::atoi(argv[3]);
  std::vector<std::vector<std::string>> variants;
  {
    std::ifstream f(argv[4]);
    std::string line;
    while (std::getline(f, line)) {
      std::stringstream ss(line);
      std::vector<std::string> parts;
      std::string w;
      while (ss >> w) parts.push_back(w);
      if (parts.size() >= 2) variants.push_back(parts);
    }
  }
  ModelOptions o;
  o.device = "cuda";
  o.maxContext = 8192 + 64;
  auto m = Model::load(model, o);
  const int vocab = m->info().vocabSize;
  for (int wi = 5; wi < argc; ++wi) {
    std::vector<int32_t> ids = readTokens(argv[wi]);
    const int n = int(ids.size());
    LogitsRequest rows;
    rows.mode = LogitsMode::Rows;
    for (int i = n - K; i < n; ++i) rows.rows.push_back(i);
    std::vector<int> denseTop(static_cast<size_t>(K));
    std::vector<float> denseGap(static_cast<size_t>(K));
    for (const auto& v : variants) {
      std::vector<std::string> set;
      for (size_t j = 2; j < v.size(); ++j) {
        const size_t eq = v[j].find('=');
        setenv(v[j].substr(0, eq).c_str(), v[j].substr(eq + 1).c_str(), 1);
        set.push_back(v[j].substr(0, eq));
      }
      const float tau = float(std::atof(v[1].c_str()));
      const bool dense = v[0] == "dense";
      const bool reference = dense || v[0].rfind("ref", 0) == 0;  // "ref...": UniSparse at this tau is the reference
      m->reset();
      m->setAttention(dense ? AttentionMode::Dense : AttentionMode::UniSparse, dense ? 1.f : tau, 64);
      const auto t0 = Clock::now();
      std::vector<float> logits = m->eval(ids.data(), size_t(n), rows);
      const double ms = msSince(t0);
      for (const auto& name : set) unsetenv(name.c_str());
      int flips = 0, nearTieFlips = 0;
      for (int r = 0; r < K; ++r) {
        const float* row = logits.data() + size_t(r) * vocab;
        int best = 0;
        for (int t = 1; t < vocab; ++t) if (row[t] > row[best]) best = t;
        if (reference) {
          float second = -1e30f;
          for (int t = 0; t < vocab; ++t) if (t != best && row[t] > second) second = row[t];
          denseTop[size_t(r)] = best;
          denseGap[size_t(r)] = row[best] - second;
        } else if (best != denseTop[size_t(r)]) {
          ++flips;
          if (denseGap[size_t(r)] < 0.5f) ++nearTieFlips;
        }
      }
      std::printf("{\"window\": \"%s\", \"variant\": \"%s\", \"tau\": %.4f, \"flips\": %d, \"nearTieFlips\": %d, "
                  "\"rows\": %d, \"top1Agreement\": %.4f, \"density\": %.4f, \"ms\": %.1f}\n",
                  argv[wi], v[0].c_str(), tau, flips, nearTieFlips, K, 1.0 - double(flips) / K,
                  m->lastAttention().density, ms);
      std::fflush(stdout);
    }
  }
  return 0;
}

int main(int argc, char** argv) {
  try {
    if (argc >= 6 && std::string(argv[1]) == "logits") return logitsMode(argc, argv);
    if (argc >= 6 && std::string(argv[1]) == "top1sweep") return top1SweepMode(argc, argv);
    if (argc >= 5 && std::string(argv[1]) == "bench") return benchMode(argc, argv);
    if (argc >= 5 && std::string(argv[1]) == "question") return questionMode(argc, argv);
    if (argc >= 6 && std::string(argv[1]) == "decodecmp") return decodeCompareMode(argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "usage: engine_e2e logits MODEL TOKENS.i32 OUT.f32 K [cpu|cuda] [dense|unisparse] [prefill|decode]\n"
                       "       engine_e2e bench MODEL OUT.json 8192,32768 32768 [blockSize]\n"
                       "       engine_e2e question MODEL TOKENS.i32 ROWS [blockSize]\n"
                       "       engine_e2e decodecmp MODEL TOKENS.i32|random N STEPS\n");
  return 2;
}
