// Node binding of the model runtime: one JS class `Model` wrapping unisparse::Model (native/include/unisparse_model.h).
// Long work (eval of a prompt) can run on a libuv worker through evalAsync; native memory is reported to V8;
// C++ errors become JS Errors carrying the runtime's message.
#include <napi.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "unisparse_model.h"
#ifdef UNISPARSE_WITH_CUDA
#include "attention_cuda.h"
#endif

namespace unisparse::binding {

namespace {

const char* modeName(AttentionMode m) { return m == AttentionMode::UniSparse ? "unisparse" : "dense"; }

AttentionMode parseMode(Napi::Env env, const Napi::Value& v, const char* where) {
  const std::string s = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
  if (s == "dense") return AttentionMode::Dense;
  if (s == "unisparse") return AttentionMode::UniSparse;
  throw Napi::TypeError::New(env, std::string(where) + ": attention must be 'dense' or 'unisparse'.");
}

double numberOption(Napi::Env env, const Napi::Object& o, const char* key, double fallback, const char* where) {
  if (!o.Has(key) || o.Get(key).IsUndefined()) return fallback;
  const Napi::Value v = o.Get(key);
  if (!v.IsNumber() || !std::isfinite(v.As<Napi::Number>().DoubleValue()))
    throw Napi::TypeError::New(env, std::string(where) + ": option " + key + " must be a finite number.");
  return v.As<Napi::Number>().DoubleValue();
}

std::vector<int32_t> readTokens(Napi::Env env, const Napi::Value& v) {
  std::vector<int32_t> tokens;
  if (v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_int32_array) {
    Napi::Int32Array a = v.As<Napi::Int32Array>();
    tokens.assign(a.Data(), a.Data() + a.ElementLength());
  } else if (v.IsArray()) {
    Napi::Array a = v.As<Napi::Array>();
    tokens.reserve(a.Length());
    for (uint32_t i = 0; i < a.Length(); ++i) {
      Napi::Value e = a.Get(i);
      const double d = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : NAN;
      if (!(d == std::floor(d)) || std::fabs(d) > 2147483647.0)
        throw Napi::TypeError::New(env, "eval: tokens[" + std::to_string(i) + "] is not an integer token id.");
      tokens.push_back(int32_t(d));
    }
  } else {
    throw Napi::TypeError::New(env, "eval: tokens must be an Int32Array or an array of integer token ids.");
  }
  return tokens;
}

LogitsRequest readLogitsRequest(Napi::Env env, const Napi::Value& optsValue) {
  LogitsRequest r;
  if (optsValue.IsUndefined() || optsValue.IsNull()) return r;
  if (!optsValue.IsObject()) throw Napi::TypeError::New(env, "eval: the second argument must be an options object.");
  Napi::Value l = optsValue.As<Napi::Object>().Get("logits");
  if (l.IsUndefined()) return r;
  if (l.IsString()) {
    const std::string s = l.As<Napi::String>().Utf8Value();
    if (s == "last") r.mode = LogitsMode::Last;
    else if (s == "all") r.mode = LogitsMode::All;
    else if (s == "none") r.mode = LogitsMode::None;
    else throw Napi::TypeError::New(env, "eval: logits must be 'last', 'all', 'none' or an array of row indices.");
    return r;
  }
  if (l.IsArray()) {
    r.mode = LogitsMode::Rows;
    Napi::Array a = l.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); ++i) {
      Napi::Value e = a.Get(i);
      if (!e.IsNumber()) throw Napi::TypeError::New(env, "eval: logits rows must be integers.");
      r.rows.push_back(e.As<Napi::Number>().Int32Value());
    }
    return r;
  }
  throw Napi::TypeError::New(env, "eval: logits must be 'last', 'all', 'none' or an array of row indices.");
}

Napi::Value toJs(Napi::Env env, const MetaValue& v) {
  switch (v.kind) {
    case MetaValue::Kind::Int: return Napi::Number::New(env, double(v.i));
    case MetaValue::Kind::Float: return Napi::Number::New(env, v.f);
    case MetaValue::Kind::Bool: return Napi::Boolean::New(env, v.b);
    case MetaValue::Kind::String: return Napi::String::New(env, v.s);
    case MetaValue::Kind::Array: {
      Napi::Array a = Napi::Array::New(env, v.array.size());
      for (size_t i = 0; i < v.array.size(); ++i) a.Set(uint32_t(i), toJs(env, v.array[i]));
      return a;
    }
  }
  return env.Undefined();
}

Napi::Float32Array toFloat32Array(Napi::Env env, const std::vector<float>& data) {
  Napi::Float32Array a = Napi::Float32Array::New(env, data.size());
  if (!data.empty()) std::memcpy(a.Data(), data.data(), data.size() * sizeof(float));
  return a;
}

}  // namespace

