// The pieces a Net is made of: variables (layer outputs), parameters, and the Layer interface.
// A Net only describes: a parameter's values live in a ParamStore (param_store.h), its gradients
// and every activation in the Exec that runs the net (exec.h), so that several executors can run
// one model. Recurrent layers keep state across passes in their Exec and reset it per row
// (reset_state); training steps other than backprop (CD-k, engine/train/cd_step.h) drive layers'
// forward and backward themselves through the Exec.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/common.h"
#include "kernels/device_array.h"

namespace sr {

class Exec;

// Rows (batch lanes) that start a new sequence before the next forward pass: the list on the host
// and the same on the device (a training batch carries it, so that a step need not upload it).
struct LaneResets {
  const int32_t* host = nullptr;
  const int32_t* device = nullptr;
  int64_t n = 0;
};

struct Var {
  int id = -1;
  bool valid() const { return id >= 0; }
};

enum class VarKind {
  dense,   // rows x width values
  sparse,  // one value per nonzero of a pattern (a sparse input's CSR, or the pattern it shares)
};

struct VarInfo {
  std::string name;  // the producing layer's name, or the input's name
  VarKind kind = VarKind::dense;
  int64_t width = 0;
  int pattern_input = -1;  // sparse vars: id of the sparse input whose CSR pattern they use
  bool is_input = false;
};

enum class ParamInit {
  zeros,
  glorot_uniform,
  normal,   // N(0, init_std²): embeddings
  uniform,  // U(−init_std, init_std): recurrent layers, as cuDNN and PyTorch (1/√hidden)
};

// What a parameter is: its name, shape and how it starts. Its values are kept by a ParamStore and
// its gradient by each Exec, both indexed by `id`.
struct Param {
  int id = -1;       // its place in the net's parameter list
  std::string name;  // "layer.weight"
  int64_t rows = 0, cols = 0;
  ParamInit init = ParamInit::zeros;
  float init_std = 0.0f;     // ParamInit::normal, ParamInit::uniform
  bool row_sparse = false;   // a step's gradient touches only some rows (sparse input / output)
  bool regularized = false;  // included in L2
};

class Layer {
 public:
  Layer(std::string name, std::vector<Var> inputs, Var output)
      : name_(std::move(name)), inputs_(std::move(inputs)), output_(output) {}
  virtual ~Layer() = default;
  virtual void forward(Exec& ex) = 0;
  // Adds the gradients of the inputs (dense inputs only) and writes the parameters' gradients.
  virtual void backward(Exec& ex) = 0;
  // Rows listed start a new sequence: recurrent layers clear their carried state for them.
  virtual void reset_state(Exec&, const LaneResets&) {}

  // ---- what inference and other layers ask of a layer (defaults: a plain layer) ----
  // A layer inference runs only when it is what is asked for: an output scored at a pattern (a
  // sparse output) or the loss, whose patterns and targets are not bound then.
  virtual bool optional_in_inference() const { return false; }
  // Every column's score for the bound rows, after the layers before it ran: by default the
  // layer's own forward output; a sparse output scores every column instead of its pattern.
  virtual Tensor all_scores(Exec& ex);
  // Scores the rows of a table (a sparse output's weight): every column (all_scores) and listed
  // columns for every row of a given input (column_scores).
  virtual bool scores_columns() const { return false; }
  // The scores of the listed columns for every row of h_all, transposed: h_all.rows x n_columns;
  // with `columns_as_rows`, n_columns x h_all.rows (a column's scores contiguous, for its top-K).
  virtual Tensor column_scores(Exec& ex, const Tensor& h_all, const IndexArray& columns, bool columns_as_rows);
  // The weight a sparse input multiplies (a dense layer over a sparse input, an embedding's table),
  // which tied layers share; null for other layers.
  virtual const Param* sparse_input_weight() const { return nullptr; }
  // The table holding a vector per output column (a sparse or tied output's weight: a row per
  // column; a dense layer's: a column per unit, `*by_columns` set): what says which columns are
  // alike (the items a model scores); null for layers that have none.
  virtual const Param* column_table(bool* by_columns) const {
    (void)by_columns;
    return nullptr;
  }

  const std::string& name() const { return name_; }
  const std::vector<Var>& inputs() const { return inputs_; }
  Var output() const { return output_; }
  const std::vector<const Param*>& params() const { return params_; }
  void add_param(const Param* p) { params_.push_back(p); }

 private:
  std::string name_;
  std::vector<Var> inputs_;
  Var output_;
  std::vector<const Param*> params_;
};

}  // namespace sr
