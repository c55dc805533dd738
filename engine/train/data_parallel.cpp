#include "engine/train/data_parallel.h"

#include <algorithm>
#include <numeric>

#include "kernels/error.h"
#include "kernels/sparse.h"

namespace sr {

namespace {

void sort_unique(std::vector<int32_t>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

void DataParallel::check() const {
  if (shards < 1) throw error("data-parallel: the number of shards must be at least 1, got ", shards);
  if (ranks() > 1 && shards != ranks())
    throw error("data-parallel: ", ranks(), " ranks train one shard each, so shards must be ", ranks(), ", got ",
                shards);
}

GradientExchange::GradientExchange(Exec& ex, Communicator* comm)
    : ex_(ex),
      params_(ex.net().params()),
      slots_(params_.size()),
      comm_(comm),
      on_device_(comm && comm->device_memory() && !params_.empty()) {
  int64_t n = 0, widest = 0;
  for (size_t i = 0; i < params_.size(); ++i) {
    slots_[i].offset = n;
    slots_[i].sparse_ok = params_[i]->row_sparse && params_[i]->cols > 0;
    if (slots_[i].sparse_ok) widest = std::max(widest, params_[i]->rows);
    n += params_[i]->rows * params_[i]->cols;
  }
  if (on_device_) {
    Backend& be = ex_.backend();
    bucket_ = Tensor(be, n, 1);
    packed_ = Tensor(be, n, 1);
    if (widest > 0) {  // 0, 1, ..., widest: the row pointers and column ids of a row selection
      std::vector<int32_t> iota(static_cast<size_t>(widest) + 1);
      std::iota(iota.begin(), iota.end(), 0);
      pack_ptr_ = DeviceArray<int32_t>::from_host(be, iota);
    }
  } else {
    shard_.assign(static_cast<size_t>(n), 0.0f);
    sum_.assign(static_cast<size_t>(n), 0.0f);
  }
}

void GradientExchange::begin_step() {
  first_ = true;
  shards_in_step_ = 0;
  for (Slot& s : slots_) s.any_dense = false, s.own.clear(), s.own_listed = 0;
}

void GradientExchange::add_shard() {
  Backend& be = ex_.backend();
  for (size_t i = 0; i < params_.size(); ++i) {  // the rows this shard touched
    Exec::Gradient& g = ex_.gradient(*params_[i]);
    Slot& s = slots_[i];
    if (!s.sparse_ok) continue;
    if (!g.touched_rows) {
      s.any_dense = true;
    } else if (g.n_touched > 0) {
      const size_t at = s.own.size();
      s.own.resize(at + static_cast<size_t>(g.n_touched));
      be.download(s.own.data() + at, g.touched_rows, static_cast<size_t>(g.n_touched) * sizeof(int32_t));
      s.own_listed += g.n_touched;
    }
    g.touched_rows = nullptr;  // the batch that owns the list goes away
    g.n_touched = 0;
  }
  ++shards_in_step_;
  if (on_device_) {  // sum_ += g on the device, parameter by parameter into the bucket
    for (size_t i = 0; i < params_.size(); ++i) {
      const Param& p = *params_[i];
      Tensor& g = ex_.gradient(p).g;
      const int64_t n = p.rows * p.cols, at = slots_[i].offset;
      if (first_) {
        if (n) be.copy(bucket_.data() + at, g.data(), static_cast<size_t>(n) * sizeof(float));
      } else {
        be.axpby({.n = n, .a = 1.0f, .x = g.data(), .b = 1.0f, .y = bucket_.data() + at});
      }
      g.fill_zero();
    }
    first_ = false;
    return;
  }
  for (size_t i = 0; i < params_.size(); ++i) {
    const Param& p = *params_[i];
    Tensor& g = ex_.gradient(p).g;
    const size_t n = static_cast<size_t>(p.rows * p.cols);
    if (n) be.download(shard_.data() + slots_[i].offset, g.data(), n * sizeof(float));
    g.fill_zero();
  }
  if (first_) {
    sum_.swap(shard_);
  } else {
    for (size_t i = 0; i < sum_.size(); ++i) sum_[i] += shard_[i];
  }
  first_ = false;
}

void GradientExchange::add_empty_shard() {
  ++shards_in_step_;
  if (on_device_) {
    if (first_) bucket_.fill_zero();
    first_ = false;
    return;
  }
  if (first_) {
    std::fill(sum_.begin(), sum_.end(), 0.0f);
  } else {
    for (float& v : sum_) v += 0.0f;  // as a peer's sum does: -0 becomes +0
  }
  first_ = false;
}

void GradientExchange::unite_rows() {
  std::vector<int32_t> header;  // per row-sparse parameter: its listed rows, or -1 for every row
  std::vector<size_t> sparse;
  for (size_t i = 0; i < slots_.size(); ++i) {
    Slot& s = slots_[i];
    if (!s.sparse_ok) continue;
    sort_unique(s.own);
    sparse.push_back(i);
    header.push_back(s.any_dense ? -1 : static_cast<int32_t>(s.own.size()));
    // What one rank of a `shards`-rank job lists: its shard's rows (here: the shards' average).
    stats_.gather_bytes +=
        (1 + s.own_listed / std::max<int64_t>(shards_in_step_, 1)) * static_cast<int64_t>(sizeof(int32_t));
  }
  if (sparse.empty()) return;
  const int ranks = comm_ ? comm_->size() : 1;
  if (ranks == 1) {
    for (size_t i : sparse) {
      Slot& s = slots_[i];
      s.union_known = !s.any_dense;
      if (s.union_known) s.rows.swap(s.own);
    }
    return;
  }
  const size_t k = sparse.size();
  std::vector<int32_t> headers(k * static_cast<size_t>(ranks));
  timed([&] { comm_->all_gather_host(header.data(), static_cast<int64_t>(k), headers.data()); });
  // Each rank's lists of the parameters no rank has whole, concatenated and padded to the longest.
  std::vector<bool> known(k, true);
  for (int r = 0; r < ranks; ++r)
    for (size_t j = 0; j < k; ++j) known[j] = known[j] && headers[static_cast<size_t>(r) * k + j] >= 0;
  int64_t longest = 0;
  for (int r = 0; r < ranks; ++r) {
    int64_t total = 0;
    for (size_t j = 0; j < k; ++j)
      if (known[j]) total += headers[static_cast<size_t>(r) * k + j];
    longest = std::max(longest, total);
  }
  std::vector<int32_t> mine, all(static_cast<size_t>(longest) * static_cast<size_t>(ranks));
  for (size_t j = 0; j < k; ++j)
    if (known[j]) mine.insert(mine.end(), slots_[sparse[j]].own.begin(), slots_[sparse[j]].own.end());
  mine.resize(static_cast<size_t>(longest), 0);
  if (longest > 0) timed([&] { comm_->all_gather_host(mine.data(), longest, all.data()); });
  for (size_t j = 0; j < k; ++j) {
    Slot& s = slots_[sparse[j]];
    s.union_known = known[j];
    s.rows.clear();
  }
  for (int r = 0; r < ranks; ++r) {
    const int32_t* list = all.data() + static_cast<size_t>(r) * static_cast<size_t>(longest);
    for (size_t j = 0; j < k; ++j) {
      if (!known[j]) continue;
      const int32_t n = headers[static_cast<size_t>(r) * k + j];
      slots_[sparse[j]].rows.insert(slots_[sparse[j]].rows.end(), list, list + n);
      list += n;
    }
  }
  for (size_t j = 0; j < k; ++j)
    if (known[j]) sort_unique(slots_[sparse[j]].rows);
}

void GradientExchange::take_union(Exec::Gradient& g, const Slot& s) {
  if (!s.union_known) {
    g.touched_rows = nullptr;  // every row
    g.n_touched = 0;
    return;
  }
  g.touched_rows = s.row_ids.data();
  g.n_touched = static_cast<int64_t>(s.rows.size());
}

void GradientExchange::finish(double& loss) {
  SR_CHECK(!first_, "GradientExchange::finish() before any shard");
  unite_rows();
  for (size_t i = 0; i < slots_.size(); ++i) {
    Slot& s = slots_[i];
    const Param& p = *params_[i];
    s.packed = s.union_known && static_cast<int64_t>(s.rows.size()) * (p.cols + 1) < p.rows * p.cols;
    if (s.union_known) {  // never empty, so that the optimizer sees a list, even of no rows
      std::vector<int32_t> ids = s.rows;
      if (ids.empty()) ids.push_back(0);
      s.row_ids = DeviceArray<int32_t>::from_host(ex_.backend(), ids);
    }
  }
  if (on_device_)
    exchange_device(loss);
  else
    exchange_host(loss);
  ++stats_.steps;
  for (size_t i = 0; i < slots_.size(); ++i) take_union(ex_.gradient(*params_[i]), slots_[i]);
}

void GradientExchange::exchange_host(double& loss) {
  const bool reduce = comm_ && comm_->size() > 1;
  bool any_packed = false;
  int64_t total = 0;
  for (size_t i = 0; i < slots_.size(); ++i) {
    const Param& p = *params_[i];
    any_packed = any_packed || slots_[i].packed;
    total += slots_[i].packed ? static_cast<int64_t>(slots_[i].rows.size()) * p.cols : p.rows * p.cols;
  }
  stats_.reduce_bytes += total * static_cast<int64_t>(sizeof(float));
  stats_.dense_bytes += static_cast<int64_t>(sum_.size() * sizeof(float));
  if (reduce && !any_packed) {
    timed([&] { comm_->all_reduce_sum(sum_.data(), static_cast<int64_t>(sum_.size())); });
  } else if (reduce) {  // the packed buffer: dense parameters whole, the others' touched rows
    packed_host_.resize(static_cast<size_t>(total));
    auto each_run = [&](auto&& move) {  // move(offset in sum_, offset in the packed buffer, floats)
      int64_t at = 0;
      for (size_t i = 0; i < slots_.size(); ++i) {
        const Param& p = *params_[i];
        const Slot& s = slots_[i];
        if (!s.packed) {
          move(s.offset, at, p.rows * p.cols), at += p.rows * p.cols;
          continue;
        }
        for (int32_t r : s.rows) move(s.offset + r * p.cols, at, p.cols), at += p.cols;
      }
    };
    each_run(
        [&](int64_t from, int64_t to, int64_t n) { std::copy_n(sum_.data() + from, n, packed_host_.data() + to); });
    timed([&] { comm_->all_reduce_sum(packed_host_.data(), total); });
    each_run(
        [&](int64_t to, int64_t from, int64_t n) { std::copy_n(packed_host_.data() + from, n, sum_.data() + to); });
  }
  if (reduce) timed([&] { comm_->all_reduce_sum(&loss, 1); });
  for (size_t i = 0; i < slots_.size(); ++i) {
    const Param& p = *params_[i];
    const size_t n = static_cast<size_t>(p.rows * p.cols);
    if (n) ex_.backend().upload(ex_.gradient(p).g.data(), sum_.data() + slots_[i].offset, n * sizeof(float));
  }
}

void GradientExchange::exchange_device(double& loss) {  // NCCL, even on one rank (the GPU job's test of the path)
  Backend& be = ex_.backend();
  auto selection = [&](const Slot& s, const int32_t* col_idx, int64_t cols) {  // row r picks row col_idx[r]
    CsrView a;
    a.row_ptr = pack_ptr_.data(), a.col_idx = col_idx, a.val = nullptr;
    a.rows = static_cast<int64_t>(s.rows.size()), a.cols = cols, a.nnz = a.rows;
    return a;
  };
  const bool any_packed = std::any_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.packed; });
  int64_t total = 0;
  for (size_t i = 0; i < slots_.size(); ++i) {
    const Param& p = *params_[i];
    Slot& s = slots_[i];
    const int64_t n = s.packed ? static_cast<int64_t>(s.rows.size()) * p.cols : p.rows * p.cols;
    if (s.packed && n > 0) {
      GatherArgs g;
      g.a = selection(s, s.row_ids.data(), p.rows);
      g.w = bucket_.data() + s.offset, g.width = p.cols, g.y = packed_.data() + total;
      be.gather(g);
    } else if (!s.packed && n > 0 && any_packed) {
      be.copy(packed_.data() + total, bucket_.data() + s.offset, static_cast<size_t>(n) * sizeof(float));
    }
    total += n;
  }
  stats_.reduce_bytes += total * static_cast<int64_t>(sizeof(float));
  stats_.dense_bytes += bucket_.numel() * static_cast<int64_t>(sizeof(float));
  // Without packed parameters the bucket itself is exchanged (the copies above were skipped).
  Tensor& buffer = any_packed ? packed_ : bucket_;
  timed([&] {
    comm_->all_reduce_sum(buffer.data(), total);
    comm_->all_reduce_sum(&loss, 1);
  });
  int64_t at = 0;
  for (size_t i = 0; i < slots_.size(); ++i) {
    const Param& p = *params_[i];
    Tensor& grad = ex_.gradient(p).g;
    const Slot& s = slots_[i];
    const int64_t n = s.packed ? static_cast<int64_t>(s.rows.size()) * p.cols : p.rows * p.cols;
    const float* from = buffer.data() + (any_packed ? at : s.offset);
    if (s.packed && n > 0) {  // g is zero (add_shard cleared it): write the union's rows
      GatherArgs g;
      g.a = selection(s, pack_ptr_.data(), static_cast<int64_t>(s.rows.size()));
      g.w = from, g.width = p.cols, g.out_rows = s.row_ids.data(), g.y = grad.data();
      be.gather(g);
    } else if (!s.packed && n > 0) {
      be.copy(grad.data(), from, static_cast<size_t>(n) * sizeof(float));
    }
    at += n;
  }
}

}  // namespace sr
