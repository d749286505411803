// A CPU engine, always built, for the harness's own tests on machines without a GPU
// (strategy semantics, marks, rounds, faults). Not a stand-in for GPU numbers.
//
// "Model": each call runs a fixed amount of CPU work (an n×n float matmul, n from the
// option matmulSize, default 48) plus one pass over the shape's elements. A context owns
// a host buffer of 4 bytes per element: for the given shape (per-shape), the profile's
// max (when a profile is given), else grown on demand. user-managed contexts take their
// buffer from the engine's shared grow-only block instead.
//
// Options (EngineConfig::options): matmulSize, capacityBytes (the engine's memory budget:
// going over it throws OutOfMemory, like a device running out), failAtCall (the Nth Infer
// call, 0-based over the engine's life, throws a plain error). Faults:
// leakBytesPerIteration mallocs and touches bytes that are never freed;
// retainOutputsEvery keeps every Nth call's output buffer forever.
#pragma once

#include <memory>

#include "engines/engine.h"

namespace vramgate {

std::unique_ptr<Engine> CreateHostEngine(const EngineConfig& cfg);

}  // namespace vramgate
