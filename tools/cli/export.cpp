// sparserec export: a saved model's weights for other tools — every parameter under its name
// ("layer.weight", "layer.bias"; each a 2-D array as the executor holds it, listed with its
// shape in the JSON line), with the id maps
// (user_ids, item_ids: row r of a user or item table is that id in the data), as a NumPy .npz or
// a safetensors file (engine/io/array_archive.h) — or its user and item vectors as .npy files in
// a directory, unit length with --normalize, for an index or a notebook.
#include <filesystem>

#include "engine/index/exact_index.h"
#include "engine/io/array_archive.h"
#include "engine/io/npy_file.h"
#include "kernels/error.h"
#include "tools/cli/args.h"
#include "tools/cli/commands.h"
#include "tools/cli/output.h"
#include "tools/cli/saved_model.h"

namespace sr::cli {

namespace {
struct ExportArgs {
  SavedModelArgs saved;
  std::string out, format = "npz";
  bool normalize = false, fold_bias = false;
};

nlohmann::json describe(const std::string& name, const std::vector<int64_t>& shape) {
  return {{"name", name}, {"shape", shape}};
}

void run_export(const ExportArgs& a) {
  if (a.format != "npz" && a.format != "safetensors" && a.format != "embeddings")
    throw error("--format must be npz, safetensors or embeddings, got '", a.format, "'");
  if (a.normalize && a.format != "embeddings") throw error("--normalize is for --format embeddings (the vectors)");
  if (a.fold_bias && a.format != "embeddings") throw error("--fold-bias is for --format embeddings (the vectors)");
  if (a.fold_bias && a.normalize)
    throw error("--fold-bias with --normalize: unit-length vectors no longer give the model's scores");
  if (a.out.empty()) throw error("--out is empty");
  Device::parse(a.saved.device);
  SavedModel s = open_saved_model(a.saved);
  TrainedModel& t = *s.trained;
  if (!t.exec) throw error("model '", s.meta.model, "' is a baseline: it has no weights to export");
  nlohmann::json j;
  j["command"] = "export";
  j["model"] = s.meta.model;
  j["format"] = a.format;
  j["out"] = a.out;
  nlohmann::json listed = nlohmann::json::array();
  const auto& users = s.data.user_ids;
  const auto& items = s.data.item_ids;
  if (a.format == "embeddings") {
    TrainedModel::ItemVectors iv, uv;
    if (a.fold_bias) {
      TrainedModel::ScoreVectors sv = t.score_vectors();
      if (sv.items.dim == 0)
        throw error("--fold-bias: model '", s.meta.model, "' does not score items by a dot product of a user's ",
                    "and an item's vectors");
      uv = std::move(sv.users), iv = std::move(sv.items);
    } else {
      iv = t.item_vectors(), uv = t.user_vectors();
    }
    if (iv.dim == 0 && uv.dim == 0) throw error("model '", s.meta.model, "' has no user or item vectors to export");
    make_out_dir(a.out);
    std::error_code ec;
    // An earlier export's files go first: the directory then holds this model's arrays only.
    for (const char* name : {"item_vectors", "item_ids", "user_vectors", "user_ids", "user_offsets", "item_offsets"})
      std::filesystem::remove(a.out + "/" + name + ".npy", ec);
    auto write = [&](const std::string& what, TrainedModel::ItemVectors& v, const std::vector<int64_t>& ids) {
      if (v.dim == 0) return;
      if (a.normalize) normalize_rows(v.values, v.n, v.dim, (what + " vector").c_str());  // the index's cosine
      write_npy(a.out + "/" + what + "_vectors.npy", v.n, v.dim, v.values.data());
      listed.push_back(describe(what + "_vectors", {v.n, v.dim}));
      if (static_cast<int64_t>(ids.size()) == v.n) {
        write_npy(a.out + "/" + what + "_ids.npy", ids);
        listed.push_back(describe(what + "_ids", {v.n}));
      }
    };
    write("item", iv, items);
    write("user", uv, users);
    // A residual net's b_u and b_i, added to its scores (engine/data/rating_offsets.h); folded
    // vectors hold b_i already.
    if (t.offsets && !a.fold_bias) {
      write_npy(a.out + "/user_offsets.npy", t.offsets->user);
      write_npy(a.out + "/item_offsets.npy", t.offsets->item);
      listed.push_back(describe("user_offsets", {static_cast<int64_t>(t.offsets->user.size())}));
      listed.push_back(describe("item_offsets", {static_cast<int64_t>(t.offsets->item.size())}));
    }
    j["normalized"] = a.normalize, j["bias_folded"] = a.fold_bias;
  } else {
    const std::vector<NamedArray> arrays = model_arrays(s);
    for (const NamedArray& x : arrays) listed.push_back(describe(x.name, x.shape));
    if (a.format == "npz") {
      write_npz(a.out, arrays);
    } else {
      nlohmann::json options(s.meta.options);
      write_safetensors(a.out, arrays, {{"model", s.meta.model}, {"task", s.meta.task}, {"options", options.dump()}});
    }
  }
  j["arrays"] = listed;
  print_result(j);
}
}  // namespace

void add_export_command(CLI::App& app) {
  auto a = std::make_shared<ExportArgs>();
  CLI::App* sub = app.add_subcommand(
      "export", "a saved model's weights as .npz or safetensors, or its user and item vectors as .npy files");
  a->saved.add_to(*sub);
  sub->add_option("--out", a->out, "the file (npz, safetensors) or the directory (embeddings) to write")->required();
  sub->add_option("--format", a->format,
                  "npz or safetensors (every parameter by name, and the id maps), or embeddings (item_vectors.npy, "
                  "user_vectors.npy and their ids)")
      ->capture_default_str();
  sub->add_flag("--normalize", a->normalize, "embeddings: each vector scaled to unit length");
  sub->add_flag("--fold-bias", a->fold_bias,
                "embeddings: one more column, the item's bias (and 1 for users), so that the dot product is the "
                "model's score: an inner-product index then retrieves what the model ranks first");
  sub->callback([a] { run_export(*a); });
}

}  // namespace sr::cli
