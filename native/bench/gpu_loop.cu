// An inference-like GPU loop for the sampler-overhead benchmark: each iteration runs a few
// fp16 GEMMs (cuBLAS with -DUSE_CUBLAS, else a shared-memory tiled kernel) on one stream
// and synchronises (as a serving call does), so host-side interference (the sampler's
// NVML queries) shows up in iterations per second.
//
//   nvcc -O2 -arch=sm_90 -DUSE_CUBLAS gpu_loop.cu -lcublas -o gpu_loop
//   gpu_loop <n> <gemmsPerIteration>
// stdin commands, one per line:  "run <iterations>" → prints "done <iterations> <seconds>"
//                                "quit"             → exits
// Prints "ready <pid>" once the CUDA context, buffers and cuBLAS are warm.
#ifdef USE_CUBLAS
#include <cublas_v2.h>
#endif
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#define CHECK_CUDA(x)                                                      \
  do {                                                                     \
    cudaError_t e_ = (x);                                                  \
    if (e_ != cudaSuccess) {                                               \
      std::fprintf(stderr, "%s failed: %s\n", #x, cudaGetErrorString(e_)); \
      std::exit(2);                                                        \
    }                                                                      \
  } while (0)
#ifdef USE_CUBLAS
#define CHECK_CUBLAS(x)                                                         \
  do {                                                                          \
    cublasStatus_t s_ = (x);                                                    \
    if (s_ != CUBLAS_STATUS_SUCCESS) {                                          \
      std::fprintf(stderr, "%s failed: status %d\n", #x, static_cast<int>(s_)); \
      std::exit(2);                                                             \
    }                                                                           \
  } while (0)
#endif

__global__ void Fill(__half* p, size_t n, float v) {
  size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i < n) p[i] = __float2half(v * static_cast<float>((i % 13) + 1) / 13.0f);
}

#ifndef USE_CUBLAS
constexpr int kTile = 32;
// c = a × b, column-major n×n, fp16 in, fp32 accumulate. Plain and correct, not fast.
__global__ void TiledGemm(const __half* a, const __half* b, __half* c, int n) {
  __shared__ float ta[kTile][kTile + 1];
  __shared__ float tb[kTile][kTile + 1];
  const int row = blockIdx.y * kTile + threadIdx.y;
  const int col = blockIdx.x * kTile + threadIdx.x;
  float acc = 0;
  for (int k0 = 0; k0 < n; k0 += kTile) {
    const int ka = k0 + threadIdx.x, kb = k0 + threadIdx.y;
    ta[threadIdx.y][threadIdx.x] = (row < n && ka < n) ? __half2float(a[static_cast<size_t>(ka) * n + row]) : 0.f;
    tb[threadIdx.y][threadIdx.x] = (kb < n && col < n) ? __half2float(b[static_cast<size_t>(col) * n + kb]) : 0.f;
    __syncthreads();
    for (int k = 0; k < kTile; ++k) acc += ta[threadIdx.y][k] * tb[k][threadIdx.x];
    __syncthreads();
  }
  if (row < n && col < n) c[static_cast<size_t>(col) * n + row] = __float2half(acc);
}
#endif

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 2048;
  const int gemms = argc > 2 ? std::atoi(argv[2]) : 4;
  cudaStream_t stream;
  CHECK_CUDA(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
#ifdef USE_CUBLAS
  cublasHandle_t handle;
  CHECK_CUBLAS(cublasCreate(&handle));
  CHECK_CUBLAS(cublasSetStream(handle, stream));
#endif
  const size_t elems = static_cast<size_t>(n) * n;
  __half *a, *b, *c;
  CHECK_CUDA(cudaMalloc(&a, elems * sizeof(__half)));
  CHECK_CUDA(cudaMalloc(&b, elems * sizeof(__half)));
  CHECK_CUDA(cudaMalloc(&c, elems * sizeof(__half)));
  const unsigned blocks = static_cast<unsigned>((elems + 255) / 256);
  Fill<<<blocks, 256, 0, stream>>>(a, elems, 0.01f);
  Fill<<<blocks, 256, 0, stream>>>(b, elems, 0.02f);
  const float alpha = 1.0f, beta = 0.0f;
  auto iteration = [&] {
    for (int g = 0; g < gemms; ++g) {
#ifdef USE_CUBLAS
      CHECK_CUBLAS(cublasGemmEx(handle, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &alpha, a, CUDA_R_16F, n, b, CUDA_R_16F, n,
                                &beta, c, CUDA_R_16F, n, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
#else
      dim3 grid((n + kTile - 1) / kTile, (n + kTile - 1) / kTile), block(kTile, kTile);
      TiledGemm<<<grid, block, 0, stream>>>(a, b, c, n);
#endif
    }
    CHECK_CUDA(cudaStreamSynchronize(stream));
  };
  for (int i = 0; i < 50; ++i) iteration();  // warm-up: cuBLAS heuristics, clocks
#ifdef USE_CUBLAS
  std::printf("ready %d cublas\n", static_cast<int>(getpid()));
#else
  (void)alpha;
  (void)beta;
  std::printf("ready %d kernel\n", static_cast<int>(getpid()));
#endif
  std::fflush(stdout);
  char line[128];
  while (std::fgets(line, sizeof line, stdin)) {
    if (std::strncmp(line, "quit", 4) == 0) break;
    long iters = 0;
    if (std::sscanf(line, "run %ld", &iters) != 1 || iters <= 0) continue;
    auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < iters; ++i) iteration();
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("done %ld %.9f\n", iters, s);
    std::fflush(stdout);
  }
#ifdef USE_CUBLAS
  cublasDestroy(handle);
#endif
  return 0;
}
