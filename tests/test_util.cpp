#include "tests/test_util.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace sr::test {

std::unique_ptr<Backend> backend_or_skip_reason(const std::string& name, std::string* reason) {
  if (name == "cuda") {
    if (!built_with_cuda()) {
      *reason = "built without CUDA";
      return nullptr;
    }
    if (cuda_device_count() == 0) {
      *reason = "no CUDA device on this machine";
      return nullptr;
    }
  }
  return make_backend(name);
}

HostCsr random_csr(const CsrShape& s, std::mt19937_64& rng, bool with_values) {
  HostCsr h;
  h.rows = s.rows;
  h.cols = s.cols;
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::bernoulli_distribution keep(s.density);
  std::poisson_distribution<int> count(s.density * static_cast<double>(s.cols));
  std::uniform_real_distribution<double> u01(0.0, 1.0);
  for (int64_t r = 0; r < s.rows; ++r) {
    std::vector<int32_t> cols;
    if (s.long_tail) {
      const int n = std::min<int>(count(rng), static_cast<int>(s.cols));
      for (int i = 0; i < n; ++i)
        cols.push_back(static_cast<int32_t>(std::pow(u01(rng), 2.0) * static_cast<double>(s.cols)));
      std::sort(cols.begin(), cols.end());
      cols.erase(std::unique(cols.begin(), cols.end()), cols.end());
    } else if (s.one_long_row) {
      if (r == s.rows / 2)
        for (int64_t c = 0; c < s.cols; ++c) cols.push_back(static_cast<int32_t>(c));
    } else if (!(s.empty_rows && r % 3 == 1)) {
      if (s.top_columns) {
        for (int64_t c = std::max<int64_t>(0, s.cols - 64); c < s.cols; ++c)
          if (keep(rng)) cols.push_back(static_cast<int32_t>(c));
      } else {
        for (int64_t c = 0; c < s.cols; ++c)
          if (keep(rng)) cols.push_back(static_cast<int32_t>(c));
      }
    }
    for (int32_t c : cols) {
      h.col_idx.push_back(c);
      if (with_values) h.val.push_back(u(rng));
    }
    h.row_ptr.push_back(static_cast<int32_t>(h.col_idx.size()));
  }
  return h;
}

std::vector<float> random_vector(size_t n, std::mt19937_64& rng, float lo, float hi) {
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

::testing::AssertionResult all_close(const std::vector<float>& ref, const std::vector<float>& got, float atol,
                                     float rtol) {
  if (ref.size() != got.size())
    return ::testing::AssertionFailure() << "size " << got.size() << " != reference size " << ref.size();
  size_t bad = 0;
  std::ostringstream os;
  for (size_t i = 0; i < ref.size(); ++i) {
    const float tol = atol + rtol * std::fabs(ref[i]);
    // Equal values pass (infinities too); NaN never does, so an unwritten element fails.
    const bool ok = ref[i] == got[i] || std::fabs(ref[i] - got[i]) <= tol;
    if (!ok) {
      if (bad < 8) os << "\n  [" << i << "] reference " << ref[i] << " got " << got[i];
      ++bad;
    }
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << bad << " of " << ref.size() << " elements differ (atol " << atol << ", rtol "
                                       << rtol << "):" << os.str();
}

uint64_t test_seed() {
  static const uint64_t seed = [] {
    if (const char* s = std::getenv("SPARSEREC_TEST_SEED")) return static_cast<uint64_t>(std::strtoull(s, nullptr, 10));
    const uint64_t t = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    std::printf("[sparserec] test seed %llu (set SPARSEREC_TEST_SEED to reproduce)\n",
                static_cast<unsigned long long>(t));
    return t;
  }();
  return seed;
}

}  // namespace sr::test