class ModelWrap : public Napi::ObjectWrap<ModelWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Model", {
      InstanceAccessor<&ModelWrap::Info>("info"),
      InstanceAccessor<&ModelWrap::Position>("position"),
      InstanceMethod<&ModelWrap::Metadata>("metadata"),
      InstanceMethod<&ModelWrap::Eval>("eval"),
      InstanceMethod<&ModelWrap::EvalAsync>("evalAsync"),
      InstanceMethod<&ModelWrap::Truncate>("truncate"),
      InstanceMethod<&ModelWrap::Reset>("reset"),
      InstanceMethod<&ModelWrap::SetAttention>("setAttention"),
      InstanceMethod<&ModelWrap::LastAttention>("lastAttention"),
      InstanceMethod<&ModelWrap::SetQuestionRows>("setQuestionRows"),
      InstanceMethod<&ModelWrap::Captured>("captured"),
      InstanceMethod<&ModelWrap::Dispose>("dispose"),
    });
  }

  ModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ModelWrap>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsString())
      throw Napi::TypeError::New(env, "new Model(path, opts?): path must be a string (a .gguf file or a model folder).");
    const std::string path = info[0].As<Napi::String>().Utf8Value();
    ModelOptions opts;
    if (info.Length() > 1 && !info[1].IsUndefined() && !info[1].IsNull()) {
      if (!info[1].IsObject()) throw Napi::TypeError::New(env, "new Model(path, opts?): opts must be an object.");
      Napi::Object o = info[1].As<Napi::Object>();
      const char* where = "new Model";
      opts.threads = int(numberOption(env, o, "threads", 0, where));
      opts.tau = float(numberOption(env, o, "tau", opts.tau, where));
      opts.blockSize = int(numberOption(env, o, "blockSize", opts.blockSize, where));
      opts.maxContext = int(numberOption(env, o, "maxContext", 0, where));
      opts.maxBlocks = int(numberOption(env, o, "maxBlocks", 0, where));
      opts.neighbourShare = float(numberOption(env, o, "neighbourShare", opts.neighbourShare, where));
      if (!(opts.neighbourShare >= 0.f && opts.neighbourShare <= 1.f))
        throw Napi::RangeError::New(env, "new Model: neighbourShare must be in [0, 1] (0 turns neighbour expansion off).");
      opts.checkRecall = float(numberOption(env, o, "checkRecall", opts.checkRecall, where));
      opts.copyRecent = int(numberOption(env, o, "copyRecent", opts.copyRecent, where));
      opts.copyNgram = int(numberOption(env, o, "copyNgram", opts.copyNgram, where));
      if (o.Has("attention") && !o.Get("attention").IsUndefined()) opts.attention = parseMode(env, o.Get("attention"), where);
      if (o.Has("exactMatmul") && !o.Get("exactMatmul").IsUndefined()) {
        if (!o.Get("exactMatmul").IsBoolean()) throw Napi::TypeError::New(env, "new Model: exactMatmul must be a boolean.");
        opts.exactMatmul = o.Get("exactMatmul").As<Napi::Boolean>().Value();
      }
      if (o.Has("device") && !o.Get("device").IsUndefined()) {
        if (!o.Get("device").IsString()) throw Napi::TypeError::New(env, "new Model: device must be 'cpu' or 'cuda'.");
        opts.device = o.Get("device").As<Napi::String>().Utf8Value();
      }
      if (o.Has("captureLayers") && !o.Get("captureLayers").IsUndefined()) {
        if (!o.Get("captureLayers").IsArray())
          throw Napi::TypeError::New(env, "new Model: captureLayers must be an array of layer indices.");
        Napi::Array a = o.Get("captureLayers").As<Napi::Array>();
        for (uint32_t i = 0; i < a.Length(); ++i) opts.captureLayers.push_back(a.Get(i).As<Napi::Number>().Int32Value());
      }
    }
    try {
      model_ = Model::load(path, opts);
    } catch (const std::exception& e) {
      throw Napi::Error::New(env, e.what());
    }
    reportMemory(env);
  }

  ~ModelWrap() override = default;

 private:
  Model& live(Napi::Env env, const char* method) {
    if (!model_) throw Napi::Error::New(env, std::string(method) + ": the model was disposed; load it again.");
    if (busy_)
      throw Napi::Error::New(env, std::string(method) + ": an evalAsync is still running on this model; await it first.");
    return *model_;
  }

  void reportMemory(Napi::Env env) {
    const int64_t now = model_ ? int64_t(model_->nativeBytes()) : 0;
    if (now != reported_) Napi::MemoryManagement::AdjustExternalMemory(env, now - reported_);
    reported_ = now;
  }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!model_) throw Napi::Error::New(env, "info: the model was disposed; load it again.");
    const ModelInfo& i = model_->info();
    Napi::Object o = Napi::Object::New(env);
    o.Set("architecture", i.architecture);
    o.Set("format", i.format);
    o.Set("nLayers", i.nLayers);
    o.Set("nHeads", i.nHeads);
    o.Set("nKvHeads", i.nKvHeads);
    o.Set("headDim", i.headDim);
    o.Set("hiddenSize", i.hiddenSize);
    o.Set("vocabSize", i.vocabSize);
    o.Set("contextLength", i.contextLength);
    o.Set("ropeTheta", double(i.ropeTheta));
    o.Set("tiedEmbeddings", i.tiedEmbeddings);
    Napi::Object types = Napi::Object::New(env);
    for (const auto& [name, count] : i.weightTypes) types.Set(name, count);
    o.Set("weightTypes", types);
    o.Set("device", i.device);
    o.Set("capacity", i.capacity);
    o.Set("prefillChunk", i.prefillChunk);
    if (!i.deviceNote.empty()) o.Set("deviceNote", i.deviceNote);
    if (i.deviceBytes) o.Set("deviceBytes", double(i.deviceBytes));
    if (i.deviceWeightBytes) o.Set("deviceWeightBytes", double(i.deviceWeightBytes));
    return o;
  }

  Napi::Value Position(const Napi::CallbackInfo& info) {
    if (!model_) throw Napi::Error::New(info.Env(), "position: the model was disposed; load it again.");
    return Napi::Number::New(info.Env(), model_->position());
  }

  Napi::Value Metadata(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "metadata(key): key must be a string.");
    if (!model_) throw Napi::Error::New(env, "metadata: the model was disposed; load it again.");
    const MetaValue* v = model_->metadata(info[0].As<Napi::String>().Utf8Value());
    return v ? toJs(env, *v) : env.Undefined();
  }

  Napi::Value Eval(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Model& m = live(env, "eval");
    if (info.Length() < 1) throw Napi::TypeError::New(env, "eval(tokens, opts?): tokens are required.");
    const std::vector<int32_t> tokens = readTokens(env, info[0]);
    const LogitsRequest request = readLogitsRequest(env, info.Length() > 1 ? info[1] : env.Undefined());
    std::vector<float> logits;
    try {
      logits = m.eval(tokens.data(), tokens.size(), request);
    } catch (const std::exception& e) {
      throw Napi::Error::New(env, e.what());
    }
    reportMemory(env);
    return toFloat32Array(env, logits);
  }

  class EvalWorker : public Napi::AsyncWorker {
   public:
    EvalWorker(Napi::Env env, ModelWrap* owner, std::vector<int32_t> tokens, LogitsRequest request)
        : Napi::AsyncWorker(env, "unisparse.Model.evalAsync"), deferred_(Napi::Promise::Deferred::New(env)),
          owner_(owner), tokens_(std::move(tokens)), request_(std::move(request)) {
      ownerRef_ = Napi::Persistent(owner->Value());  // keeps the wrapper alive until the promise settles
    }
    Napi::Promise Promise() { return deferred_.Promise(); }
    void Execute() override {
      try {
        logits_ = owner_->model_->eval(tokens_.data(), tokens_.size(), request_);
      } catch (const std::exception& e) {
        SetError(e.what());
      }
    }
    void OnOK() override {
      owner_->busy_ = false;
      owner_->reportMemory(Env());
      deferred_.Resolve(toFloat32Array(Env(), logits_));
    }
    void OnError(const Napi::Error& e) override {
      owner_->busy_ = false;
      deferred_.Reject(e.Value());
    }

   private:
    Napi::Promise::Deferred deferred_;
    ModelWrap* owner_;
    Napi::ObjectReference ownerRef_;
    std::vector<int32_t> tokens_;
    LogitsRequest request_;
    std::vector<float> logits_;
  };

  Napi::Value EvalAsync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    live(env, "evalAsync");
    if (info.Length() < 1) throw Napi::TypeError::New(env, "evalAsync(tokens, opts?): tokens are required.");
    std::vector<int32_t> tokens = readTokens(env, info[0]);
    LogitsRequest request = readLogitsRequest(env, info.Length() > 1 ? info[1] : env.Undefined());
    auto* worker = new EvalWorker(env, this, std::move(tokens), std::move(request));
    busy_ = true;
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  }

  Napi::Value Truncate(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Model& m = live(env, "truncate");
    if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "truncate(n): n must be a number.");
    try {
      m.truncate(info[0].As<Napi::Number>().Int32Value());
    } catch (const std::exception& e) {
      throw Napi::Error::New(env, e.what());
    }
    return env.Undefined();
  }

  Napi::Value Reset(const Napi::CallbackInfo& info) {
    live(info.Env(), "reset").reset();
    return info.Env().Undefined();
  }

  Napi::Value SetAttention(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Model& m = live(env, "setAttention");
    if (info.Length() < 1 || !info[0].IsObject())
      throw Napi::TypeError::New(env, "setAttention({ mode, tau?, blockSize?, maxBlocks? }): an options object is required.");
    Napi::Object o = info[0].As<Napi::Object>();
    const AttentionMode mode = parseMode(env, o.Get("mode"), "setAttention");
    const float tau = float(numberOption(env, o, "tau", UniSparseConfig{}.tau, "setAttention"));
    const int blockSize = int(numberOption(env, o, "blockSize", UniSparseConfig{}.blockSize, "setAttention"));
    const int maxBlocks = int(numberOption(env, o, "maxBlocks", 0, "setAttention"));
    try {
      m.setAttention(mode, tau, blockSize, maxBlocks);
    } catch (const std::exception& e) {
      throw Napi::Error::New(env, e.what());
    }
    return env.Undefined();
  }

  Napi::Value SetQuestionRows(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Model& m = live(env, "setQuestionRows");
    if (info.Length() < 1 || !info[0].IsNumber())
      throw Napi::TypeError::New(env, "setQuestionRows(from, to?): from must be a token position (or -1 to stop).");
    const int to = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : -1;
    m.setQuestionRows(info[0].As<Napi::Number>().Int32Value(), to);
    return env.Undefined();
  }

  Napi::Value LastAttention(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const AttentionReport& r = live(env, "lastAttention").lastAttention();
    Napi::Object o = Napi::Object::New(env);
    o.Set("mode", modeName(r.mode));
    o.Set("density", r.density);
    o.Set("blockSize", r.blockSize);
    o.Set("nBlocks", r.nBlocks);
    o.Set("keyBlockScore", toFloat32Array(env, r.keyBlockScore));
    o.Set("questionBlockMass", toFloat32Array(env, r.questionBlockMass));
    o.Set("questionLayerMass", toFloat32Array(env, r.questionLayerMass));
    Napi::Object heat = Napi::Object::New(env);
    heat.Set("layer", r.heatmapLayer);
    heat.Set("head", r.heatmapHead);
    heat.Set("nBlocks", r.nBlocks);
    Napi::Uint8Array mask = Napi::Uint8Array::New(env, r.heatmap.size());
    if (!r.heatmap.empty()) std::memcpy(mask.Data(), r.heatmap.data(), r.heatmap.size());
    heat.Set("mask", mask);
    o.Set("heatmap", heat);
    return o;
  }

  Napi::Value Captured(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Model& m = live(env, "captured");
    if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "captured(layer): layer must be a number.");
    const int layer = info[0].As<Napi::Number>().Int32Value();
    const CapturedQkv* c = m.captured(layer);
    if (!c)
      throw Napi::Error::New(env, "captured(" + std::to_string(layer) +
                                      "): layer not captured; list it in the Model's captureLayers option.");
    Napi::Object o = Napi::Object::New(env);
    o.Set("q", toFloat32Array(env, c->q));
    o.Set("k", toFloat32Array(env, c->k));
    o.Set("v", toFloat32Array(env, c->v));
    o.Set("heads", c->heads);
    o.Set("kvHeads", c->kvHeads);
    o.Set("headDim", c->headDim);
    o.Set("seq", c->seq);
    return o;
  }

  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (busy_) throw Napi::Error::New(env, "dispose: an evalAsync is still running on this model; await it first.");
    model_.reset();
    reportMemory(env);
    return env.Undefined();
  }

  std::unique_ptr<Model> model_;
  bool busy_ = false;
  int64_t reported_ = 0;
};

// gpuStatus() -> { usable, reason }: whether device 'cuda' can run here now, so callers can fall back to the CPU
// with one line instead of an error.
Napi::Value GpuStatus(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
#ifdef UNISPARSE_WITH_CUDA
  std::string reason;
  const bool usable = cuda::available(&reason);
#else
  const std::string reason = "this build of the native addon has no CUDA support (nvcc was not found when it was built)";
  const bool usable = false;
#endif
  o.Set("usable", usable);
  o.Set("reason", reason);
  return o;
}

void RegisterModel(Napi::Env env, Napi::Object exports) {
  exports.Set("Model", ModelWrap::Define(env));
  exports.Set("gpuStatus", Napi::Function::New(env, GpuStatus, "gpuStatus"));
}

}  // namespace unisparse::binding
