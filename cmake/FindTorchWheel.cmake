# Locates libtorch inside the torch Python wheel (the project's .venv by
# default) without TorchConfig.cmake, which insists on a CUDA toolkit for the
# CUDA wheels. Only the CPU libraries are linked.
#
# Inputs:  T2N_PYTHON (cache) - the Python interpreter that has torch installed.
# Outputs: T2N_TORCH_FOUND, T2N_TORCH_VERSION, T2N_TORCH_INCLUDE_DIRS,
#          T2N_TORCH_LIBRARIES, T2N_TORCH_LIBRARY_DIR, T2N_TORCH_DEFINITIONS,
#          and an imported target t2n::torch that links the libraries.

if(EXISTS "${PROJECT_SOURCE_DIR}/.venv/bin/python")
  set(_t2n_default_python "${PROJECT_SOURCE_DIR}/.venv/bin/python")
else()
  find_program(_t2n_python3 NAMES python3 python)
  set(_t2n_default_python "${_t2n_python3}")
endif()
set(T2N_PYTHON "${_t2n_default_python}" CACHE FILEPATH
    "Python interpreter whose torch wheel provides libtorch")

set(T2N_TORCH_FOUND FALSE)
if(T2N_PYTHON)
  execute_process(
    COMMAND "${T2N_PYTHON}" -c
      "import os, torch; print(os.path.dirname(torch.__file__)); print(int(torch._C._GLIBCXX_USE_CXX11_ABI)); print(torch.__version__)"
    OUTPUT_VARIABLE _t2n_torch_out
    ERROR_QUIET
    RESULT_VARIABLE _t2n_torch_rc
    OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(_t2n_torch_rc EQUAL 0)
    string(REPLACE "\n" ";" _t2n_torch_out "${_t2n_torch_out}")
    list(GET _t2n_torch_out 0 _t2n_torch_dir)
    list(GET _t2n_torch_out 1 _t2n_torch_abi)
    list(GET _t2n_torch_out 2 T2N_TORCH_VERSION)
    set(T2N_TORCH_INCLUDE_DIRS
      "${_t2n_torch_dir}/include"
      "${_t2n_torch_dir}/include/torch/csrc/api/include")
    set(T2N_TORCH_LIBRARY_DIR "${_t2n_torch_dir}/lib")
    set(T2N_TORCH_LIBRARIES "")
    set(_t2n_torch_ok TRUE)
    foreach(_lib torch_cpu c10)
      set(_path "${T2N_TORCH_LIBRARY_DIR}/lib${_lib}.so")
      if(EXISTS "${_path}")
        list(APPEND T2N_TORCH_LIBRARIES "${_path}")
      else()
        set(_t2n_torch_ok FALSE)
      endif()
    endforeach()
    if(NOT EXISTS "${_t2n_torch_dir}/include/torch/csrc/jit/api/module.h")
      set(_t2n_torch_ok FALSE)
    endif()
    if(_t2n_torch_ok)
      set(T2N_TORCH_FOUND TRUE)
      set(T2N_TORCH_DEFINITIONS "_GLIBCXX_USE_CXX11_ABI=${_t2n_torch_abi}")
      if(NOT TARGET t2n::torch)
        add_library(t2n::torch INTERFACE IMPORTED)
        set_target_properties(t2n::torch PROPERTIES
          INTERFACE_LINK_LIBRARIES "${T2N_TORCH_LIBRARIES}")
      endif()
    endif()
  endif()
endif()

if(T2N_TORCH_FOUND)
  message(STATUS "libtorch ${T2N_TORCH_VERSION} found in ${T2N_TORCH_LIBRARY_DIR}")
else()
  message(STATUS "libtorch not found (python: ${T2N_PYTHON}); the torch backend is off")
endif()
