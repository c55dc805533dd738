// The cold-start hybrid (issue 24), after the Spotify RecSys Challenge 2018 winner (Volkovs,
// Rai, Cheng, Wu & Yu, "Two-stage model for automatic playlist continuation at scale"), transposed
// to items: a denoising autoencoder over each item's users with the item's side fields (genres,
// year) as extra input, a character CNN over the item's title predicting the same users, and
// their blend weighted by how many interactions the item has. All three score the probability
// that a user has an item (engine/train/item_rows_trainer.h), so their scores compare across items.
//
// The DAE also trains on a copy of every item with its users dropped (its side fields alone), as
// DropoutNet (Volkovs, Yu & Poutanen 2017) trains for cold start: an item without interactions is
// then an input the DAE has seen, not one it extrapolates to. Without side fields it is the plain
// DAE, which gives every cold item the same scores.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/net/net.h"
#include "engine/train/item_rows_trainer.h"

namespace sr {

struct ItemDaeOptions {
  int64_t hidden = 200;     // tanh units
  float dropout = 0.5f;     // input corruption
  bool cold_copies = true;  // with side fields: also train on each item without its users
};
// Input "item": the item's users (1) then its side fields (side_width columns; 0: none);
// targets "users"; output over the users.
Net item_dae_net(int64_t users, int64_t side_width, const ItemDaeOptions& o);

struct CharCnnOptions {
  int64_t steps = 48;     // title bytes read (longer titles are cut)
  int64_t embed = 16;     // character embedding
  int64_t filters = 128;  // convolution filters
  int64_t width = 3;      // characters a filter spans
  int64_t hidden = 128;   // ReLU units after the max-pooling
};
// Input "chars" (time-major title characters, engine/data/cold_start.h); targets "users".
Net char_cnn_net(int64_t users, const CharCnnOptions& o);

// The inputs and output of a net built above (title_steps > 0 for the CNN).
ItemRowsNet item_rows_net(const Net& net, int64_t title_steps = 0);

// The hybrid's scores (items x users, row-major): w_i · dae + (1 − w_i) · cnn with
// w_i = (n_i + c) / (n_i + 2c), n_i the item's training interactions: an even blend for a cold
// item, the DAE's own score as interactions accumulate (c = `blend`).
std::vector<float> hybrid_scores(std::span<const float> dae, std::span<const float> cnn,
                                 std::span<const int64_t> interactions, double blend);

}  // namespace sr
