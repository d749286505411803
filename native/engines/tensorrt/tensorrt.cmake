# TensorRT engine for the vramgate addon; included by CMakeLists.txt (see the contract
# there). Looks for TensorRT in TENSORRT_ROOT (CMake variable or environment) and the
# usual install places; when NvInfer.h, NvOnnxParser.h, libnvinfer and libnvonnxparser
# and the CUDA runtime are all found, compiles the engine into vramgate_addon with
# VRAMGATE_WITH_TENSORRT. Otherwise adds nothing, says what it looked for in
# VRAMGATE_TENSORRT_REASON (shown by the "not built" error and `vramgate doctor`) and in
# the cache variable VRAMGATE_TENSORRT_LOOKED, and the build goes on without it.

set(_vg_trt_roots "")
if(DEFINED TENSORRT_ROOT AND NOT "${TENSORRT_ROOT}" STREQUAL "")
  list(APPEND _vg_trt_roots "${TENSORRT_ROOT}")
elseif(DEFINED ENV{TENSORRT_ROOT} AND NOT "$ENV{TENSORRT_ROOT}" STREQUAL "")
  list(APPEND _vg_trt_roots "$ENV{TENSORRT_ROOT}")
endif()
file(GLOB _vg_trt_tarballs LIST_DIRECTORIES true /usr/local/TensorRT* /opt/tensorrt*)
list(APPEND _vg_trt_roots ${_vg_trt_tarballs} /opt/tensorrt /usr/local /usr)
list(REMOVE_DUPLICATES _vg_trt_roots)

if(CMAKE_LIBRARY_ARCHITECTURE)
  set(_vg_trt_arch "${CMAKE_LIBRARY_ARCHITECTURE}")
else()
  set(_vg_trt_arch "${CMAKE_SYSTEM_PROCESSOR}-linux-gnu")
endif()

# Searched afresh on every configure, so a changed TENSORRT_ROOT takes effect.
foreach(_vg_var VRAMGATE_TRT_INCLUDE_DIR VRAMGATE_TRT_ONNX_INCLUDE_DIR VRAMGATE_TRT_NVINFER_LIB VRAMGATE_TRT_ONNXPARSER_LIB)
  unset(${_vg_var} CACHE)
endforeach()
find_path(VRAMGATE_TRT_INCLUDE_DIR NvInfer.h
  HINTS ${_vg_trt_roots}
  PATH_SUFFIXES include include/${_vg_trt_arch}
  PATHS /usr/include/${_vg_trt_arch}
  NO_DEFAULT_PATH)
find_path(VRAMGATE_TRT_ONNX_INCLUDE_DIR NvOnnxParser.h
  HINTS ${_vg_trt_roots}
  PATH_SUFFIXES include include/${_vg_trt_arch}
  PATHS /usr/include/${_vg_trt_arch}
  NO_DEFAULT_PATH)
find_library(VRAMGATE_TRT_NVINFER_LIB nvinfer
  HINTS ${_vg_trt_roots}
  PATH_SUFFIXES lib lib64 lib/${_vg_trt_arch} targets/${CMAKE_SYSTEM_PROCESSOR}-linux/lib
  PATHS /usr/lib/${_vg_trt_arch}
  NO_DEFAULT_PATH)
find_library(VRAMGATE_TRT_ONNXPARSER_LIB nvonnxparser
  HINTS ${_vg_trt_roots}
  PATH_SUFFIXES lib lib64 lib/${_vg_trt_arch} targets/${CMAKE_SYSTEM_PROCESSOR}-linux/lib
  PATHS /usr/lib/${_vg_trt_arch}
  NO_DEFAULT_PATH)
find_package(CUDAToolkit QUIET)

set(_vg_trt_missing "")
if(NOT VRAMGATE_TRT_INCLUDE_DIR)
  list(APPEND _vg_trt_missing "NvInfer.h")
endif()
if(NOT VRAMGATE_TRT_ONNX_INCLUDE_DIR)
  list(APPEND _vg_trt_missing "NvOnnxParser.h")
endif()
if(NOT VRAMGATE_TRT_NVINFER_LIB)
  list(APPEND _vg_trt_missing "libnvinfer")
endif()
if(NOT VRAMGATE_TRT_ONNXPARSER_LIB)
  list(APPEND _vg_trt_missing "libnvonnxparser")
