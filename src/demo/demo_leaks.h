// The demo company's git repository for the leaks desk: repos/payments-api,
// built at demo time with the git CLI, with made-up credentials (random, so
// no real key ever ships in ctodesk):
//   a Stripe live key committed 40 days ago and removed 30 days ago (history)
//   an AWS access key id and secret committed 2 days ago (still at HEAD)
//   one of the demo's own API keys (`own_key`, issued by demo_keys.cc)
//   committed 6 days ago in deploy/partner-sync.env (still at HEAD)
// Internal to the demo. Not thread-safe.
#pragma once

#include <filesystem>
#include <string>

#include "core/clock.h"
#include "core/error.h"

namespace ctodesk {

// Writes the repository; returns the [leaks] config section for it. Fails
// when git is not installed or a git command fails.
Result<std::string> WriteDemoLeaks(const std::filesystem::path& dir, TimePoint now, const std::string& own_key);

}  // namespace ctodesk
