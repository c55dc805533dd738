#include "models/cold_start_hybrid.h"

#include "engine/data/cold_start.h"
#include "kernels/error.h"

namespace sr {

Net item_dae_net(int64_t users, int64_t side_width, const ItemDaeOptions& o) {
  Net net(side_width > 0 ? "item_dae_side" : "item_dae");
  Var x = net.sparse_input("item", users + side_width), targets = net.sparse_input("users", users);
  Var h = net.dense(net.corrupt(x, o.dropout, "corrupt"), o.hidden, Act::tanh, "hidden");
  net.minimize(masked_bce(net.sparse_output(h, users, Act::identity, targets, "output"), targets));
  return net;
}

Net char_cnn_net(int64_t users, const CharCnnOptions& o) {
  if (o.width > o.steps)
    throw error("char CNN: a filter ", o.width, " characters wide is wider than the ", o.steps,
                " title characters read");
  Net net("char_cnn");
  Var chars = net.sparse_input("chars", kTitleAlphabet), targets = net.sparse_input("users", users);
  Var e = net.embedding(chars, o.embed, "chars_embedding", 0.1f);
  Var c = net.conv1d(e, o.filters, o.width, o.steps, Act::relu, "conv");
  Var pooled = net.max_steps(c, o.steps - o.width + 1, "pool");
  Var h = net.dense(pooled, o.hidden, Act::relu, "hidden");
  net.minimize(masked_bce(net.sparse_output(h, users, Act::identity, targets, "output"), targets));
  return net;
}

ItemRowsNet item_rows_net(const Net& net, int64_t title_steps) {
  return {net.input(title_steps > 0 ? "chars" : "item"), net.input("users"), net.output(), title_steps};
}

std::vector<float> hybrid_scores(std::span<const float> dae, std::span<const float> cnn,
                                 std::span<const int64_t> interactions, double blend) {
  SR_CHECK(dae.size() == cnn.size(), "hybrid: ", dae.size(), " and ", cnn.size(), " scores");
  SR_CHECK(!interactions.empty() && dae.size() % interactions.size() == 0, "hybrid: ", dae.size(), " scores for ",
           interactions.size(), " items");
  if (!(blend > 0.0)) throw error("hybrid: the blend constant must be positive, got ", blend);
  const size_t users = dae.size() / interactions.size();
  std::vector<float> out(dae.size());
  for (size_t i = 0; i < interactions.size(); ++i) {
    const double n = static_cast<double>(interactions[i]), w = (n + blend) / (n + 2.0 * blend);
    for (size_t u = 0; u < users; ++u) {
      const size_t e = i * users + u;
      out[e] = static_cast<float>(w * dae[e] + (1.0 - w) * cnn[e]);
    }
  }
  return out;
}

}  // namespace sr
