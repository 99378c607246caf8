// What the dashboard shows, read from the store with the same calls the CLI
// uses: the briefing (open findings ranked failing first, resolved since
// yesterday, days running), each desk's freshness, and a desk's own history.
// Pure data: html.cc and api.cc render it; no HTTP here.
//
// Functions take the Store they read; the Store is not thread-safe, so the
// caller serialises (dashboard/app.h holds a mutex).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/briefing.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/finding.h"
#include "store/store.h"

namespace ctodesk::dashboard {

// The filters of the briefing, all kept in the URL query so a view can be
// bookmarked: ?desk=health&severity=act-now&tag=security&q=checkout&failing=1.
// `tag` is a finding's business concern (customers, security, delivery,
// people, suppliers, technology). `failing` hides FYI findings.
struct BriefFilter {
  std::string desk;
  std::string severity;
  std::string tag;
  std::string q;  // case-insensitive, in title, subject and detail
  bool failing_only = false;
  bool Matches(const Finding& f) const;
  bool Empty() const { return desk.empty() && severity.empty() && tag.empty() && q.empty() && !failing_only; }
};

// How fresh a desk's information is. A page that stays green while the
// checker is dead is worse than no page, so never-ran, failed and stale
// (last run longer ago than `kStaleAfter`) are warnings.
enum class Freshness { kFresh, kNeverRan, kFailed, kStale };
std::string_view FreshnessName(Freshness f);  // "fresh", "never-ran", "failed", "stale"
constexpr std::chrono::hours kStaleAfter{26};  // a daily run, plus slack

struct DeskFreshness {
  std::string desk;
  bool configured = false;
  std::optional<DeskRun> last_run;
  Freshness state = Freshness::kNeverRan;
  std::string Warning(TimePoint now) const;  // empty when fresh
};

struct BriefView {
  TimePoint now{};
  std::string company;
  std::vector<Finding> findings;   // matching the filter, ranked most urgent first
  std::int64_t total_open = 0;     // before filtering
  std::map<Severity, std::int64_t> counts;  // of `findings`, by severity
  std::vector<Finding> resolved;   // resolved in the 24 hours before `now` (filtered too)
  std::vector<DeskFreshness> desks;
  std::map<std::string, Acknowledgement> acks;  // active, by finding id
  std::vector<std::string> tags;   // every concern present, for the filter
};

// `configured` is the desks the config has a section for, in briefing order.
Result<BriefView> LoadBriefView(Store& store, const std::vector<std::string>& configured,
                                std::string_view company, TimePoint now, const BriefFilter& filter);

Result<std::vector<DeskFreshness>> LoadFreshness(Store& store,
                                                 const std::vector<std::string>& configured,
                                                 TimePoint now);

// The history of one subject: 90 daily cells and the recent values (latency
// in ms for health, sizes in bytes for backups).
struct SubjectHistory {
  std::string subject;
  std::vector<CheckDay> days;    // oldest first, exactly `days` cells (empty days: total 0)
  std::vector<CheckRecord> recent;  // the newest checks, oldest first
  bool has_open_finding = false;
};

struct DeskView {
  std::string desk;
  TimePoint now{};
  DeskFreshness freshness;
  std::vector<DeskRun> runs;           // newest first
  std::vector<Finding> findings;       // open, ranked
  std::vector<SubjectHistory> subjects;  // this page of subjects, failing first
  std::int64_t subject_total = 0;
  std::int64_t offset = 0;
  std::int64_t limit = 0;
  // keys desk only
  std::vector<KeyRecord> keys;
  std::map<std::string, std::int64_t> last_use_ms;  // by key id
  std::map<std::string, std::int64_t> uses_24h;     // by key id, at most kUsageCap + 1
  std::vector<AuditEntry> audit;       // newest first, at most 100
  std::map<std::string, Acknowledgement> acks;
  std::vector<Figure> figures;  // the desk's pictures from its last run (kFiguresState)
};

constexpr std::int64_t kUsageCap = 1000;  // uses per key counted for the keys page

struct DeskViewOptions {
  int days = 90;
  std::int64_t offset = 0;  // paging through subjects
  std::int64_t limit = 50;
  std::int64_t recent = 48;  // checks per subject for sparklines
};

Result<DeskView> LoadDeskView(Store& store, const std::vector<std::string>& configured,
                              std::string_view desk, TimePoint now, const DeskViewOptions& options);

// Days the finding has been running as of `now`, never below 1.
int DaysOpen(const Finding& f, TimePoint now);

}  // namespace ctodesk::dashboard
