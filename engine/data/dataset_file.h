// The binary dataset file (".srdata"): what an import is cached as, loaded by mmap in about the
// time it takes to checksum it.
//
// Layout (little-endian), version 1:
//   0     8  magic "SRDATA\r\n" (the CR LF catches text-mode mangling)
//   8     4  version, 4 section count
//   16    8  metadata JSON offset, 8 length, 8 checksum
//   40   40 × count  section table: 16-byte name, offset, bytes, checksum (u64 each)
//   then  8  checksum of every header byte before it
// Sections start on 4 KiB boundaries (so the arrays map page-aligned): row_ptr (i64), item (i32),
// rating (f32, absent for clicks), time (i64 ms, absent when the input had none), user_ids and
// item_ids (i64). Every section and the header carry an XXH3 checksum; the structure is validated
// besides (Dataset::validate), so even a file with forged checksums cannot index out of bounds.
#pragma once

#include <string>

#include "engine/data/dataset.h"

namespace sr {

// Written to a temporary name, fsynced and renamed: an error or a crash never leaves a partial file.
void save_dataset(const std::string& path, const Dataset& d);

struct LoadOptions {
  bool verify_checksums = true;  // off only for the fuzzer, which must reach the structural checks
  bool populate = true;          // pre-fault the mapping (MAP_POPULATE): one pass instead of page faults
};

// Maps the file read-only. Throws sr::Error naming the file and the section at fault for a file
// that is not a dataset, of another version, truncated, altered or inconsistent.
Dataset load_dataset(const std::string& path, const LoadOptions& opt = {});
// The same checks over a file's bytes already in memory (the fuzz target's entry point).
Dataset load_dataset_from_memory(const void* data, size_t bytes, const std::string& what, const LoadOptions& opt);

bool looks_like_dataset_file(const std::string& path);  // by its magic

}  // namespace sr
