// The cases of the sparse ops, one table for both of their checks: the parity suite
// (kernel_parity_test: every backend against the CPU reference, on awkward shapes small enough for
// the emulator) and the microbenchmark (bench_ops: recommender-shaped inputs, each op checked
// against the reference, then timed beside cuSPARSE). A case's name carries its parameters.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tests/test_util.h"

namespace sr::test {

enum class CaseUse {
  parity,  // awkward shapes: every backend, the emulator included
  bench,   // recommender-sized: the microbenchmark (and its reference check)
  quick,   // recommender-shaped but small: bench_ops --quick, a run of seconds on a CPU
};

struct SparseOpCase {
  CsrShape shape;
  int64_t width;
  CaseUse use = CaseUse::parity;
};

inline const SparseOpCase kSparseOpCases[] = {
    {{"empty_batch", 0, 50, 0.1}, 8},
    {{"sparse", 37, 1000, 0.05}, 70},
    {{"one_long_row", 5, 300, 0.0, true}, 33},
    {{"top_columns", 24, 40009, 0.3, false, true}, 129},
    {{"wide", 9, 200, 0.1}, 1000},
    {{"width1", 50, 500, 0.02}, 1},
    {{"no_empty_rows", 70, 64, 0.2, false, false, false}, 32},
    // The float4 forms' lane groups: 1 lane (32 nonzeros at once), 2, 4 with one idle.
    {{"width4", 30, 300, 0.1}, 4},
    {{"width8", 33, 500, 0.06}, 8},
    {{"narrow", 45, 700, 0.08}, 12},
    // Few long rows (gather, sampled dot) and few touched columns with long lists (deterministic
    // scatter): the block-a-row kernels, with a width over one pass.
    {{"few_long_rows", 4, 600, 0.3}, 150},
    {{"few_columns", 200, 8, 0.7}, 40},
    // Batches of rating data: thousands of rows, tens of thousands to millions of columns with a
    // long tail of popularity, density 0.01 %–2 %, widths 32–1024.
    {{"ml20m_batch", 4096, 20000, 0.02, false, false, false, true}, 32, CaseUse::bench},  // narrow: float4 groups
    {{"ml20m_batch", 4096, 20000, 0.02, false, false, false, true}, 64, CaseUse::bench},
    {{"ml20m_batch", 4096, 20000, 0.02, false, false, false, true}, 256, CaseUse::bench},
    {{"catalog_100k", 4096, 100000, 0.001, false, false, false, true}, 256, CaseUse::bench},
    {{"catalog_1m", 2048, 1000000, 0.0001, false, false, false, true}, 128, CaseUse::bench},
    {{"netflix_items", 1024, 17770, 0.02, false, false, false, true}, 1024, CaseUse::bench},
    {{"netflix_users", 4096, 480189, 0.0002, false, false, false, true}, 500, CaseUse::bench},
    {{"ml20m_batch", 1024, 20000, 0.02, false, false, false, true}, 64, CaseUse::quick},
    {{"catalog_100k", 1024, 100000, 0.001, false, false, false, true}, 256, CaseUse::quick},
    {{"netflix_items", 512, 17770, 0.02, false, false, false, true}, 512, CaseUse::quick},
};

// The indices of the table's cases of one use.
std::vector<int> sparse_cases(CaseUse use);
// "sparse_37x1000_w70": the case's name with its shape.
std::string case_name(const SparseOpCase& c);

}  // namespace sr::test
