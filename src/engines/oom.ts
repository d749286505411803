/**
 * The one rule for "does this error message say memory ran out?" on the TypeScript side.
 * The same rule lives in python/vramgate_oom.py and native/common/oom.h; all three are
 * tested against test/fixtures/oom-cases.json, so the engines agree on what an OOM is.
 *
 * Markers, matched case-insensitively anywhere in the text:
 *   "out of memory"             CUDA (cudaGetErrorString), PyTorch "CUDA out of memory", ORT's CUDA_CALL
 *   "outofmemory"               TensorRT "Error Code 2: OutOfMemory", torch.OutOfMemoryError, c10::OutOfMemoryError
 *   "out_of_memory"             CUDA driver CUDA_ERROR_OUT_OF_MEMORY
 *   "cudaerrormemoryallocation" cudaGetErrorName(cudaErrorMemoryAllocation)
 *   "alloc_failed"              CUBLAS_STATUS_ALLOC_FAILED, CUDNN_STATUS_ALLOC_FAILED, CUFFT_ALLOC_FAILED
 *   "allocation_failed"         cuDNN 9 CUDNN_STATUS_INTERNAL_ERROR_{HOST,DEVICE}_ALLOCATION_FAILED
 *   "failed to allocate"        ONNX Runtime's arena "Failed to allocate memory for requested buffer"
 *   "smaller than requested bytes"  ONNX Runtime's arena at its limit
 *   "could not be allocated"    TensorRT's builder "Requested amount of GPU memory … could not be allocated"
 *   "bad_alloc"                 std::bad_alloc
 */
const OOM_MARKERS: readonly string[] = [
  "out of memory",
  "outofmemory",
  "out_of_memory",
  "cudaerrormemoryallocation",
  "alloc_failed",
  "allocation_failed",
  "failed to allocate",
  "smaller than requested bytes",
  "could not be allocated",
  "bad_alloc",
];

/** True when an error message reads as memory running out (device or host). */
export function isOutOfMemoryMessage(message: string): boolean {
  const text = message.toLowerCase();
  return OOM_MARKERS.some((marker) => text.includes(marker));
}
