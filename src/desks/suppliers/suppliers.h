// The suppliers desk: which third-party feeds are late, missing or bad? Each
// feed in [[suppliers.feeds]] names a drop folder and glob, a cron schedule in
// a time zone with a grace period, the systems downstream of it, and quality
// rules (quality.h). On each run the desk reads every delivery that arrived
// since the last run (arrival = file mtime; streamed, compressed or not),
// checks its rules, and records it in the store (size, rows, each rule's
// result). It then matches deliveries to scheduled slots and reports:
//   missing past its grace      act-now when a downstream is named, else today
//   latest delivery late        today (late twice or more in 7 days: this-week)
//   a quality rule failed       today, naming the rule, column and sample rows
//   schema drift                act-now
// `Reliability` turns the recorded history into on-time rate, quality pass
// rate and mean lateness per supplier over 30 and 90 days.
//
// Not thread-safe: one run at a time per store.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/cron.h"
#include "desks/desk.h"
#include "desks/suppliers/quality.h"
#include "desks/suppliers/reader.h"

namespace ctodesk::suppliers {

struct Feed {
  std::string name;
  std::string supplier;
  std::filesystem::path folder;
  std::string glob = "*";
  std::optional<CronSchedule> schedule;  // always set once configured
  Duration grace = std::chrono::hours(1);
  std::vector<std::string> downstream;  // systems that depend on the feed
  Format format = Format::kAuto;
  Rules rules;
};

struct Settings {
  std::vector<Feed> feeds;
  int lookback_days = 90;  // deliveries older than this are not read
  bool progress = true;    // progress bar for large deliveries on a TTY
};

// Reads [suppliers]; records config errors on the table. Exposed for tests.
Settings ReadSettings(ConfigTable& section);

// One recorded delivery (a CheckRecord of desk "suppliers", subject = feed).
struct Delivery {
  std::string file;
  TimePoint arrived{};
  std::int64_t size = 0;
  std::int64_t rows = 0;
  bool ok = false;  // every rule passed
  std::string format, compression;
  std::vector<std::string> columns;
  std::vector<RuleResult> rules;
};

enum class SlotStatus { kOnTime, kLate, kMissing, kPending };
std::string_view SlotStatusName(SlotStatus s);  // "on-time", "late", "missing", "pending"

// A scheduled delivery and what arrived for it.
struct Slot {
  TimePoint due{};
  SlotStatus status = SlotStatus::kPending;
  std::optional<size_t> delivery;  // index into the deliveries given to MatchSlots
  Duration lateness{0};            // arrival - due, when delivered (negative: early)
};

// Matches arrivals (sorted, oldest first) to the schedule's slots due in
// [since, now]. A slot's window opens a quarter of the interval before it is
// due (at most 6 h early) and closes where the next slot's opens; the first
// arrival in the window is the slot's delivery, later ones are extra. Pure.
std::vector<Slot> MatchSlots(const CronSchedule& schedule, Duration grace, TimePoint since,
                             TimePoint now, const std::vector<TimePoint>& arrivals);

struct Reliability {
  std::string supplier;
  std::vector<std::string> feeds;
  int days = 30;
  std::int64_t due = 0, on_time = 0, late = 0, missing = 0;
  std::int64_t deliveries = 0, passed = 0;
  std::optional<double> on_time_rate, pass_rate;
  std::optional<Duration> mean_lateness;  // over late deliveries
};

class SuppliersDesk final : public Desk {
 public:
  explicit SuppliersDesk(Settings settings) : settings_(std::move(settings)) {}

  Result<DeskReport> Run(DeskContext& ctx) override;

  // Reads and records the deliveries that arrived since the last scan;
  // returns them. Fails only when a folder cannot be listed or the store fails.
  Result<std::vector<std::pair<const Feed*, Delivery>>> Scan(DeskContext& ctx);
  // Findings from what is recorded.
  Result<std::vector<Finding>> Assess(DeskContext& ctx);
  // The recorded deliveries of a feed since `since`, oldest first.
  Result<std::vector<Delivery>> Deliveries(DeskContext& ctx, const Feed& feed, TimePoint since);
  // Per supplier, over the last `days` days.
  Result<std::vector<Reliability>> ReliabilityOver(DeskContext& ctx, int days);

  const Settings& settings() const { return settings_; }

 private:
  // When monitoring of a feed started: its first run or first delivery.
  Result<TimePoint> MonitoredSince(DeskContext& ctx, const Feed& feed,
                                   const std::vector<Delivery>& deliveries);
  Settings settings_;
};

std::unique_ptr<Desk> Configure(ConfigTable& section);

// Decodes a delivery from its stored record; nullopt when the detail is not ours.
std::optional<Delivery> DeliveryFromRecord(const CheckRecord& record);

}  // namespace ctodesk::suppliers
