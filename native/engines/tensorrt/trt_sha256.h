// A small SHA-256 (FIPS 180-4) for the TensorRT engine cache key, so the engine needs no
// OpenSSL. Not constant-time; it hashes model files, not secrets.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace vramgate::trt {

class Sha256 {
 public:
  Sha256();
  void Update(const void* data, size_t sizeBytes);
  void Update(const std::string& text) { Update(text.data(), text.size()); }
  // Lower-case hex of the digest. Finishes the hash: call once.
  std::string HexDigest();

 private:
  void Block(const uint8_t* block64);
  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> pending_{};
  size_t pendingBytes_ = 0;
  uint64_t totalBytes_ = 0;
};

// SHA-256 of a whole file, read in chunks. Throws std::runtime_error naming the file.
std::string Sha256File(const std::string& path);

}  // namespace vramgate::trt
