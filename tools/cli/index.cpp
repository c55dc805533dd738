// sparserec index build|query: nearest-neighbour indexes over vectors (engine/index). `build` takes
// a float32 .npy (rows x dimension) or a saved model's item vectors and writes an exact or an
// IVF-Flat index; `query` answers a .npy of queries with their k nearest rows, timed, and with
// --recall the share of the exact top-k it found (the exact answer computed in the same run).
#include <chrono>
#include <cstdio>

#include "engine/index/index_file.h"
#include "engine/io/npy_file.h"
#include "kernels/error.h"
#include "tools/cli/args.h"
#include "tools/cli/commands.h"
#include "tools/cli/output.h"
#include "tools/cli/saved_model.h"

namespace sr::cli {

namespace {
struct BuildArgs {
  std::string vectors, model_file, out, kind = "ivf", metric = "ip", device = "auto";
  int nlist = 0, iterations = 10;
  uint64_t seed = 1;
};

struct QueryArgs {
  std::string index, queries, out_prefix, device = "auto";
  int k = 10, nprobe = 16;
  bool recall = false;
};

void run_build(const BuildArgs& a) {
  if (a.kind != "exact" && a.kind != "ivf") throw error("--kind must be exact or ivf, got '", a.kind, "'");
  const Metric metric = parse_metric(a.metric);
  if (a.nlist < 0) throw error("--nlist must be >= 1 (or 0: about 4·√n), got ", a.nlist);
  check_positive("--iterations", a.iterations);
  if (a.vectors.empty() == a.model_file.empty())
    throw error("give --vectors (a .npy) or --model-file (its item vectors)");
  Device::parse(a.device);
  // Before the device is opened (a flag's error is the only line): the vectors' count bounds nlist.
  auto check_nlist = [&a](int64_t rows, const std::string& source) {
    if (a.kind == "ivf" && a.nlist > rows)
      throw error("--nlist must be in [1, ", rows, "] (the vectors of '", source, "'), got ", a.nlist);
  };
  NpyMatrix v;
  std::string source = a.vectors;
  std::unique_ptr<Backend> be;
  if (!a.vectors.empty()) {
    v = read_npy_f32(a.vectors);
    if (v.rows >= 1) check_nlist(v.rows, a.vectors);
    be = open_device(Device::parse(a.device));
  } else {
    SavedModelArgs m;
    m.model_file = a.model_file, m.device = a.device;
    SavedModel s = open_saved_model(m);
    TrainedModel::ItemVectors iv = s.trained->exec ? s.trained->item_vectors() : TrainedModel::ItemVectors{};
    if (iv.dim == 0) throw error("model '", s.meta.model, "' has no item vectors to index");
    v.rows = iv.n, v.cols = iv.dim, v.values = std::move(iv.values);
    source = a.model_file + " (item vectors of " + s.meta.model + ")";
    check_nlist(iv.n, a.model_file);
    be = std::move(s.backend);  // the model's device; the model, gone at the block's end, releases on it
  }
  if (v.rows < 1 || v.cols < 1) throw error("'", source, "' holds no vectors (", v.rows, " x ", v.cols, ")");
  const auto t0 = std::chrono::steady_clock::now();
  VectorIndex index;
  IvfOptions o;
  if (a.kind == "exact") {
    index.exact = std::make_unique<ExactIndex>(*be, v.rows, v.cols, std::move(v.values), metric);
  } else {
    o.nlist = a.nlist > 0 ? a.nlist
                          : static_cast<int>(std::clamp<double>(4.0 * std::sqrt(double(v.rows)), 1.0, double(v.rows)));
    o.iterations = a.iterations, o.seed = a.seed;
    index.ivf = std::make_unique<IvfIndex>(*be, v.rows, v.cols, std::move(v.values), metric, o);
  }
  const double seconds = seconds_since(t0);
  save_index(a.out, index);
  nlohmann::json j;
  j["command"] = "index build";
  j["kind"] = index.kind();
  j["metric"] = metric_name(metric);
  j["vectors"] = index.size();
  j["dim"] = index.dim();
  if (index.ivf) j["nlist"] = index.ivf->nlist(), j["iterations"] = o.iterations;
  j["source"] = source;
  j["build_seconds"] = seconds;
  j["out"] = a.out;
  print_result(j);
}

void run_query(const QueryArgs& a) {
  check_positive("--k", a.k);
  check_positive("--nprobe", a.nprobe);
  NpyMatrix q = read_npy_f32(a.queries);
  auto be = make_backend(Device::parse(a.device));
  const VectorIndex index = load_index(*be, a.index);
  if (q.cols != index.dim())
    throw error("'", a.queries, "' holds queries of dimension ", q.cols, "; the index's is ", index.dim());
  if (q.rows < 1) throw error("'", a.queries, "' holds no query");
  if (index.ivf && a.nprobe > index.ivf->nlist())
    throw error("--nprobe ", a.nprobe, " is more than the index's ", index.ivf->nlist(), " lists");
  announce_device(*be);
  const int k = static_cast<int>(std::min<int64_t>(a.k, index.size()));
  const auto t0 = std::chrono::steady_clock::now();
  const auto top = index.search(q.values, k, a.nprobe);
  const double seconds = seconds_since(t0);
  nlohmann::json j;
  j["command"] = "index query";
  j["kind"] = index.kind();
  j["metric"] = metric_name(index.metric());
  j["vectors"] = index.size();
  j["dim"] = index.dim();
  j["queries"] = q.rows;
  j["k"] = k;
  if (index.ivf) j["nprobe"] = a.nprobe;
  j["seconds"] = seconds;
  j["queries_per_second"] = static_cast<double>(q.rows) / std::max(seconds, 1e-9);
  if (a.recall) {  // the exact answer on the same backend, then the share of it found
    const ExactIndex exact(*be, index.size(), index.dim(), index.vectors(), index.metric(), true);
    const auto e0 = std::chrono::steady_clock::now();
    const auto truth = exact.search(q.values, k);
    j["exact_seconds"] = seconds_since(e0);
    int64_t found = 0, total = 0;
    for (size_t i = 0; i < top.size(); ++i) {
      for (const Scored& t : truth[i]) {
        ++total;
        for (const Scored& g : top[i]) found += g.item == t.item;
      }
    }
    j["recall_at_k"] = total ? static_cast<double>(found) / static_cast<double>(total) : 1.0;
  }
  if (!a.out_prefix.empty()) {  // ids and scores, -1 / NaN padded
    std::vector<int64_t> ids(static_cast<size_t>(q.rows) * static_cast<size_t>(k), -1);
    std::vector<float> scores(ids.size(), std::numeric_limits<float>::quiet_NaN());
    for (size_t i = 0; i < top.size(); ++i)
      for (size_t r = 0; r < top[i].size(); ++r)
        ids[i * static_cast<size_t>(k) + r] = top[i][r].item, scores[i * static_cast<size_t>(k) + r] = top[i][r].score;
    write_npy(a.out_prefix + ".ids.npy", q.rows, k, ids.data());
    write_npy(a.out_prefix + ".scores.npy", q.rows, k, scores.data());
    j["out"] = {a.out_prefix + ".ids.npy", a.out_prefix + ".scores.npy"};
  }
  print_result(j);
}
}  // namespace

void add_index_command(CLI::App& app) {
  CLI::App* index = app.add_subcommand("index", "nearest-neighbour indexes: build one, query one");
  index->require_subcommand(1);
  auto b = std::make_shared<BuildArgs>();
  CLI::App* build = index->add_subcommand("build", "build an exact or IVF-Flat index of vectors");
  build->add_option("--vectors", b->vectors, "float32 .npy, rows x dimension");
  build->add_option("--model-file", b->model_file, "index the item vectors of a saved model instead");
  build->add_option("--kind", b->kind, "exact or ivf")->capture_default_str();
  build->add_option("--metric", b->metric, "ip (inner product) or cosine")->capture_default_str();
  build->add_option("--nlist", b->nlist, "IVF lists (0: about 4·√n)")->capture_default_str();
  build->add_option("--iterations", b->iterations, "k-means iterations")->capture_default_str();
  build->add_option("--seed", b->seed, "k-means sample and start")->capture_default_str();
  build->add_option("--device", b->device, "auto, cpu, emu, cuda, cuda:N")->capture_default_str();
  build->add_option("--out", b->out, "the index file to write")->required();
  build->callback([b] { run_build(*b); });
  auto q = std::make_shared<QueryArgs>();
  CLI::App* query = index->add_subcommand("query", "the k nearest indexed vectors of each query");
  query->add_option("--index", q->index, "an index file of `index build`")->required();
  query->add_option("--queries", q->queries, "float32 .npy, queries x dimension")->required();
  query->add_option("-k,--k", q->k, "neighbours per query")->capture_default_str();
  query->add_option("--nprobe", q->nprobe, "IVF lists each query scans")->capture_default_str();
  query->add_flag("--recall", q->recall, "also the exact answer, and the share of it found (recall@k)");
  query->add_option("--out", q->out_prefix, "write PREFIX.ids.npy (int64) and PREFIX.scores.npy (float32)");
  query->add_option("--device", q->device, "auto, cpu, emu, cuda, cuda:N")->capture_default_str();
  query->callback([q] { run_query(*q); });
}

}  // namespace sr::cli
