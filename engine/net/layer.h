// The pieces a Net is made of: variables (layer outputs), parameters, and the Layer interface.
// The interface is what later layers plug into: recurrent layers keep state across steps in the
// Exec and reset it per row (reset_state); training steps other than backprop (CD-k, GAN
// alternation) drive forward/backward themselves through Exec (see engine/train/train_step.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/tensor.h"
#include "kernels/common.h"

namespace sr {

class Exec;

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

struct Param {
  std::string name;  // "layer.weight"
  int64_t rows = 0, cols = 0;
  ParamInit init = ParamInit::zeros;
  float init_std = 0.0f;     // ParamInit::normal, ParamInit::uniform
  bool row_sparse = false;   // a step's gradient touches only some rows (sparse input / output)
  bool regularized = false;  // included in L2
  // Device state, created by Exec when the net is placed on a backend; s1, s2 (and avg, the
  // weights' moving average when the optimizer keeps one) by the optimizer.
  Tensor w, g, s1, s2, avg;
  // Rows touched by the last backward (row_sparse params); null means all rows.
  const int32_t* touched_rows = nullptr;
  int64_t n_touched = 0;
};

class Layer {
 public:
  Layer(std::string name, std::vector<Var> inputs, Var output) : name_(std::move(name)), inputs_(std::move(inputs)), output_(output) {}
  virtual ~Layer() = default;
  virtual const char* kind() const = 0;
  virtual void forward(Exec& ex) = 0;
  // Adds the gradients of the inputs (dense inputs only) and writes the parameters' gradients.
  virtual void backward(Exec& ex) = 0;
  // Rows listed start a new sequence: recurrent layers clear their carried state for them.
  virtual void reset_state(Exec&, const int32_t* /*rows*/, int64_t /*n*/) {}

  const std::string& name() const { return name_; }
  const std::vector<Var>& inputs() const { return inputs_; }
  Var output() const { return output_; }
  const std::vector<Param*>& params() const { return params_; }
  void add_param(Param* p) { params_.push_back(p); }

 private:
  std::string name_;
  std::vector<Var> inputs_;
  Var output_;
  std::vector<Param*> params_;
};

}  // namespace sr
