// The releases desk: what ships today and this week, and what slipped.
// Releases come from [[releases.release]] tables in the config and from an
// ICS calendar (ics.h; events filtered by a summary prefix or a category);
// a release is shipped when the config says so or when its tag exists in the
// configured git repository (read with `git for-each-ref`; the tag's date is
// when it shipped). A calendar event names its tag in its summary
// ("Release: v2.4.0") or not at all. Findings:
//   due before today, not shipped (within `lookback`)   act-now
//   due today, not shipped                              today
//   due in the next 6 days                              this-week
//   shipped in the last 24 hours                        fyi
// A calendar event without a tag cannot be seen to ship, so once past it is
// only listed, never reported overdue. Not thread-safe (one run at a time).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "desks/desk.h"
#include "desks/releases/ics.h"

namespace ctodesk::releases {

using Day = std::chrono::sys_days;

struct Release {
  std::string name;
  std::string owner;
  std::string status = "planned";  // "planned", "shipped" or "cancelled"
  std::string tag;                 // empty: none known
  Day due{};
  std::optional<TimePoint> due_at;      // a timed calendar event's instant
  std::optional<TimePoint> shipped_at;  // from the config or the tag
  std::string source;                   // "ctodesk.toml:12" or "releases.ics:40"
  bool from_calendar = false;
};

struct Settings {
  std::optional<std::filesystem::path> calendar;
  std::string summary_prefix;  // "Release:"; matched case-insensitively, then stripped
  std::string category;        // "release"; matched case-insensitively
  std::optional<std::filesystem::path> repo;
  std::string timezone = "UTC";  // which day "today" is
  int lookback_days = 30;        // how far back overdue releases are reported
  int ahead_days = 30;           // how far ahead `releases list` looks
  std::vector<Release> releases;  // from the config
};

Settings ReadSettings(ConfigTable& section);
std::unique_ptr<Desk> Configure(ConfigTable& section);

// Tags of a repository and their dates (annotated: the tagger date;
// lightweight: the commit date), via `git -C repo for-each-ref`.
Result<std::map<std::string, TimePoint>> ReadTags(const std::filesystem::path& repo);

// Releases from the calendar occurring in [from, to) that pass the filters.
// The tag is the first word of the summary that looks like a version
// ("v2.4.0", "2.4", "mobile-1.3.0").
std::vector<Release> FromCalendar(const ics::Calendar& cal, const Settings& s, const std::string& source,
                                  TimePoint from, TimePoint to);

enum class State { kShipped, kCancelled, kOverdue, kDueToday, kUpcoming, kPast };
std::string_view StateName(State s);

struct Status {
  Release release;
  State state;
};

// Every release from both sources with its state on `today`, sorted by due
// date. Tags mark releases shipped.
Result<std::vector<Status>> Collect(const Settings& s, TimePoint now, std::vector<std::string>* warnings);

// The findings for a set of statuses (pure; exposed for tests).
std::vector<Finding> Assess(const std::vector<Status>& statuses, const Settings& s, TimePoint now);

class ReleasesDesk final : public Desk {
 public:
  explicit ReleasesDesk(Settings settings) : settings_(std::move(settings)) {}
  Result<DeskReport> Run(DeskContext& ctx) override;
  const Settings& settings() const { return settings_; }

 private:
  Settings settings_;
};

}  // namespace ctodesk::releases
