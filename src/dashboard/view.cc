#include "dashboard/view.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace ctodesk::dashboard {

namespace {

bool ContainsFolded(std::string_view haystack, std::string_view lowered_needle) {
  if (lowered_needle.empty()) return true;
  auto it = std::search(haystack.begin(), haystack.end(), lowered_needle.begin(),
                        lowered_needle.end(), [](char a, char b) {
                          return std::tolower(static_cast<unsigned char>(a)) == b;
                        });
  return it != haystack.end();
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

bool BriefFilter::Matches(const Finding& f) const {
  if (!desk.empty() && f.desk != desk) return false;
  if (!severity.empty() && SeverityName(f.severity) != severity) return false;
  if (!tag.empty() && ConcernName(f.concern) != tag) return false;
  if (failing_only && f.severity == Severity::kFyi) return false;
  if (!q.empty()) {
    std::string needle = Lower(q);
    if (!ContainsFolded(f.title, needle) && !ContainsFolded(f.subject, needle) &&
        !ContainsFolded(f.detail, needle)) {
      return false;
    }
  }
  return true;
}

std::string_view FreshnessName(Freshness f) {
  switch (f) {
    case Freshness::kFresh: return "fresh";
    case Freshness::kNeverRan: return "never-ran";
    case Freshness::kFailed: return "failed";
    case Freshness::kStale: return "stale";
  }
  return "fresh";
}

std::string DeskFreshness::Warning(TimePoint now) const {
  switch (state) {
    case Freshness::kFresh: return "";
    case Freshness::kNeverRan:
      return fmt::format("The {} desk has never run: nothing it watches is being checked.", desk);
    case Freshness::kFailed:
      return fmt::format("The {} desk failed on its last run: {}", desk,
                         last_run && !last_run->error.empty() ? last_run->error : "no reason given");
    case Freshness::kStale:
      return fmt::format("The {} desk last ran {} ago: its findings may be out of date.", desk,
                         HumanDuration(now - last_run->started_at));
  }
  return "";
}

int DaysOpen(const Finding& f, TimePoint now) { return std::max(1, DaysRunning(f, now)); }

Result<std::vector<DeskFreshness>> LoadFreshness(Store& store,
                                                 const std::vector<std::string>& configured,
                                                 TimePoint now) {
  auto runs = store.LatestRuns();
  if (!runs) return Fail(runs.error());
  std::vector<DeskFreshness> out;
  std::set<std::string> seen;
  auto add = [&](const std::string& desk, bool is_configured) {
    if (!seen.insert(desk).second) return;
    DeskFreshness d;
    d.desk = desk;
    d.configured = is_configured;
    for (const DeskRun& r : *runs) {
      if (r.desk == desk) d.last_run = r;
    }
    if (!d.last_run) d.state = Freshness::kNeverRan;
    else if (!d.last_run->ok) d.state = Freshness::kFailed;
    else if (now - d.last_run->started_at > kStaleAfter) d.state = Freshness::kStale;
    else d.state = Freshness::kFresh;
    out.push_back(std::move(d));
  };
  for (const std::string& desk : configured) add(desk, true);
  for (const DeskRun& r : *runs) add(r.desk, false);
  return out;
}

Result<BriefView> LoadBriefView(Store& store, const std::vector<std::string>& configured,
                                std::string_view company, TimePoint now, const BriefFilter& filter) {
  BriefView v;
  v.now = now;
  v.company = company;
  auto open = store.OpenFindings("");
  if (!open) return Fail(open.error());
  v.total_open = static_cast<std::int64_t>(open->size());
  RankFindings(*open);
  std::set<std::string> tags;
  for (Finding& f : *open) {
    tags.insert(std::string(ConcernName(f.concern)));
    if (!filter.Matches(f)) continue;
    ++v.counts[f.severity];
    v.findings.push_back(std::move(f));
  }
  v.tags.assign(tags.begin(), tags.end());
  auto resolved = store.ResolvedSince(now - std::chrono::hours(24));
  if (!resolved) return Fail(resolved.error());
  for (Finding& f : *resolved) {
    BriefFilter rf = filter;
    rf.failing_only = false;
    if (rf.Matches(f)) v.resolved.push_back(std::move(f));
  }
  auto fresh = LoadFreshness(store, configured, now);
  if (!fresh) return Fail(fresh.error());
  v.desks = std::move(*fresh);
  auto acks = store.Acknowledgements(now);
  if (!acks) return Fail(acks.error());
  for (Acknowledgement& a : *acks) v.acks.emplace(a.finding_id, std::move(a));

  return v;
}

Result<DeskView> LoadDeskView(Store& store, const std::vector<std::string>& configured,
                              std::string_view desk, TimePoint now, const DeskViewOptions& options) {
  DeskView v;
  v.desk = desk;
  v.now = now;
  v.offset = std::max<std::int64_t>(0, options.offset);
  v.limit = std::clamp<std::int64_t>(options.limit, 1, 500);
  auto fresh = LoadFreshness(store, configured, now);
  if (!fresh) return Fail(fresh.error());
  bool known = false;
  for (DeskFreshness& d : *fresh) {
    if (d.desk == desk) {
      v.freshness = d;
      known = true;
    }
  }
  if (!known) return Fail(Error::NotFound(fmt::format("no desk named \"{}\" is configured or has run", desk)));
  auto runs = store.Runs(desk, 30);
  if (!runs) return Fail(runs.error());
  v.runs = std::move(*runs);
  auto findings = store.OpenFindings(desk);
  if (!findings) return Fail(findings.error());
  v.findings = std::move(*findings);
  RankFindings(v.findings);
  auto acks = store.Acknowledgements(now);
  if (!acks) return Fail(acks.error());
  for (Acknowledgement& a : *acks) v.acks.emplace(a.finding_id, std::move(a));
  auto figures = store.GetState(kFiguresState, desk);
  if (!figures) return Fail(figures.error());
  if (*figures) {
    auto j = nlohmann::json::parse(**figures, nullptr, /*allow_exceptions=*/false);
    if (j.is_array()) {
      for (const auto& f : j) {
        if (f.is_object() && f.contains("title") && f["title"].is_string() && f.contains("svg") &&
            f["svg"].is_string()) {
          v.figures.push_back({std::string(desk), f["title"].get<std::string>(), f["svg"].get<std::string>()});
        }
      }
    }
  }
  // Subjects with history, failing (an open finding) first.
  auto subjects = store.CheckSubjects(desk);
  if (!subjects) return Fail(subjects.error());
  std::set<std::string> failing;
  for (const Finding& f : v.findings) failing.insert(f.subject);
  std::stable_partition(subjects->begin(), subjects->end(),
                        [&](const std::string& s) { return failing.count(s) > 0; });
  v.subject_total = static_cast<std::int64_t>(subjects->size());
  const TimePoint today = std::chrono::floor<std::chrono::days>(now);
  const TimePoint first_day = today - std::chrono::days(options.days - 1);
  for (std::int64_t i = v.offset; i < v.subject_total && i < v.offset + v.limit; ++i) {
    SubjectHistory h;
    h.subject = (*subjects)[static_cast<size_t>(i)];
    h.has_open_finding = failing.count(h.subject) > 0;
    h.days.resize(static_cast<size_t>(options.days));
    for (int d = 0; d < options.days; ++d) h.days[static_cast<size_t>(d)].day = first_day + std::chrono::days(d);
    // Per-day counts in SQL, then only the newest checks for the sparkline:
    // a probe's 90 days of history are never all read into memory.
    auto days = store.DailyChecks(desk, h.subject, first_day);
    if (!days) return Fail(days.error());
    for (const CheckDay& c : *days) {
      auto idx = (std::chrono::floor<std::chrono::days>(c.day) - first_day) / std::chrono::days(1);
      if (idx < 0 || idx >= options.days) continue;
      CheckDay& cell = h.days[static_cast<size_t>(idx)];
      cell.total += c.total;
      cell.ok += c.ok;
    }
    // Backups keep files older than 90 days too: the latest ones, whenever.
    auto checks = store.Checks(desk, h.subject, TimePoint{}, std::max<std::int64_t>(1, options.recent));
    if (!checks) return Fail(checks.error());
    h.recent = std::move(*checks);
    v.subjects.push_back(std::move(h));
  }

  if (desk == "keys") {
    auto keys = store.ListKeys();
    if (!keys) return Fail(keys.error());
    v.keys = std::move(*keys);
    auto last = store.LastUses();
    if (!last) return Fail(last.error());
    for (auto& [id, ms] : *last) v.last_use_ms[id] = ms;
    const std::int64_t now_ms = ToUnix(now) * 1000;
    // Usage per key for the last day: the first 200 keys, each counted up to
    // kUsageCap (shown as "1000+"), so a busy key cannot make the page slow.
    for (size_t i = 0; i < v.keys.size() && i < 200; ++i) {
      auto usage = store.Usage(v.keys[i].id, now_ms - 86'400'000, now_ms + 1, kUsageCap + 1);
      if (!usage) return Fail(usage.error());
      v.uses_24h[v.keys[i].id] = static_cast<std::int64_t>(usage->size());
    }
    auto trail = store.AuditTrail();
    if (!trail) return Fail(trail.error());
    for (auto it = trail->rbegin(); it != trail->rend() && v.audit.size() < 100; ++it) {
      v.audit.push_back(std::move(*it));
    }
  }
  return v;
}

}  // namespace ctodesk::dashboard
