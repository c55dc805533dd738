// libFuzzer target: one text layout's importer (FUZZ_LAYOUT) on arbitrary bytes. The first byte
// picks the thread count (1-3, so range cuts are fuzzed too) and, for the generic csv layout, the
// column roles and separator. A bad input must end in sr::Error; anything else (a crash, a
// sanitizer report, another exception) is a bug. A successful import must pass the structural
// validation the binary loader applies.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "engine/data/text_import.h"
#include "kernels/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t control = data[0];
  const int fd = memfd_create("fuzz_input", 0);
  if (fd < 0) std::abort();
  if (size > 1 && write(fd, data + 1, size - 1) != static_cast<ssize_t>(size - 1)) std::abort();
  sr::ImportOptions o;
  o.layout = FUZZ_LAYOUT;
  o.threads = 1 + control % 3;
  if (o.layout == "csv") {
    static const char* columns[] = {"user,item,rating,time", "item,-,user", "user,item,time", "time,rating,item,user"};
    static const char* separators[] = {",", ";", "::", "space"};
    o.columns = columns[(control >> 2) % 4];
    o.separator = separators[(control >> 4) % 4];
  }
  if (control & 0x40) o.duplicates = (control & 0x80) ? sr::Duplicates::last : sr::Duplicates::keep;
  try {
    const sr::Dataset d = sr::import_text({"/proc/self/fd/" + std::to_string(fd)}, o);
    d.validate("fuzzed import");
  } catch (const sr::Error&) {}
  close(fd);
  return 0;
}