endif()
if(NOT CUDAToolkit_FOUND OR NOT TARGET CUDA::cudart)
  list(APPEND _vg_trt_missing "the CUDA runtime (find_package(CUDAToolkit))")
endif()

if(_vg_trt_missing)
  string(REPLACE ";" ", " _vg_trt_missing_text "${_vg_trt_missing}")
  string(REPLACE ";" ", " _vg_trt_looked_text "${_vg_trt_roots};/usr/include/${_vg_trt_arch};/usr/lib/${_vg_trt_arch}")
  set(VRAMGATE_TENSORRT_LOOKED "${_vg_trt_looked_text}" CACHE STRING
      "Where tensorrt.cmake looked for TensorRT when it was not found" FORCE)
  set(VRAMGATE_TENSORRT_REASON
      "TensorRT not found: missing ${_vg_trt_missing_text} (looked in ${_vg_trt_looked_text}; set TENSORRT_ROOT to the TensorRT folder)")
  # CMakeLists.txt prints the reason in its engine summary.
  return()
endif()
unset(VRAMGATE_TENSORRT_LOOKED CACHE)

# Version from the headers: 10.16+ spell it TRT_MAJOR_ENTERPRISE, older ones NV_TENSORRT_MAJOR.
file(READ "${VRAMGATE_TRT_INCLUDE_DIR}/NvInferVersion.h" _vg_trt_version_h)
set(_vg_trt_version "")
foreach(_vg_part MAJOR MINOR PATCH)
  string(REGEX MATCH "#define (TRT_${_vg_part}_ENTERPRISE|NV_TENSORRT_${_vg_part}) +([0-9]+)" _vg_match "${_vg_trt_version_h}")
  if(_vg_match)
    list(APPEND _vg_trt_version "${CMAKE_MATCH_2}")
  endif()
endforeach()
string(REPLACE ";" "." _vg_trt_version "${_vg_trt_version}")
if(NOT _vg_trt_version MATCHES "^[0-9]+\\.[0-9]+\\.[0-9]+$")
  set(VRAMGATE_TENSORRT_REASON
      "could not read the TensorRT version from ${VRAMGATE_TRT_INCLUDE_DIR}/NvInferVersion.h")
  return()
endif()
if(_vg_trt_version VERSION_LESS 10.1)
  set(VRAMGATE_TENSORRT_REASON
      "TensorRT ${_vg_trt_version} found in ${VRAMGATE_TRT_INCLUDE_DIR}, but the engine needs 10.1 or newer (the V2 device-memory API)")
  return()
endif()

set(_vg_trt_dir ${VRAMGATE_NATIVE_DIR}/engines/tensorrt)
target_sources(vramgate_addon PRIVATE
  ${_vg_trt_dir}/TrtEngine.cc
  ${_vg_trt_dir}/trt_allocator.cc
  ${_vg_trt_dir}/trt_build.cc
  ${_vg_trt_dir}/trt_cuda.cc
  ${_vg_trt_dir}/trt_logger.cc
  ${_vg_trt_dir}/trt_options.cc
  ${_vg_trt_dir}/trt_sha256.cc
  ${_vg_trt_dir}/trt_tensors.cc)
# SYSTEM: warnings inside TensorRT's and CUDA's own headers are not ours to fix.
target_include_directories(vramgate_addon SYSTEM PRIVATE
  ${VRAMGATE_TRT_INCLUDE_DIR} ${VRAMGATE_TRT_ONNX_INCLUDE_DIR} ${CUDAToolkit_INCLUDE_DIRS})
target_link_libraries(vramgate_addon PRIVATE ${VRAMGATE_TRT_NVINFER_LIB} ${VRAMGATE_TRT_ONNXPARSER_LIB} CUDA::cudart)
target_compile_definitions(vramgate_addon PRIVATE VRAMGATE_WITH_TENSORRT VRAMGATE_TENSORRT_VERSION="${_vg_trt_version}")
set(VRAMGATE_TENSORRT_FOUND ON)
set(VRAMGATE_TENSORRT_REASON "")
message(STATUS "TensorRT ${_vg_trt_version}: ${VRAMGATE_TRT_INCLUDE_DIR}, ${VRAMGATE_TRT_NVINFER_LIB}")
