#include "tests/op_cases.h"

namespace sr::test {

std::vector<int> sparse_cases(CaseUse use) {
  std::vector<int> out;
  for (size_t i = 0; i < std::size(kSparseOpCases); ++i)
    if (kSparseOpCases[i].use == use) out.push_back(static_cast<int>(i));
  return out;
}

std::string case_name(const SparseOpCase& c) {
  return std::string(c.shape.name) + "_" + std::to_string(c.shape.rows) + "x" + std::to_string(c.shape.cols) + "_w" +
         std::to_string(c.width);
}

}  // namespace sr::test
