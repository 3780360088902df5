# Finds Torch, then says what it can do.
#
# Where: a pip `torch` (2.x, CUDA or not) when `python3 -c 'import torch'` works and ships its
# CMake files, else the system's (Debian's libtorch-dev, 1.13, CPU). -DTorch_DIR=... or
# -DCMAKE_PREFIX_PATH=... still choose by hand; -DLPO_TORCH_FROM_PYTHON=OFF skips the probe.
#
# What it defines for the sources (on lpo_torch_pch, so every torch-using target sees them):
#   LPO_CUDA=1  the libtorch in use was built with CUDA (its TORCH_CUDA_LIBRARIES are set)
#   LPO_NCCL=1  ... and nccl.h was found (torch's c10d NCCL group can then be built)

option(LPO_TORCH_FROM_PYTHON "Prefer the torch python3 imports (pip) over the system libtorch" ON)

if(LPO_TORCH_FROM_PYTHON AND NOT Torch_DIR)
  find_program(LPO_PYTHON3 python3)
  if(LPO_PYTHON3)
    execute_process(
      COMMAND ${LPO_PYTHON3} -c "import torch.utils; print(torch.utils.cmake_prefix_path)"
      OUTPUT_VARIABLE LPO_PIP_TORCH_PREFIX OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
    if(rc EQUAL 0 AND EXISTS "${LPO_PIP_TORCH_PREFIX}/Torch/TorchConfig.cmake")
      message(STATUS "lpo: using python3's torch at ${LPO_PIP_TORCH_PREFIX}")
      list(PREPEND CMAKE_PREFIX_PATH "${LPO_PIP_TORCH_PREFIX}")
    endif()
  endif()
endif()

find_package(Torch REQUIRED)
message(STATUS "lpo: Torch ${Torch_VERSION} (${Torch_DIR})")

set(LPO_CUDA OFF)
set(LPO_NCCL OFF)
if(TORCH_CUDA_LIBRARIES)
  set(LPO_CUDA ON)
  # A pip torch's NCCL headers live in the nvidia-nccl wheel, not under torch/include.
  set(nccl_hints "")
  if(LPO_PYTHON3)
    execute_process(
      COMMAND ${LPO_PYTHON3} -c "import nvidia.nccl, os; print(os.path.join(list(nvidia.nccl.__path__)[0], 'include'))"
      OUTPUT_VARIABLE nccl_hints OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  endif()
  find_path(LPO_NCCL_INCLUDE_DIR nccl.h HINTS ${nccl_hints} ${TORCH_INCLUDE_DIRS} PATH_SUFFIXES include)
  if(LPO_NCCL_INCLUDE_DIR)
    set(LPO_NCCL ON)
  endif()
endif()
message(STATUS "lpo: CUDA ${LPO_CUDA}, NCCL ${LPO_NCCL}")
