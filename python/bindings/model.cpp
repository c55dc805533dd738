// sparserec.Model: a saved model (a file of `train`, `topn` or `session` --save) on a device, as
// `recommend` and `export` open it: top-K for users or click sequences as numpy arrays (the .npy
// shards' layout: ids, -1 and NaN past the items there are), its user and item vectors, and its
// weights by name.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <mutex>

#include "kernels/error.h"
#include "python/bindings/bindings.h"
#include "tools/cli/saved_model.h"

namespace py = pybind11;

namespace sr::python {
namespace {

// The executor and the scorers hold per-call state: one call at a time on a model (each call
// releases the GIL, so two Python threads could otherwise meet in them).
struct Model {
  cli::SavedModel s;
  std::unique_ptr<std::mutex> busy = std::make_unique<std::mutex>();
};

// f() on the model's engine, the GIL released and the model's lock held; its result has no Python
// object in it.
template <typename F>
auto locked(Model& m, F f) {
  py::gil_scoped_release release;
  std::lock_guard<std::mutex> lock(*m.busy);
  return f();
}

// Top-K lists as the arrays items (int64 [n, k], -1 past a short list) and scores (float32 [n, k],
// NaN there), in the data's item ids.
py::dict topk_arrays(const std::vector<std::vector<Scored>>& top, int k, const std::vector<int64_t>& item_ids) {
  const auto n = static_cast<py::ssize_t>(top.size());
  py::array_t<int64_t> items({n, py::ssize_t{k}});
  py::array_t<float> scores({n, py::ssize_t{k}});
  auto it = items.mutable_unchecked<2>();
  auto sc = scores.mutable_unchecked<2>();
  for (py::ssize_t r = 0; r < n; ++r)
    for (int c = 0; c < k; ++c) {
      const bool there = c < static_cast<int>(top[r].size());
      it(r, c) = there ? item_ids[static_cast<size_t>(top[r][c].item)] : -1;
      sc(r, c) = there ? top[r][c].score : NAN;
    }
  py::dict d;
  d["items"] = items, d["scores"] = scores;
  return d;
}

py::array int64_array(const std::vector<int64_t>& v) { return py::array_t<int64_t>(v.size(), v.data()); }

py::object matrix(const TrainedModel::ItemVectors& v) {
  if (v.dim == 0) return py::none();
  return py::array_t<float>({v.n, v.dim}, v.values.data());
}

py::dict recommend(Model& m, const std::optional<std::vector<int64_t>>& user_ids, int k, int64_t memory_budget_mb) {
  cli::SavedModel& s = m.s;
  if (s.task == Task::sessions)
    throw error("model '", s.meta.model, "' recommends the next click of a session: call recommend_sessions()");
  if (k < 1) throw error("k must be >= 1, got ", k);
  // None: every user; a list: those (an empty list, none).
  const std::vector<int64_t> ids = user_ids ? *user_ids : s.data.user_ids;
  const std::vector<int32_t> users = ids.empty() ? std::vector<int32_t>{} : cli::user_rows(s, ids);
  const int64_t block = cli::users_per_block(s, k, memory_budget_mb);
  std::vector<std::vector<Scored>> top;
  {
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(*m.busy);
    for (size_t b = 0; b < users.size(); b += static_cast<size_t>(block)) {
      const std::vector<int32_t> part(users.begin() + b, users.begin() + std::min(users.size(), b + block));
      for (auto& t : s.trained->recommend(part, k)) top.push_back(std::move(t));
    }
  }
  py::dict d = topk_arrays(top, k, s.data.item_ids);
  d["users"] = int64_array(ids);
  return d;
}

py::dict recommend_sessions(Model& m, const std::vector<std::vector<int64_t>>& sessions, int k) {
  cli::SavedModel& s = m.s;
  if (s.task != Task::sessions) throw error("model '", s.meta.model, "' recommends for users: call recommend()");
  if (k < 1) throw error("k must be >= 1, got ", k);
  std::vector<std::vector<int32_t>> clicks(sessions.size());
  for (size_t r = 0; r < sessions.size(); ++r) {
    if (sessions[r].empty()) throw error("session ", r, " has no click");
    for (int64_t id : sessions[r]) {
      const int64_t i = index_of(s.data.item_ids, id);
      if (i < 0)
        throw error("session ", r, ": item id ", id, " is not among the ", s.data.item_ids.size(),
                    " items of the model");
      clicks[r].push_back(static_cast<int32_t>(i));
    }
  }
  std::vector<std::vector<Scored>> top;
  {
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(*m.busy);
    for (size_t b = 0; b < clicks.size(); b += cli::kSessionsPerBlock) {
      const std::vector<std::vector<int32_t>> part(
          clicks.begin() + b, clicks.begin() + std::min(clicks.size(), b + cli::kSessionsPerBlock));
      for (auto& t : s.trained->recommend_next(part, k)) top.push_back(std::move(t));
    }
  }
  return topk_arrays(top, k, s.data.item_ids);
}

py::dict weights(Model& m) {
  py::dict d;
  for (const NamedArray& a : locked(m, [&m] { return cli::model_arrays(m.s); })) {
    const std::vector<py::ssize_t> shape(a.shape.begin(), a.shape.end());
    if (a.is_int64)
      d[a.name.c_str()] = py::array_t<int64_t>(shape, reinterpret_cast<const int64_t*>(a.bytes.data()));
    else
      d[a.name.c_str()] = py::array_t<float>(shape, reinterpret_cast<const float*>(a.bytes.data()));
  }
  return d;
}

}  // namespace

void bind_model(py::module_& m) {
  py::class_<Model>(m, "Model", "A saved model, loaded on a device (auto, cpu, emu, cuda, cuda:N).")
      .def(py::init([](const std::string& path, const std::string& device) {
             cli::SavedModelArgs a;
             a.model_file = path, a.device = device;
             py::gil_scoped_release release;
             return std::make_unique<Model>(Model{cli::open_saved_model(a)});
           }),
           py::arg("path"), py::arg("device") = "auto")
      .def_property_readonly("path", [](const Model& x) { return x.s.path; })
      .def_property_readonly("name", [](const Model& x) { return x.s.meta.model; })
      .def_property_readonly("task", [](const Model& x) { return x.s.meta.task; })
      .def_property_readonly("options", [](const Model& x) { return x.s.meta.options; })
      .def_property_readonly("user_ids", [](const Model& x) { return int64_array(x.s.data.user_ids); })
      .def_property_readonly("item_ids", [](const Model& x) { return int64_array(x.s.data.item_ids); })
      .def("recommend", &recommend, py::arg("users") = py::none(), py::arg("k") = 10,
           py::arg("memory_budget_mb") = 1024,
           "Top-k unseen items of each user (ids; default every user), as the dict users, items, scores.")
      .def("recommend_sessions", &recommend_sessions, py::arg("sessions"), py::arg("k") = 10,
           "Top-k next items after each click sequence (item ids, in order), as the dict items, scores.")
      .def(
          "item_vectors", [](Model& x) { return matrix(locked(x, [&x] { return x.s.trained->item_vectors(); })); },
          "Every item's vector (items x dim; alike items point alike), or None.")
      .def(
          "user_vectors", [](Model& x) { return matrix(locked(x, [&x] { return x.s.trained->user_vectors(); })); },
          "Every user's vector, the one its scores are dot products of with item_vectors(), or None.")
      .def(
          "score_vectors",
          [](Model& x) {
            TrainedModel::ScoreVectors v = locked(x, [&x] { return x.s.trained->score_vectors(); });
            return py::make_tuple(matrix(v.users), matrix(v.items));
          },
          "(users, items) whose dot product ranks as the model does (export --fold-bias), or (None, None).")
      .def("weights", &weights, "Every parameter by name, a residual net's offsets and the id maps (export's npz).");
}

}  // namespace sr::python
