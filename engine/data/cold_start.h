// The cold-start protocol's data (issue 24; the transposed setting of the Spotify RecSys Challenge
// 2018 winner, Volkovs et al.: items are the rows, because MovieLens's titles and genres belong to
// items). A share of the items is made cold — every interaction with them removed from training —
// and the rest hold out a share of each user's items; a model is trained on items as rows (their
// users as the columns to predict) and ranks items for users at test time.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "kernels/csr.h"

namespace sr {

class Dataset;

struct ColdStartSplit {
  std::vector<uint8_t> cold;  // per item: 1 when all its interactions are held out
  HostCsr train;              // users x items, value 1: the (user, warm item) pairs trained on
  HostCsr warm_test;          // users x items: the held-out (user, warm item) pairs
  HostCsr cold_test;          // users x items: every (user, cold item) pair
  int64_t n_cold() const;
};

// Every (user, item) pair of d that has an event (a rating of any value), once: users x items, 1s.
HostCsr interaction_pairs(const Dataset& d);

// Splits `pairs` (users x items, columns sorted): `cold_share` of the items that have a pair
// (rounded, at least 1) are cold, drawn by `seed`; each user with 5 or more warm items holds out
// `warm_holdout` of them (rounded down). Splitting the training part again gives the validation
// split (its cold items among those trained on). Throws when there are too few items for the
// shares asked.
ColdStartSplit cold_start_split(const HostCsr& pairs, double cold_share, double warm_holdout, uint64_t seed);

// The characters a title model reads: 0 is padding, a byte b of the title (lower-cased ASCII) is b.
inline constexpr int64_t kTitleAlphabet = 256;

// Titles as time-major one-hot rows for a character CNN: row t·B + b holds byte t of the title of
// items[b] (B = items.size()), padding after its end; titles longer than `steps` bytes are cut.
HostCsr title_characters(std::span<const std::string> titles, std::span<const int32_t> items, int64_t steps);

// Each item's title from d's item features (the first text field), "" where it has none; throws
// when its items have no text field.
std::vector<std::string> item_titles(const Dataset& d);

// The columns of several tables of one row count side by side: row r of the result is row r of
// the first, then of the second shifted by the first's width, and so on.
HostCsr concat_columns(std::span<const HostCsr* const> parts);

// The rows of a, then those of b (of the same columns).
HostCsr concat_rows(const HostCsr& a, const HostCsr& b);

}  // namespace sr
