#include "AddonEngineArgs.h"

#include <cmath>
#include <string>

namespace vramgate {

namespace {
[[noreturn]] void Type(Napi::Env env, const std::string& what) { throw Napi::TypeError::New(env, what); }

std::string Describe(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsString()) return "a string";
  if (v.IsNumber()) return "a number";
  if (v.IsBoolean()) return "a boolean";
  if (v.IsArray()) return "an array";
  return "an object";
}

int64_t Integer(const Napi::Value& v, const std::string& field, int64_t min) {
  if (!v.IsNumber()) Type(v.Env(), "Expected an integer for " + field + " but received " + Describe(v));
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d == std::floor(d) && d >= static_cast<double>(min) && d <= 9007199254740991.0)) {
    throw Napi::RangeError::New(v.Env(), "Expected an integer >= " + std::to_string(min) + " for " + field +
                                             " but received " + std::to_string(d));
  }
  return static_cast<int64_t>(d);
}

std::string String(const Napi::Value& v, const std::string& field) {
  if (!v.IsString()) Type(v.Env(), "Expected a string for " + field + " but received " + Describe(v));
  return v.As<Napi::String>().Utf8Value();
}

double Finite(const Napi::Value& v, const std::string& field) {
  if (!v.IsNumber()) Type(v.Env(), "Expected a number for " + field + " but received " + Describe(v));
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) throw Napi::RangeError::New(v.Env(), "Expected a finite number for " + field);
  return d;
}

// "ones" | "zeros" | { min, max } (min <= max). The scenario parser has checked the range
// against the dtype; this only refuses what would make the fill meaningless.
InputValues ParseValues(const Napi::Value& v, const std::string& field) {
  InputValues out;
  if (v.IsUndefined() || v.IsNull()) return out;
  out.given = true;
  if (v.IsString()) {
    const std::string s = v.As<Napi::String>().Utf8Value();
    if (s == "ones" || s == "zeros") {
      out.min = out.max = s == "ones" ? 1 : 0;
      return out;
    }
    throw Napi::RangeError::New(
        v.Env(), "Expected \"ones\", \"zeros\" or { min, max } for " + field + " but received \"" + s + "\"");
  }
  if (!v.IsObject() || v.IsArray())
    Type(v.Env(), "Expected \"ones\", \"zeros\" or { min, max } for " + field + " but received " + Describe(v));
  Napi::Object o = v.As<Napi::Object>();
  out.min = Finite(o.Get("min"), field + ".min");
  out.max = Finite(o.Get("max"), field + ".max");
  if (out.min > out.max) {
    throw Napi::RangeError::New(v.Env(), "Expected " + field + ".min <= " + field + ".max but received " +
                                             std::to_string(out.min) + " > " + std::to_string(out.max));
  }
  return out;
}

Dims ParseDims(const Napi::Value& v, const std::string& field) {
  if (!v.IsArray()) Type(v.Env(), "Expected an array of dimensions for " + field + " but received " + Describe(v));
  Napi::Array a = v.As<Napi::Array>();
  Dims d;
  d.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) d.push_back(Integer(a.Get(i), field + "[" + std::to_string(i) + "]", 1));
  return d;
}
}  // namespace

