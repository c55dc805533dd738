// A split given as files — made by `sparserec split`, another framework or a few lines of pandas:
// the training and the test events, each read on its own (any layout), joined into one dataset
// over the union of their ids with each event's part the file it came from. Within a user's row
// the events stay in time order, a training event before a test event of the same time (so a
// leave-one-out test target is the latest), and each file's events keep their own order: a split
// written by `split` and read back gives the dataset, and the parts, of the built-in protocol.
#pragma once

#include <string>

#include "engine/data/dataset.h"
#include "engine/data/split.h"

namespace sr {

struct JoinedSplit {
  Dataset data;
  Split split;  // Part::train or Part::test per event
};

// Refuses, naming the files: data of two kinds (ratings and clicks), an empty file, and — for
// ratings — a (user, item) pair in both (a test rating the model would train on).
JoinedSplit join_split_files(const Dataset& train, const Dataset& test, const std::string& train_name,
                             const std::string& test_name);

}  // namespace sr
