// The data-parallel gradient exchange (engine/train/data_parallel.h) within one process: several
// shards a step through the device bucket (the path NCCL takes) against the host bucket, with the
// touched-row packing of row-sparse tables. A one-rank communicator whose buffers are "device
// memory" runs the device path on every backend (the CPU backend's device memory is host memory),
// so the packing and unpacking (gather kernels) run on the CPU, on the emulator and, when lent, on
// the GPU; multi-rank exchanges are tested under mpirun (data_parallel_test.sh).
#include <gtest/gtest.h>

#include <random>

#include "engine/train/trainer.h"
#include "models/registry.h"
#include "tests/planted_ratings.h"
#include "tests/test_util.h"

namespace sr::test {
namespace {

// Rank 0 of 1, collectives the identity, float buffers on the device: what NCCL on one GPU is.
class OneRankDeviceCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  int local_rank() const override { return 0; }
  std::string describe() const override { return "one rank, device buffers (test)"; }
  bool device_memory() const override { return true; }
  void all_reduce_sum(float*, int64_t count) override { reduced += count; }
  void all_reduce_sum(double*, int64_t) override {}
  void all_gather(const float*, int64_t, float*) override { ADD_FAILURE() << "unexpected all_gather"; }
  void all_gather_host(const int32_t* in, int64_t count, int32_t* out) override { std::copy(in, in + count, out); }
  void broadcast(void*, int64_t, int) override {}
  void barrier() override {}
  [[noreturn]] void abort(const std::string& why) override { throw Error(why); }
  int64_t reduced = 0;  // floats all-reduced
};

struct ExchangeCase {
  const char* name;
  int64_t batch;  // ratings per shard; 0: all of them (every user's row is touched)
  bool packed;    // whether the exchange is expected to send touched rows only
};
const ExchangeCase kCases[] = {{"small_batches_pack_touched_rows", 4, true},
                               {"whole_epoch_batches_go_dense", 0, false}};

using GradientExchangeParity = BackendParity<ExchangeCase, kCases>;

// Biased MF (user and item embeddings, both row-sparse) trained an epoch in 3 shards a step,
// through the host bucket and through the device bucket: the same weights, and the bytes say
// whether rows were packed.
TEST_P(GradientExchangeParity, DeviceBucketTrainsAsTheHostBucket) {
  std::mt19937_64 rng(test_seed());
  const Dataset r = planted_ratings(24, 16, rng);  // small: the emulator runs every kernel on the host
  const Split s = random_holdout(r.n_events(), 0.1, 42);
  const HostCsr train = part_matrix(r, s, Part::train, RowsAre::users);
  auto run = [&](Communicator* comm, StepTimes* times) {
    BuiltModel m = build_model("biased_mf", {{"factors", "5"}}, r.n_users(), r.n_items());
    Exec ex(m.net, *be_, 3);
    TrainConfig cfg;
    cfg.epochs = 1, cfg.optimizer.kind = OptKind::adam, cfg.optimizer.lr = 0.01f;
    cfg.batch_rows = c_.batch > 0 ? c_.batch : (train.nnz() + 2) / 3;
    cfg.parallel.comm = comm, cfg.parallel.shards = 3;
    BackpropStep step;
    train_pairs(ex, PairInputs::of(m.net), train, 0, true, cfg, step,
                [&](const EpochReport& e) { *times += e.step_times; });
    std::vector<std::vector<float>> w;
    for (const Param* p : m.net.params()) w.push_back(ex.params().weights(*p).to_host());
    return w;
  };
  StepTimes host_times, device_times;
  const auto host = run(nullptr, &host_times);
  OneRankDeviceCommunicator comm;
  const auto device = run(&comm, &device_times);
  ASSERT_EQ(host.size(), device.size());
  for (size_t i = 0; i < host.size(); ++i) EXPECT_EQ(host[i], device[i]) << "parameter " << i;

  const ExchangeStats& x = device_times.exchange;
  ASSERT_GT(x.steps, 0);
  EXPECT_EQ(x.reduce_bytes, host_times.exchange.reduce_bytes);
  EXPECT_EQ(x.dense_bytes, host_times.exchange.dense_bytes);
  EXPECT_EQ(comm.reduced * static_cast<int64_t>(sizeof(float)), x.reduce_bytes) << "floats the communicator summed";
  if (c_.packed)  // 12 ratings a step touch at most 12 of 24 users: the user table always packs
    EXPECT_LT(x.reduce_bytes, x.dense_bytes);
  else
    EXPECT_EQ(x.reduce_bytes, x.dense_bytes);
  EXPECT_GT(x.gather_bytes, 0);
}

std::string case_name(const ::testing::TestParamInfo<CaseParam>& info) { return kCases[std::get<1>(info.param)].name; }
SR_INSTANTIATE_ON_ALL_BACKENDS(GradientExchangeParity, kCases, case_name);

}  // namespace
}  // namespace sr::test
