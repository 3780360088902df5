# Helpers that keep the top-level CMakeLists a list of layers.
#
# Building on 2 cores: a translation unit that includes torch headers costs
# ~20 s, so every torch-using target shares one precompiled header
# (src/torch_pch.hpp), built once for lpo_torch_pch and reused.

add_library(lpo_torch_pch STATIC cmake/pch_anchor.cpp)
target_link_libraries(lpo_torch_pch PUBLIC ${TORCH_LIBRARIES})
target_compile_options(lpo_torch_pch PUBLIC -Wno-deprecated-declarations)
if(LPO_CUDA)
  target_compile_definitions(lpo_torch_pch PUBLIC LPO_CUDA=1)
endif()
if(LPO_NCCL)
  target_compile_definitions(lpo_torch_pch PUBLIC LPO_NCCL=1)
  target_include_directories(lpo_torch_pch PUBLIC ${LPO_NCCL_INCLUDE_DIR})
endif()
target_precompile_headers(lpo_torch_pch PRIVATE ${CMAKE_SOURCE_DIR}/src/torch_pch.hpp)

function(lpo_use_torch_pch target)
  target_link_libraries(${target} PRIVATE lpo_torch_pch)
  target_precompile_headers(${target} REUSE_FROM lpo_torch_pch)
endfunction()

# lpo_layer(name DEPS ...): a static library lpo_<name> from src/<name>/*.cpp.
# The pseudo-dependency TORCH links libtorch and uses the shared PCH.
function(lpo_layer name)
  cmake_parse_arguments(L "" "" "DEPS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/${name}/*.cpp)
  if(NOT srcs)
    set(srcs ${CMAKE_SOURCE_DIR}/cmake/empty.cpp)
  endif()
  add_library(lpo_${name} STATIC ${srcs})
  target_include_directories(lpo_${name} PUBLIC ${CMAKE_SOURCE_DIR}/src)
  set(deps ${L_DEPS})
  list(FIND deps TORCH has_torch)
  list(REMOVE_ITEM deps TORCH)
  target_link_libraries(lpo_${name} PUBLIC ${deps})
  if(NOT has_torch EQUAL -1)
    target_link_libraries(lpo_${name} PUBLIC lpo_torch_pch)
    target_precompile_headers(lpo_${name} REUSE_FROM lpo_torch_pch)
  endif()
  target_compile_options(lpo_${name} PRIVATE -Wall -Wextra)
endfunction()
