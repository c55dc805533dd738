// libFuzzer target: the binary dataset loader on arbitrary bytes. Checksums are not verified (the
// fuzzer could never forge them), so every structural check behind them is reached: whatever the
// header, table and metadata say, loading must end in sr::Error or in a dataset whose arrays are
// all in bounds, never in a crash or an out-of-bounds read. Seed it with real files
// (`sparserec import`).
#include <cstdint>
#include <cstring>
#include <vector>

#include "engine/data/dataset_file.h"
#include "engine/data/side_features.h"
#include "kernels/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint64_t> aligned((size + 7) / 8);  // as a mapping would be: 8-byte aligned
  if (size) std::memcpy(aligned.data(), data, size);
  sr::LoadOptions opt;
  opt.verify_checksums = false;
  try {
    const sr::Dataset d = sr::load_dataset_from_memory(aligned.data(), size, "fuzz", opt);
    // Touch every array end to end: ASan reports any read outside the buffer.
    uint64_t sum = 0;  // unsigned: wraps without undefined behaviour
    for (int64_t u = 0; u < d.n_users(); ++u)
      for (int64_t e = d.row_begin(u); e < d.row_end(u); ++e)
        sum += static_cast<uint64_t>(d.items()[e]) + static_cast<uint64_t>(d.time(e)) + (d.rating(e) > 0.0f);
    for (int64_t id : d.user_ids()) sum += static_cast<uint64_t>(id);
    for (int64_t id : d.item_ids()) sum += static_cast<uint64_t>(id);
    for (const sr::SideFeatures* f : {d.user_features(), d.item_features()}) {
      if (!f) continue;
      for (int64_t r = 0; r < f->rows(); ++r) {
        for (int64_t k = f->row_ptr[r]; k < f->row_ptr[r + 1]; ++k)
          sum += static_cast<uint64_t>(f->feature[k]) + (f->value[k] > 0.0f);
        for (int t = 0; t < f->n_text; ++t) sum += f->text_of(r, t).size();
      }
    }
    if (sum == 42) return 0;
  } catch (const sr::Error&) {}
  return 0;
}