EngineConfig ParseEngineConfig(const Napi::Value& v) {
  Napi::Env env = v.Env();
  if (!v.IsObject()) Type(env, "Expected a config object for new NativeEngine() but received " + Describe(v));
  Napi::Object o = v.As<Napi::Object>();
  EngineConfig cfg;
  if (o.Has("modelPath") && !o.Get("modelPath").IsUndefined())
    cfg.modelPath = String(o.Get("modelPath"), "config.modelPath");
  cfg.precision =
      o.Has("precision") && !o.Get("precision").IsUndefined() ? String(o.Get("precision"), "config.precision") : "fp32";
  if (o.Has("device") && !o.Get("device").IsUndefined())
    cfg.device = static_cast<int>(Integer(o.Get("device"), "config.device", 0));
  Napi::Value profile = o.Get("profile");
  if (!profile.IsUndefined()) {
    if (!profile.IsArray()) Type(env, "Expected an array for config.profile but received " + Describe(profile));
    Napi::Array a = profile.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); ++i) {
      const std::string f = "config.profile[" + std::to_string(i) + "]";
      Napi::Value e = a.Get(i);
      if (!e.IsObject()) Type(env, "Expected an object for " + f + " but received " + Describe(e));
      Napi::Object p = e.As<Napi::Object>();
      InputProfile ip;
      ip.name = String(p.Get("name"), f + ".name");
      ip.min = ParseDims(p.Get("min"), f + ".min");
      ip.opt = ParseDims(p.Get("opt"), f + ".opt");
      ip.max = ParseDims(p.Get("max"), f + ".max");
      ip.dtype = p.Get("dtype").IsUndefined() ? "float32" : String(p.Get("dtype"), f + ".dtype");
      ip.values = ParseValues(p.Get("values"), f + ".values");
      cfg.profile.push_back(std::move(ip));
    }
  }
  Napi::Value faults = o.Get("faults");
  if (!faults.IsUndefined()) {
    if (!faults.IsObject()) Type(env, "Expected an object for config.faults but received " + Describe(faults));
    Napi::Object fo = faults.As<Napi::Object>();
    if (!fo.Get("leakBytesPerIteration").IsUndefined()) {
      cfg.faults.leakBytesPerIteration =
          Integer(fo.Get("leakBytesPerIteration"), "config.faults.leakBytesPerIteration", 0);
    }
    if (!fo.Get("retainOutputsEvery").IsUndefined()) {
      cfg.faults.retainOutputsEvery = Integer(fo.Get("retainOutputsEvery"), "config.faults.retainOutputsEvery", 0);
    }
  }
  Napi::Value options = o.Get("options");
  if (!options.IsUndefined()) {
    if (!options.IsObject()) Type(env, "Expected an object for config.options but received " + Describe(options));
    Napi::Object oo = options.As<Napi::Object>();
    Napi::Array keys = oo.GetPropertyNames();
    for (uint32_t i = 0; i < keys.Length(); ++i) {
      std::string k = keys.Get(i).As<Napi::String>().Utf8Value();
      cfg.options[k] = String(oo.Get(k), "config.options." + k);
    }
  }
  return cfg;
}

std::vector<ShapeMap> ParseShapes(const Napi::Value& v) {
  Napi::Env env = v.Env();
  if (!v.IsArray()) Type(env, "Expected an array of shapes for runCalls() but received " + Describe(v));
  Napi::Array a = v.As<Napi::Array>();
  std::vector<ShapeMap> shapes;
  shapes.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) {
    const std::string f = "shapes[" + std::to_string(i) + "]";
    Napi::Value e = a.Get(i);
    if (!e.IsObject() || e.IsArray())
      Type(env, "Expected a {input: dims} object for " + f + " but received " + Describe(e));
    Napi::Object so = e.As<Napi::Object>();
    Napi::Array keys = so.GetPropertyNames();  // insertion order = the model's input order
    ShapeMap shape;
    shape.reserve(keys.Length());
    for (uint32_t k = 0; k < keys.Length(); ++k) {
      std::string name = keys.Get(k).As<Napi::String>().Utf8Value();
      shape.emplace_back(name, ParseDims(so.Get(name), f + "." + name));
    }
    shapes.push_back(std::move(shape));
  }
  return shapes;
}

StrategyOptions ParseStrategyOptions(const Napi::Value& v) {
  StrategyOptions opts;
  if (v.IsUndefined()) return opts;
  if (!v.IsObject()) Type(v.Env(), "Expected an options object for begin() but received " + Describe(v));
  Napi::Value pool = v.As<Napi::Object>().Get("perShapePoolSize");
  if (!pool.IsUndefined()) opts.perShapePoolSize = static_cast<int>(Integer(pool, "perShapePoolSize", 1));
  return opts;
}

}  // namespace vramgate
