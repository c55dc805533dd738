// Helpers shared by the tests: device buffers on any backend, random inputs of awkward shapes,
// NaN poisoning, and a comparison that prints the first mismatches (index, reference, got).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "kernels/backend.h"
#include "kernels/csr.h"
#include "kernels/sparse_batch.h"

namespace sr::test {

// Sets an environment variable for a scope and puts back what was there (unset or its value).
// For single-threaded test bodies: setenv is not safe beside threads reading the environment.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) had_ = true, old_ = old;
    ::setenv(name, value, 1);
  }
  ~ScopedEnv() { had_ ? ::setenv(name_.c_str(), old_.c_str(), 1) : ::unsetenv(name_.c_str()); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_, old_;
  bool had_ = false;
};

// The backends a parity case can run on; a missing one makes the case skip, visibly.
std::unique_ptr<Backend> backend_or_skip_reason(const std::string& name, std::string* reason);

template <class T>
class DeviceBuffer {
 public:
  DeviceBuffer(Backend& be, size_t n) : be_(&be), n_(n), p_(static_cast<T*>(be.allocate(bytes()))) {}
  DeviceBuffer(Backend& be, const std::vector<T>& host) : DeviceBuffer(be, host.size()) { upload(host); }
  ~DeviceBuffer() { be_->release(p_, bytes()); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  T* get() const { return n_ ? p_ : nullptr; }
  size_t size() const { return n_; }
  void upload(const std::vector<T>& host) { be_->upload(p_, host.data(), bytes()); }
  std::vector<T> download() const {
    std::vector<T> h(n_);
    be_->download(h.data(), p_, bytes());
    return h;
  }
  // Fills with NaN (floats) so that an element the op never writes cannot pass.
  void poison() { upload(std::vector<T>(n_, std::numeric_limits<T>::quiet_NaN())); }

 private:
  size_t bytes() const { return n_ * sizeof(T); }
  Backend* be_;
  size_t n_;
  T* p_;
};

struct CsrShape {
  const char* name;
  int64_t rows, cols;
  double density;
  bool one_long_row = false;  // one row holds every column; the rest are empty
  bool top_columns = false;   // columns drawn from the last 64 ids of the range
  bool empty_rows = true;     // every third row has no nonzeros
  // Rating-data-like rows: a Poisson count of columns a row (density · cols on average) drawn from a
  // long-tailed popularity (column c ∝ the square of a uniform draw): few columns are very popular.
  // Built in O(nnz), for shapes of millions of columns.
  bool long_tail = false;
};

HostCsr random_csr(const CsrShape& s, std::mt19937_64& rng, bool with_values = true);
std::vector<float> random_vector(size_t n, std::mt19937_64& rng, float lo = -1.0f, float hi = 1.0f);

// Every got[i] within atol + rtol·|ref[i]| of ref[i]; prints the first 8 mismatches.
::testing::AssertionResult all_close(const std::vector<float>& ref, const std::vector<float>& got, float atol,
                                     float rtol);

// A fresh seed per run (printed, and fixed with SPARSEREC_TEST_SEED to reproduce a failure).
uint64_t test_seed();

using CaseParam = std::tuple<std::string, int>;  // (backend, index into a case table)

// A parity fixture over a case table: the backend (or a visible skip when it is absent), the case,
// and a generator seeded from the run's seed and the test's name.
template <class Case, const Case* kTable>
class BackendParity : public ::testing::TestWithParam<CaseParam> {
 protected:
  void SetUp() override {
    std::string reason;
    be_ = backend_or_skip_reason(std::get<0>(this->GetParam()), &reason);
    if (!be_) GTEST_SKIP() << reason;
    c_ = kTable[std::get<1>(this->GetParam())];
    rng_.seed(test_seed() ^ std::hash<std::string>()(::testing::UnitTest::GetInstance()->current_test_info()->name()));
  }
  std::unique_ptr<Backend> be_;
  Case c_;
  std::mt19937_64 rng_;
};

template <class T, size_t N>
std::vector<int> indices(const T (&)[N]) {
  std::vector<int> v(N);
  for (size_t i = 0; i < N; ++i) v[i] = static_cast<int>(i);
  return v;
}

// One suite on every backend: Cpu/… (CPU backend), Emu/… (CUDA kernels on the emulator), Gpu/…,
// over the listed indices of the suite's case table (or every case of it).
#define SR_INSTANTIATE_ON_BACKENDS(suite, case_indices, namer)                                                      \
  INSTANTIATE_TEST_SUITE_P(Cpu, suite,                                                                              \
                           ::testing::Combine(::testing::Values("cpu"), ::testing::ValuesIn(case_indices)), namer); \
  INSTANTIATE_TEST_SUITE_P(Emu, suite,                                                                              \
                           ::testing::Combine(::testing::Values("emu"), ::testing::ValuesIn(case_indices)), namer); \
  INSTANTIATE_TEST_SUITE_P(Gpu, suite,                                                                              \
                           ::testing::Combine(::testing::Values("cuda"), ::testing::ValuesIn(case_indices)), namer)
#define SR_INSTANTIATE_ON_ALL_BACKENDS(suite, table, namer) SR_INSTANTIATE_ON_BACKENDS(suite, indices(table), namer)

}  // namespace sr::test
