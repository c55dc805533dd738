# Third-party packages: a CPU BLAS (OpenBLAS from Debian), OpenMP, the CUDA toolkit, GoogleTest.
find_package(Threads REQUIRED)

# OpenBLAS from Debian. Without it (a bare GPU machine, say) GEMM on the CPU falls back to the
# reference loops: correct, slow, and said so at configure time.
set(BLA_VENDOR OpenBLAS)
find_package(BLAS)
find_path(SPARSEREC_CBLAS_INCLUDE cblas.h PATH_SUFFIXES openblas openblas-pthread openblas-openmp)
if(BLAS_FOUND AND SPARSEREC_CBLAS_INCLUDE)
  set(SPARSEREC_HAVE_BLAS ON)
else()
  set(SPARSEREC_HAVE_BLAS OFF)
  message(WARNING "OpenBLAS not found (apt-get install libopenblas-dev): CPU GEMM uses the reference loops")
endif()

if(SPARSEREC_WITH_OPENMP)
  find_package(OpenMP REQUIRED COMPONENTS CXX)
endif()

if(SPARSEREC_WITH_CUDA)
  set(CMAKE_CUDA_ARCHITECTURES ${SPARSEREC_CUDA_ARCHITECTURES})
  enable_language(CUDA)
  set(CMAKE_CUDA_STANDARD 17)  # CMake 3.25 knows no CUDA20 flags for nvcc; kernels/cuda is C++17
  set(CMAKE_CUDA_STANDARD_REQUIRED ON)
  find_package(CUDAToolkit REQUIRED)
endif()

if(SPARSEREC_BUILD_TESTS)
  find_package(GTest QUIET)
  if(NOT GTest_FOUND)
    if(NOT SPARSEREC_GTEST_SOURCE AND EXISTS /usr/src/googletest/CMakeLists.txt)
      set(SPARSEREC_GTEST_SOURCE /usr/src/googletest)
    endif()
    if(NOT SPARSEREC_GTEST_SOURCE)
      message(FATAL_ERROR "GoogleTest not found: install libgtest-dev, or set SPARSEREC_GTEST_SOURCE to its source")
    endif()
    set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
    add_subdirectory(${SPARSEREC_GTEST_SOURCE} ${CMAKE_BINARY_DIR}/_googletest EXCLUDE_FROM_ALL)
    add_library(GTest::gtest ALIAS gtest)
    add_library(GTest::gtest_main ALIAS gtest_main)
  endif()
  include(GoogleTest)
endif()

# xxhash (Debian's libxxhash-dev), used header-only for the checksums of every file the engine
# writes; a GPU machine gets the header carried in .deps/include by tools/gpu_prepare.sh.
if(NOT SPARSEREC_KERNELS_ONLY)
  find_path(SPARSEREC_XXHASH_INCLUDE xxhash.h HINTS ${PROJECT_SOURCE_DIR}/.deps/include)
  if(NOT SPARSEREC_XXHASH_INCLUDE)
    message(FATAL_ERROR "xxhash.h not found: apt-get install libxxhash-dev (or run tools/setup_debian.sh)")
  endif()
  include_directories(SYSTEM ${SPARSEREC_XXHASH_INCLUDE})
endif()

# Open MPI from Debian: the communicator of data-parallel jobs on the CPU (engine/dist).
if(NOT SPARSEREC_KERNELS_ONLY)
  find_package(MPI COMPONENTS CXX)
endif()

# NCCL (shipped with the CUDA toolkit): the communicator of data-parallel jobs on GPUs.
if(SPARSEREC_WITH_CUDA AND NOT SPARSEREC_KERNELS_ONLY)
  find_path(SPARSEREC_NCCL_INCLUDE nccl.h HINTS ${CUDAToolkit_INCLUDE_DIRS})
  find_library(SPARSEREC_NCCL_LIBRARY nccl HINTS ${CUDAToolkit_LIBRARY_DIR})
  if(SPARSEREC_NCCL_INCLUDE AND SPARSEREC_NCCL_LIBRARY)
    set(SPARSEREC_HAVE_NCCL ON)
  else()
    message(STATUS "NCCL not found: data-parallel jobs on GPUs exchange gradients through host memory (MPI)")
  endif()
endif()

# cpp-httplib from Debian (libcpp-httplib-dev): the HTTP server of `sparserec serve`. Without it
# the command says how to get it.
if(NOT SPARSEREC_KERNELS_ONLY)
  find_package(PkgConfig QUIET)
  if(PkgConfig_FOUND)
    pkg_check_modules(HTTPLIB QUIET IMPORTED_TARGET cpp-httplib)
  endif()
  if(NOT HTTPLIB_FOUND)
    message(STATUS "cpp-httplib not found (apt-get install libcpp-httplib-dev): `sparserec serve` is left out")
  endif()
endif()
