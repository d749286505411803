// JS → C++ conversions for NativeEngine. The TS layer validates scenarios; these checks
// only keep a wrong call from crashing the process (TypeError for a wrong type, RangeError
// for a wrong value), naming the offending field.
#pragma once

#include <napi.h>

#include <vector>

#include "engine.h"
#include "strategy_loop.h"

namespace vramgate {

// {modelPath, precision, device, profile: [{name,min,opt,max,dtype}], faults, options}
EngineConfig ParseEngineConfig(const Napi::Value& v);
// Array<Record<string, number[]>>; key order is the model's input order.
std::vector<ShapeMap> ParseShapes(const Napi::Value& v);
// {perShapePoolSize?}
StrategyOptions ParseStrategyOptions(const Napi::Value& v);

}  // namespace vramgate
