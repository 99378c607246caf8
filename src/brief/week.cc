#include "brief/week.h"

#include <chrono>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace ctodesk {

namespace {

constexpr auto kWeek = std::chrono::hours(24 * 7);

// The latest record of each subject of `desk` in the week, by subject.
Result<std::map<std::string, CheckRecord>> LatestOfWeek(Store& store, std::string_view desk,
                                                        TimePoint from) {
  std::map<std::string, CheckRecord> latest;
  auto subjects = store.CheckSubjects(desk);
  if (!subjects) return Fail(subjects.error());
  for (const std::string& subject : *subjects) {
    auto records = store.Checks(desk, subject, from, 1);
    if (!records) return Fail(records.error());
    if (!records->empty()) latest.emplace(subject, records->back());
  }
  return latest;
}

std::string DayText(TimePoint t) {
  const std::chrono::year_month_day d{std::chrono::floor<std::chrono::days>(t)};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                     static_cast<unsigned>(d.day()));
}

// A record's detail as JSON (an empty object when it is not).
nlohmann::json Detail(const CheckRecord& r) {
  auto j = nlohmann::json::parse(r.detail, nullptr, /*allow_exceptions=*/false);
  return j.is_object() ? j : nlohmann::json::object();
}

std::string Field(const nlohmann::json& detail, const char* key) {
  if (!detail.contains(key)) return {};
  const auto& v = detail[key];
  return v.is_string() ? v.get<std::string>() : v.dump();
}

}  // namespace

Result<WeekReview> ReviewWeek(const Briefing& today, Store& store) {
  WeekReview w;
  w.to = today.generated_at;
  w.from = w.to - kWeek;
  for (const Finding& f : today.findings) {
    (f.first_seen >= w.from ? w.new_risks : w.continuing).push_back(f);
  }
  auto resolved = store.ResolvedSince(w.from);
  if (!resolved) return Fail(resolved.error());
  w.resolved = std::move(*resolved);

  const std::string today_day = DayText(w.to);
  const std::string from_day = DayText(w.from);

  auto releases = LatestOfWeek(store, "releases", w.from);
  if (!releases) return Fail(releases.error());
  for (const auto& [name, r] : *releases) {
    const nlohmann::json detail = Detail(r);
    const std::string due = Field(detail, "due");
    const std::string state = Field(detail, "state");
    if (due.empty() || due < from_day || due > today_day) continue;
    if (state == "due today" || (state != "shipped" && due == today_day)) continue;  // not decided yet
    PromiseOutcome p{"The " + name + " release", due, r.ok, !r.ok && state == "shipped", {}};
    p.how = p.kept ? "went out on time" : p.late ? "went out, but late" : "has not gone out yet";
    w.promises.push_back(std::move(p));
  }

  auto commitments = LatestOfWeek(store, "deadlines", w.from);
  if (!commitments) return Fail(commitments.error());
  for (const auto& [name, r] : *commitments) {
    const nlohmann::json detail = Detail(r);
    const std::string due = Field(detail, "due");
    const std::string items = Field(detail, "items");
    if (due.empty() || due < from_day || due >= today_day) continue;
    PromiseOutcome p{"\"" + name + "\"", due, items == "0", false, {}};
    p.how = p.kept ? "was delivered on time"
                   : fmt::format("was not finished: {} piece{} of work still open", items,
                                 items == "1" ? "" : "s");
    w.promises.push_back(std::move(p));
  }
  return w;
}

}  // namespace ctodesk
