// The pinned double-buffered batch stream on every backend: order and content, buffer reuse while
// a batch is held, loader errors, early stop. Built in every configuration, so that the
// ThreadSanitizer build of CI checks the loader thread against the consumer.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "kernels/batch_stream.h"
#include "tests/error_expect.h"
#include "tests/test_util.h"

namespace sr::test {
namespace {

// Batch k: field sizes that grow and shrink (buffer growth, empty fields), values that name k.
void make_batch(int64_t k, HostBatch& h) {
  h.ints.assign(2, {});
  h.floats.assign(1, {});
  const int64_t n = (k * 37) % 101 + (k == 3 ? 5000 : 0);
  for (int64_t i = 0; i < n; ++i) h.ints[0].push_back(static_cast<int32_t>(k * 100000 + i));
  for (int64_t i = 0; i < k % 3; ++i) h.ints[1].push_back(static_cast<int32_t>(-k));
  for (int64_t i = 0; i < n / 2; ++i) h.floats[0].push_back(static_cast<float>(k) + 0.5f);
  h.shape = {k, n};
}

template <class T>
std::vector<T> down(Backend& be, const T* p, int64_t n) {
  std::vector<T> v(static_cast<size_t>(n));
  if (n) be.download(v.data(), p, static_cast<size_t>(n) * sizeof(T));
  return v;
}

class Stream : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string why;
    be_ = backend_or_skip_reason(GetParam(), &why);
    if (!be_) GTEST_SKIP() << why;
  }
  std::unique_ptr<Backend> be_;
};

TEST_P(Stream, DeliversEveryBatchInOrderWithItsContent) {
  for (int64_t count : {0, 1, 2, 9}) {
    SCOPED_TRACE(count);
    BatchStream s(*be_, [&](int64_t k, HostBatch& h) {
      if (k >= count) return false;
      make_batch(k, h);
      return true;
    });
    int64_t seen = 0;
    while (const DeviceBatch* b = s.next()) {
      HostBatch want;
      make_batch(seen, want);
      ASSERT_EQ(b->index, seen);
      EXPECT_EQ(b->shape, want.shape);
      EXPECT_EQ(down(*be_, b->ints[0], b->int_sizes[0]), want.ints[0]);
      EXPECT_EQ(down(*be_, b->ints[1], b->int_sizes[1]), want.ints[1]);
      EXPECT_EQ(down(*be_, b->floats[0], b->float_sizes[0]), want.floats[0]);
      ++seen;
    }
    EXPECT_EQ(seen, count);
    EXPECT_EQ(s.next(), nullptr);  // and stays at the end
  }
}

TEST_P(Stream, AHeldBatchIsIntactWhileTheNextIsStaged) {
  std::atomic<int64_t> made{-1};
  BatchStream s(*be_, [&](int64_t k, HostBatch& h) {
    if (k >= 6) return false;
    make_batch(k, h);
    made = k;
    return true;
  });
  while (const DeviceBatch* b = s.next()) {
    // Wait until the loader has built (and so staged into the other slot) the following batch.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (made < std::min<int64_t>(b->index + 1, 5) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    HostBatch want;
    make_batch(b->index, want);
    EXPECT_EQ(down(*be_, b->ints[0], b->int_sizes[0]), want.ints[0]) << "batch " << b->index;
  }
}

TEST_P(Stream, AnErrorInTheLoaderReachesTheConsumer) {
  BatchStream s(*be_, [&](int64_t k, HostBatch& h) {
    if (k == 3) throw error("bad row in batch ", k);
    make_batch(k, h);
    return true;
  });
  int64_t got = 0;
  expect_error(
      [&] {
        while (s.next()) ++got;
      },
      {"bad row in batch 3"});
  EXPECT_LE(got, 3);
}

TEST_P(Stream, StoppingEarlyDoesNotHang) {
  auto s = std::make_unique<BatchStream>(*be_, [&](int64_t k, HostBatch& h) {
    make_batch(k % 5, h);
    return true;  // endless
  });
  ASSERT_NE(s->next(), nullptr);
  s.reset();
}

INSTANTIATE_TEST_SUITE_P(Cpu, Stream, ::testing::Values("cpu"));
INSTANTIATE_TEST_SUITE_P(Emu, Stream, ::testing::Values("emu"));
INSTANTIATE_TEST_SUITE_P(Gpu, Stream, ::testing::Values("cuda"));

}  // namespace
}  // namespace sr::test
