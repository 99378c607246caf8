// The demo company's backups: five series under <dir>/backups, generated at
// demo time with libarchive and SQLite (a few hundred KB each), with mtimes
// set relative to `now`:
//   app-files   healthy daily tar.gz with a .sha256 beside each
//   wiki        daily tar.zst that stopped 3 days ago (stale)
//   uploads     daily tar.gz whose newest is truncated (corrupt)
//   orders-db   daily plain pg_dump SQL whose newest shrank to a few KB
//   crm         daily SQLite copies
// app-files and crm were restored in a drill two days ago (RunDemoDrills).
// Internal to the demo. Not thread-safe.
#pragma once

#include <filesystem>
#include <string>

#include "brief/brief.h"
#include "core/clock.h"
#include "core/error.h"
#include "store/store.h"

namespace ctodesk {

// Writes the files; returns the [backups] config section for them.
Result<std::string> WriteDemoBackups(const std::filesystem::path& dir, TimePoint now);

// The restore drills the demo company ran two days ago: app-files and crm are
// really restored (into temporary folders) as of `at`, and recorded in `store`.
// Does nothing when there is no backups desk among `desks`.
Result<void> RunDemoDrills(std::vector<ConfiguredDesk>& desks, Store& store, TimePoint at);

}  // namespace ctodesk
