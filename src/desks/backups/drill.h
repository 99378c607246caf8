// Restoring a backup into a scratch folder, for drills. Archives are
// extracted with libarchive entry by entry, and nothing is ever written
// outside the folder: an entry with an absolute name, a ".." component, a
// symlink or hard link pointing outside, or a device node stops the restore
// with an error naming it (libarchive's own SECURE_* guards stay on as a
// second line). Other files (SQLite databases, dumps) are copied.
//
// Thread-safe: no shared state.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/error.h"
#include "desks/backups/verify.h"

namespace ctodesk::backups {

struct RestoreStats {
  std::int64_t entries = 0;  // files, folders and links written
  std::int64_t bytes = 0;    // bytes of file data written
};

// Extracts every entry of `archive_file` under `dir` (an existing folder).
// Fails with an Error naming the first entry that is unsafe or unreadable;
// what was written before it stays in `dir` for inspection.
Result<RestoreStats> ExtractArchive(const std::filesystem::path& archive_file,
                                    const std::filesystem::path& dir, VerifyControl& control);

// Copies `file` into `dir`.
Result<RestoreStats> CopyInto(const std::filesystem::path& file, const std::filesystem::path& dir,
                              VerifyControl& control);

// Why `name` (an entry's path, or a link target seen from `entry_dir`) may
// not be written under the scratch folder, or "" when it may.
std::string UnsafeEntryReason(std::string_view name);
std::string UnsafeLinkReason(std::string_view entry_name, std::string_view target);

}  // namespace ctodesk::backups
