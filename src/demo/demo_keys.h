// The demo company's API keys for the keys desk: keys issued (with plans and
// limits) in the demo's store, and a gateway access log of the last two days
// in which one client, Initech Analytics, pulls customer records one id after
// the other — the desk ingests the log and stops it. Also a key about to
// expire and an old key nobody uses. The plain keys are never written
// anywhere — except the one the leak demo commits (`leaked_key`): Globex's
// key, committed to repos/payments-api 6 days ago (demo_leaks.h), whose
// traffic before and during the exposure comes from Globex's own systems
// only. Internal to the demo. Not thread-safe.
#pragma once

#include <filesystem>
#include <string>

#include "core/clock.h"
#include "core/error.h"

namespace ctodesk {

// Issues the keys in <dir>/.ctodesk/desk.db and writes logs/gateway-access.log;
// returns the [keys] config section. `leaked_key` receives Globex's plain key
// for the leak demo.
Result<std::string> WriteDemoKeys(const std::filesystem::path& dir, TimePoint now, std::string* leaked_key);

// How many days ago the demo's own key was committed (demo_leaks.cc).
constexpr int kDemoKeyLeakedDaysAgo = 6;

}  // namespace ctodesk
