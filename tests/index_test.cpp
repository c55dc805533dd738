// Nearest-neighbour indexes (engine/index): the exact index against a brute-force loop in double
// on awkward shapes (one vector, k beyond n, dimension 1, ties, exclusions); IVF-Flat probing every
// list equals exact, and on planted clusters finds most of the exact top-k probing a few; index
// files round-trip and refuse damage; the .npy reader refuses what it cannot read. On the CPU and
// on the CUDA kernels under the emulator (GEMM and the top-K op on each backend).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "engine/index/index_file.h"
#include "engine/io/array_archive.h"
#include "engine/io/npy_file.h"
#include "tests/test_util.h"

namespace sr::test {
namespace {

struct IndexCase {
  const char* name;
  int64_t n, dim;
  int k;
  Metric metric;
};
const IndexCase kIndexCases[] = {
    {"one_vector", 1, 3, 5, Metric::inner_product},
    {"k_beyond_n", 7, 4, 10, Metric::cosine},
    {"dimension_1", 50, 1, 3, Metric::inner_product},
    {"odd_shape_cosine", 333, 17, 10, Metric::cosine},
    {"ties_of_repeated_rows", 40, 5, 8, Metric::inner_product},
};

std::vector<float> random_rows(int64_t n, int64_t d, std::mt19937_64& rng) {
  std::normal_distribution<float> g;
  std::vector<float> v(static_cast<size_t>(n * d));
  for (float& x : v) x = g(rng);
  return v;
}

// The k best rows of each query by a double-precision loop; ties to the lower row.
std::vector<std::vector<Scored>> brute(const std::vector<float>& rows, const std::vector<float>& queries, int64_t d,
                                       int k, Metric m, const std::vector<int32_t>* exclude = nullptr) {
  auto unit = [&](std::vector<float> v) {
    if (m == Metric::cosine) normalize_rows(v, static_cast<int64_t>(v.size()) / d, d, "row");
    return v;
  };
  const std::vector<float> r = unit(rows), q = unit(queries);
  const int64_t n = static_cast<int64_t>(r.size()) / d, nq = static_cast<int64_t>(q.size()) / d;
  std::vector<std::vector<Scored>> out(static_cast<size_t>(nq));
  for (int64_t i = 0; i < nq; ++i) {
    std::vector<std::pair<double, int32_t>> s;
    for (int64_t j = 0; j < n; ++j) {
      if (exclude && (*exclude)[static_cast<size_t>(i)] == j) continue;
      double dot = 0;
      for (int64_t c = 0; c < d; ++c)
        dot += double(q[static_cast<size_t>(i * d + c)]) * r[static_cast<size_t>(j * d + c)];
      s.push_back({-dot, static_cast<int32_t>(j)});
    }
    std::sort(s.begin(), s.end());
    for (size_t t = 0; t < s.size() && static_cast<int>(t) < k; ++t)
      out[static_cast<size_t>(i)].push_back({s[t].second, static_cast<float>(-s[t].first)});
  }
  return out;
}

// Same length, scores within 1e-4, items equal except where the scores tie.
void expect_same_topk(const std::vector<std::vector<Scored>>& got, const std::vector<std::vector<Scored>>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(got[i].size(), want[i].size()) << "query " << i;
    for (size_t r = 0; r < want[i].size(); ++r) {
      EXPECT_NEAR(got[i][r].score, want[i][r].score, 1e-4f * std::max(1.0f, std::abs(want[i][r].score)))
          << "query " << i << " rank " << r;
      const bool tie = (r > 0 && std::abs(want[i][r - 1].score - want[i][r].score) < 1e-4f) ||
                       (r + 1 < want[i].size() && std::abs(want[i][r + 1].score - want[i][r].score) < 1e-4f);
      if (!tie) {
        EXPECT_EQ(got[i][r].item, want[i][r].item) << "query " << i << " rank " << r;
      }
    }
  }
}

using IndexParity = BackendParity<IndexCase, kIndexCases>;

TEST_P(IndexParity, ExactEqualsBruteForceAndIvfProbingEveryListEqualsExact) {
  std::vector<float> rows = random_rows(c_.n, c_.dim, rng_);
  if (std::string(c_.name) == "ties_of_repeated_rows")  // every row twice: scores tie in pairs
    for (int64_t j = 1; j < c_.n; j += 2)
      std::copy_n(rows.begin() + (j - 1) * c_.dim, c_.dim, rows.begin() + j * c_.dim);
  const std::vector<float> queries = random_rows(13, c_.dim, rng_);
  const ExactIndex exact(*be_, c_.n, c_.dim, rows, c_.metric);
  const int k = static_cast<int>(std::min<int64_t>(c_.k, c_.n));
  expect_same_topk(exact.search(queries, k), brute(rows, queries, c_.dim, k, c_.metric));
  // Each row's neighbours: the row itself never among them.
  std::vector<int32_t> asked;
  for (int64_t j = 0; j < c_.n; j += 3) asked.push_back(static_cast<int32_t>(j));
  std::vector<float> asked_rows;
  for (int32_t j : asked)
    asked_rows.insert(asked_rows.end(), rows.begin() + j * c_.dim, rows.begin() + (j + 1) * c_.dim);
  expect_same_topk(exact.neighbours(asked, c_.k), brute(rows, asked_rows, c_.dim, c_.k, c_.metric, &asked));
  // IVF with every list probed scans every vector: the exact answer.
  IvfOptions o;
  o.nlist = static_cast<int>(std::min<int64_t>(c_.n, 6));
  o.iterations = 3;
  const IvfIndex ivf(*be_, c_.n, c_.dim, rows, c_.metric, o);
  EXPECT_EQ(ivf.size(), c_.n);
  expect_same_topk(ivf.search(queries, k, o.nlist), exact.search(queries, k));
}

std::string index_name(const ::testing::TestParamInfo<CaseParam>& info) {
  return kIndexCases[std::get<1>(info.param)].name;
}
SR_INSTANTIATE_ON_ALL_BACKENDS(IndexParity, kIndexCases, index_name);

// Planted clusters: probing 4 of 32 lists finds most of each query's exact top 10 (a query lies
// in one cluster, whose members share a list or two), and probing more finds more.
TEST(Ivf, FindsMostOfTheExactTopKOnPlantedClustersProbingAFewLists) {
  auto be = make_cpu_backend();
  std::mt19937_64 rng(test_seed());
  const int64_t n = 4000, d = 16, clusters = 32;
  const std::vector<float> centres = random_rows(clusters, d, rng);
  std::normal_distribution<float> noise(0.0f, 0.3f);
  auto around = [&](int64_t count) {
    std::vector<float> v(static_cast<size_t>(count * d));
    for (int64_t i = 0; i < count; ++i) {
      const int64_t c = static_cast<int64_t>(rng() % clusters);
      for (int64_t j = 0; j < d; ++j)
        v[static_cast<size_t>(i * d + j)] = centres[static_cast<size_t>(c * d + j)] + noise(rng);
    }
    return v;
  };
  const std::vector<float> rows = around(n), queries = around(200);
  IvfOptions o;
  o.nlist = 32;
  const IvfIndex ivf(*be, n, d, rows, Metric::cosine, o);
  const auto truth = ExactIndex(*be, n, d, rows, Metric::cosine).search(queries, 10);
  auto recall = [&](int nprobe) {
    const auto got = ivf.search(queries, 10, nprobe);
    int64_t found = 0;
    for (size_t i = 0; i < truth.size(); ++i)
      for (const Scored& t : truth[i])
        for (const Scored& g : got[i]) found += g.item == t.item;
    return static_cast<double>(found) / (10.0 * static_cast<double>(truth.size()));
  };
  const double r1 = recall(1), r4 = recall(4), r32 = recall(32);
  EXPECT_GE(r4, 0.9) << "nprobe 1: " << r1;
  EXPECT_GE(r4, r1);
  EXPECT_EQ(r32, 1.0);
  // Lists partition the vectors.
  std::vector<int32_t> ids = ivf.ids();
  std::sort(ids.begin(), ids.end());
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(ids[static_cast<size_t>(i)], i);
}

TEST(IndexFile, RoundTripsBothKindsAndRefusesDamage) {
  auto be = make_cpu_backend();
  std::mt19937_64 rng(test_seed());
  const int64_t n = 300, d = 8;
  const std::vector<float> rows = random_rows(n, d, rng), queries = random_rows(20, d, rng);
  const std::string dir = ::testing::TempDir() + "/index_file_test";
  std::filesystem::create_directories(dir);
  for (const bool ivf : {false, true}) {
    VectorIndex index;
    if (ivf) {
      IvfOptions o;
      o.nlist = 10;
      index.ivf = std::make_unique<IvfIndex>(*be, n, d, rows, Metric::inner_product, o);
    } else {
      index.exact = std::make_unique<ExactIndex>(*be, n, d, rows, Metric::cosine);
    }
    const std::string path = dir + (ivf ? "/ivf.sridx" : "/exact.sridx");
    save_index(path, index);
    const VectorIndex back = load_index(*be, path);
    EXPECT_STREQ(back.kind(), index.kind());
    EXPECT_EQ(back.vectors(), index.vectors());
    expect_same_topk(back.search(queries, 5, 3), index.search(queries, 5, 3));
    // A flipped byte in the vectors: the checksum names the tensor.
    std::string bytes;
    {
      std::ifstream in(path, std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    bytes[bytes.size() - 5] ^= 0x40;
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    try {
      load_index(*be, path);
      ADD_FAILURE() << "a damaged index file loaded";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("vectors"), std::string::npos) << e.what();
    }
  }
}

TEST(Npy, ReadsWhatItWritesAndRefusesOtherArrays) {
  const std::string dir = ::testing::TempDir() + "/npy_test";
  std::filesystem::create_directories(dir);
  const std::vector<float> v = {1, 2, 3, 4, 5, 6};
  write_npy(dir + "/m.npy", 2, 3, v.data());
  const NpyMatrix m = read_npy_f32(dir + "/m.npy");
  EXPECT_EQ(m.rows, 2);
  EXPECT_EQ(m.cols, 3);
  EXPECT_EQ(m.values, v);
  auto refused = [&](const std::string& name, const std::string& bytes, const std::string& says) {
    std::ofstream(dir + "/" + name, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    try {
      read_npy_f32(dir + "/" + name);
      ADD_FAILURE() << name << " was read";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
    }
  };
  refused("f8.npy", npy_header("<f8", {2, 3}) + std::string(48, '\0'), "not float32");
  refused("cut.npy", npy_header("<f4", {2, 3}) + std::string(20, '\0'), "truncated");
  refused("3d.npy", npy_header("<f4", {2, 3, 1}) + std::string(24, '\0'), "3-D");
  refused("text.npy", "hello, world", "not a .npy file");
}

// The archives of `sparserec export` (their contents are read back by NumPy in export_test.sh):
// zip's CRC-32 on its check value, and what neither format can hold refused with nothing left.
TEST(Npy, ArchivesCheckTheirArraysAndLeaveNothingWhenRefused) {
  EXPECT_EQ(crc32("123456789", 9), 0xCBF43926u);
  EXPECT_EQ(crc32("6789", 4, crc32("12345", 5)), 0xCBF43926u);  // continued over two parts
  const std::string dir = ::testing::TempDir() + "/archive_test";
  std::filesystem::create_directories(dir);
  const NamedArray a = NamedArray::f32("w", {2, 3}, {1, 2, 3, 4, 5, 6});
  NamedArray short_one = NamedArray::f32("s", {2, 3}, {1, 2, 3});
  const NamedArray ids = NamedArray::i64("ids", {3}, {7, 8, 9});
  auto refused = [&](const std::vector<NamedArray>& arrays, const std::string& says) {
    for (const std::string ext : {".npz", ".safetensors"}) {
      const std::string path = dir + "/x" + ext;
      try {
        ext == ".npz" ? write_npz(path, arrays) : write_safetensors(path, arrays, {});
        ADD_FAILURE() << path << " was written";
      } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
      }
      EXPECT_FALSE(std::filesystem::exists(path));
    }
  };
  refused({a, a}, "two arrays named 'w'");
  refused({short_one}, "holds 12 bytes, its shape needs 24");
  refused({NamedArray::f32("", {1}, {1})}, "without a name");
  write_safetensors(dir + "/ok.safetensors", {a, ids}, {{"model", "m"}});
  std::ifstream in(dir + "/ok.safetensors", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[static_cast<size_t>(i)]);
  EXPECT_EQ(n % 8, 0u);                      // the data starts 8-byte aligned
  EXPECT_EQ(bytes.size(), 8 + n + 24 + 24);  // then the two arrays, back to back
  EXPECT_NE(bytes.find(R"("w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]})"), std::string::npos);
  EXPECT_NE(bytes.find(R"("ids":{"dtype":"I64","shape":[3],"data_offsets":[24,48]})"), std::string::npos);
}

}  // namespace
}  // namespace sr::test
