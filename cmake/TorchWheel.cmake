# Imports LibTorch from PyPI's torch wheel as the target `torch_wheel`, without the wheel's own
# CMake config (which stops when no CUDA toolkit is installed). The CUDA backend is linked when
# the wheel ships it, so `--device cuda` works wherever the driver does.
set(PFGM_PYTHON "" CACHE FILEPATH "Python interpreter whose torch package provides LibTorch")
set(PFGM_TORCH_ROOT "" CACHE PATH "Folder of the torch package (site-packages/torch); found from PFGM_PYTHON when empty")

if(NOT PFGM_TORCH_ROOT)
  if(NOT PFGM_PYTHON)
    if(DEFINED ENV{PFGM_VENV} AND EXISTS "$ENV{PFGM_VENV}/bin/python")
      set(PFGM_PYTHON "$ENV{PFGM_VENV}/bin/python")
    elseif(EXISTS "$ENV{HOME}/.cache/pfgm/venv/bin/python")
      set(PFGM_PYTHON "$ENV{HOME}/.cache/pfgm/venv/bin/python")
    else()
      find_program(PFGM_PYTHON NAMES python3 python REQUIRED)
    endif()
  endif()
  execute_process(
    COMMAND "${PFGM_PYTHON}" -c "import os, torch; print(os.path.dirname(torch.__file__))"
    OUTPUT_VARIABLE PFGM_TORCH_ROOT OUTPUT_STRIP_TRAILING_WHITESPACE
    ERROR_VARIABLE _torch_err RESULT_VARIABLE _torch_rc)
  if(NOT _torch_rc EQUAL 0)
    message(FATAL_ERROR "pfgm: ${PFGM_PYTHON} cannot import torch (run tools/install_deps.sh): ${_torch_err}")
  endif()
endif()

set(_lib "${PFGM_TORCH_ROOT}/lib")
foreach(_f torch torch_cpu c10)
  if(NOT EXISTS "${_lib}/lib${_f}.so")
    message(FATAL_ERROR "pfgm: ${_lib}/lib${_f}.so not found; is PFGM_TORCH_ROOT a torch package?")
  endif()
endforeach()

# The wheel is built with the C++11 ABI flag recorded in its headers' build; read it back.
set(_abi 1)
if(PFGM_PYTHON)
  execute_process(COMMAND "${PFGM_PYTHON}" -c "import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))"
                  OUTPUT_VARIABLE _abi OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
endif()

add_library(torch_wheel INTERFACE)
target_include_directories(torch_wheel SYSTEM INTERFACE
  "${PFGM_TORCH_ROOT}/include" "${PFGM_TORCH_ROOT}/include/torch/csrc/api/include")
target_compile_definitions(torch_wheel INTERFACE _GLIBCXX_USE_CXX11_ABI=${_abi})
set(_libs "${_lib}/libtorch.so" "${_lib}/libtorch_cpu.so" "${_lib}/libc10.so")
if(EXISTS "${_lib}/libtorch_cuda.so")
  # Linked even though no symbol is used, so the CUDA kernels register at load time.
  list(APPEND _libs "-Wl,--no-as-needed" "${_lib}/libtorch_cuda.so" "${_lib}/libc10_cuda.so" "-Wl,--as-needed")
  set(PFGM_TORCH_HAS_CUDA ON)
endif()
find_package(Threads REQUIRED)
target_link_libraries(torch_wheel INTERFACE ${_libs} Threads::Threads)
list(APPEND CMAKE_BUILD_RPATH "${_lib}")
message(STATUS "pfgm: LibTorch from ${PFGM_TORCH_ROOT} (cxx11 abi ${_abi}, cuda ${PFGM_TORCH_HAS_CUDA})")
