// The demo company's repositories for the knowledge desk, written with
// libgit2 (git/history.h RepoWriter) at dates relative to `now`:
//   repos/payments: billing known only by Olga, who left 4 months ago
//     (act-now); the ledger known by Ann alone and changed last week
//     (this-week); truck factor 1 (this-week); Ann commits under two
//     e-mails (merged by name); a vendored SDK that does not count.
//   repos/storefront: one person a year ago, four people now: the truck
//     factor rose (fyi).
// Internal to the demo. Not thread-safe.
#pragma once

#include <filesystem>
#include <string>

#include "core/clock.h"
#include "core/error.h"

namespace ctodesk {

// Writes both repositories; returns the [knowledge] config section for them.
Result<std::string> WriteDemoKnowledge(const std::filesystem::path& dir, TimePoint now);

}  // namespace ctodesk
