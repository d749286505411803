# libtorch engine (TorchEngine.cc), included by the top-level CMakeLists.txt (contract
# there) and by native/bench/CMakeLists.txt (bench executables only).
#
# Torch_DIR comes from the environment or -DTorch_DIR=… (on the GPU machine
# .device/bootstrap.sh exports it; for a pip install it is
# $(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')/Torch).
#
# Invariants:
# - libtorch's -D_GLIBCXX_USE_CXX11_ABI (in TORCH_CXX_FLAGS) is applied to every source of
#   the target that links torch, not only TorchEngine.cc: std::string crossing between
#   objects built with different ABIs corrupts memory silently.
# - The torch lib folder is in the RPATH so vramgate.node loads without LD_LIBRARY_PATH.
# - libtorch_cuda is linked with --no-as-needed: nothing references its symbols directly,
#   and without it the CUDA backend is never registered ("Could not run … CUDA backend").

if(NOT DEFINED Torch_DIR AND DEFINED ENV{Torch_DIR})
  set(Torch_DIR $ENV{Torch_DIR})
endif()
set(_vramgate_torch_where "${Torch_DIR}")  # as given, before find_package rewrites it
# Torch's CMake config probes CUDA with try_compile/try_run; give it a C compiler too when
# one exists (the addon project itself enables only CXX). Only when torch is looked for.
if(Torch_DIR AND NOT CMAKE_C_COMPILER_LOADED)
  include(CheckLanguage)
  check_language(C)
  if(CMAKE_C_COMPILER)
    enable_language(C)
  endif()
endif()
find_package(Torch QUIET)

set(VRAMGATE_TORCH_ENGINE_DIR ${CMAKE_CURRENT_LIST_DIR})

# Applies libtorch's flags, include dirs, libraries and RPATH to one target.
function(vramgate_use_torch target)
  separate_arguments(_torch_flags UNIX_COMMAND "${TORCH_CXX_FLAGS}")
  target_compile_options(${target} PRIVATE ${_torch_flags})
  target_include_directories(${target} PRIVATE ${TORCH_INCLUDE_DIRS})
  target_link_options(${target} PRIVATE "LINKER:--no-as-needed")
  target_link_libraries(${target} PRIVATE ${TORCH_LIBRARIES})
  # The CUDA runtime API (events, cudaMemGetInfo) is called directly; torch already
  # depends on it, CUDA::cudart makes the dependency explicit when CMake knows it.
  if(TARGET CUDA::cudart)
    target_link_libraries(${target} PRIVATE CUDA::cudart)
  endif()
  get_filename_component(_torch_lib_dir "${TORCH_LIBRARY}" DIRECTORY)
  set_property(TARGET ${target} APPEND PROPERTY BUILD_RPATH "${_torch_lib_dir}")
  set_property(TARGET ${target} APPEND PROPERTY INSTALL_RPATH "${_torch_lib_dir}")
  target_compile_features(${target} PRIVATE cxx_std_17)
endfunction()

# The engine drives torch's CUDA caching allocator and streams: a CPU-only libtorch (e.g.
# Debian's libtorch-dev) has no c10/cuda headers. Skip the engine with a reason rather
# than fail the whole addon build.
set(_vramgate_torch_cuda OFF)
if(Torch_FOUND)
  foreach(_d ${TORCH_INCLUDE_DIRS})
    if(EXISTS "${_d}/c10/cuda/CUDACachingAllocator.h")
      set(_vramgate_torch_cuda ON)
    endif()
  endforeach()
endif()

if(Torch_FOUND AND NOT _vramgate_torch_cuda)
  set(VRAMGATE_TORCH_REASON
    "libtorch ${Torch_VERSION} found (Torch_DIR=${Torch_DIR}) but it is a CPU-only build (no c10/cuda headers); the libtorch engine needs a CUDA build of torch")
  message(STATUS "${VRAMGATE_TORCH_REASON}")
elseif(Torch_FOUND)
  set(_vramgate_torch_version "${Torch_VERSION}")
  message(STATUS "libtorch found: ${_vramgate_torch_version} (Torch_DIR=${Torch_DIR})")
  if(TARGET vramgate_addon)
    target_sources(vramgate_addon PRIVATE ${VRAMGATE_TORCH_ENGINE_DIR}/TorchEngine.cc)
    vramgate_use_torch(vramgate_addon)
    target_compile_definitions(vramgate_addon PRIVATE
      VRAMGATE_WITH_TORCH
      VRAMGATE_TORCH_VERSION="${_vramgate_torch_version}")
    set(VRAMGATE_TORCH_FOUND ON)
  endif()

  # Bench executables (native/bench/): the bare loop that sets vramgate's overhead
  # baseline and a C++ check of TorchEngine under every strategy, without Node.
  option(VRAMGATE_BUILD_BENCH "Build the libtorch bench executables" OFF)
  if(VRAMGATE_BUILD_BENCH)
    add_executable(bare_torch_loop ${VRAMGATE_NATIVE_DIR}/bench/bare_torch_loop.cc)
    vramgate_use_torch(bare_torch_loop)

    add_executable(torch_strategy_check
      ${VRAMGATE_NATIVE_DIR}/bench/torch_strategy_check.cc
      ${VRAMGATE_TORCH_ENGINE_DIR}/TorchEngine.cc
      ${VRAMGATE_NATIVE_DIR}/engines/strategy_loop.cc
      ${VRAMGATE_NATIVE_DIR}/common/oom.cc)
    target_include_directories(torch_strategy_check PRIVATE ${VRAMGATE_NATIVE_DIR})
    target_compile_definitions(torch_strategy_check PRIVATE VRAMGATE_WITH_TORCH
      VRAMGATE_TORCH_VERSION="${_vramgate_torch_version}")
    vramgate_use_torch(torch_strategy_check)
  endif()
else()
  if(NOT _vramgate_torch_where OR _vramgate_torch_where MATCHES "NOTFOUND$")
    set(_vramgate_torch_where "unset")
  endif()
  set(VRAMGATE_TORCH_REASON
    "libtorch not found (Torch_DIR=${_vramgate_torch_where}); set Torch_DIR to the folder holding TorchConfig.cmake")
  message(STATUS "${VRAMGATE_TORCH_REASON}")
endif()
