// Checks for cuBLAS and cuSPARSE calls: the message names the call, the file and the line. GPU
// builds only (the emulator answers these libraries with the CPU backend).
#pragma once

#include <cublas_v2.h>
#include <cusparse.h>

#include "kernels/error.h"

#define SR_CUBLAS_CHECK(call)                                                                       \
  do {                                                                                              \
    const cublasStatus_t sr_st_ = (call);                                                           \
    if (sr_st_ != CUBLAS_STATUS_SUCCESS)                                                            \
      throw ::sr::error(__FILE__, ":", __LINE__, ": ", #call, ": ", cublasGetStatusString(sr_st_)); \
  } while (0)
#define SR_CUSPARSE_CHECK(call)                                                                      \
  do {                                                                                               \
    const cusparseStatus_t sr_st_ = (call);                                                          \
    if (sr_st_ != CUSPARSE_STATUS_SUCCESS)                                                           \
      throw ::sr::error(__FILE__, ":", __LINE__, ": ", #call, ": ", cusparseGetErrorString(sr_st_)); \
  } while (0)
