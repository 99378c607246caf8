// The demo company's planning desks, generated at demo time relative to `now`:
//   deadlines  exports/jira-done.csv: 26 weeks of finished work in Jira's
//              export format (about 2.2 items per working day, deterministic),
//              a few items in progress (two of them stuck for weeks), and three
//              commitments: one safe, one at risk, one hopeless
//   releases   releases.ics: v2.4.0 two days overdue, the mobile app due today,
//              a weekly release train; release-repo/ (made with the git CLI,
//              skipped if git is missing) where v2.3.0 was tagged 6 hours ago
// Each returns the config section for its files. Internal to the demo.
#pragma once

#include <filesystem>
#include <string>

#include "core/clock.h"
#include "core/error.h"

namespace ctodesk {

Result<std::string> WriteDemoDeadlines(const std::filesystem::path& dir, TimePoint now);
Result<std::string> WriteDemoReleases(const std::filesystem::path& dir, TimePoint now);

}  // namespace ctodesk
