#include "dashboard/api.h"
#include "core/json_text.h"

#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "report/finding_json.h"

#include "desks/keys/registry.h"

namespace ctodesk::dashboard {

namespace {

using Json = nlohmann::ordered_json;

std::string Dump(const Json& j) {
  return JsonText(j) + "\n";
}

// The briefing's finding shape (report/finding_json.h), plus what only the
// dashboard knows: "tag" (the API's name for the concern), resolved_at and
// the acknowledgement.
Json FindingJson(const Finding& f, TimePoint now, const std::map<std::string, Acknowledgement>& acks) {
  Json j = report::FindingJson(f, f.resolved_at.value_or(now));
  j["tag"] = std::string(ConcernName(f.concern));
  j["acknowledged"] = nullptr;
  if (f.resolved_at) j["resolved_at"] = FormatTime(*f.resolved_at);
  if (auto a = acks.find(f.Id()); a != acks.end()) {
    j["acknowledged"] = Json{{"by", a->second.by},
                             {"note", a->second.note},
                             {"at", FormatTime(a->second.at)},
                             {"expires_at", FormatTime(a->second.expires_at)}};
  }
  return j;
}

Json FreshnessJson(const DeskFreshness& d, TimePoint now) {
  Json last = nullptr;
  if (d.last_run) {
    last = Json{{"started_at", FormatTime(d.last_run->started_at)},
                {"ok", d.last_run->ok},
                {"duration_ms", d.last_run->duration_ms},
                {"checked", d.last_run->checked},
                {"error", d.last_run->error}};
  }
  return Json{{"desk", d.desk},
              {"configured", d.configured},
              {"state", std::string(FreshnessName(d.state))},
              {"warning", d.Warning(now)},
              {"last_run", std::move(last)}};
}

std::string Label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

}  // namespace

std::string BriefJson(const BriefView& v, const BriefFilter& filter, std::int64_t offset,
                      std::int64_t limit) {
  const std::int64_t total = static_cast<std::int64_t>(v.findings.size());
  offset = std::clamp<std::int64_t>(offset, 0, total);
  const std::int64_t end = std::min(total, offset + limit);
  Json findings = Json::array();
  for (std::int64_t i = offset; i < end; ++i) {
    findings.push_back(FindingJson(v.findings[static_cast<size_t>(i)], v.now, v.acks));
  }
  Json counts = Json::object();
  for (Severity s : {Severity::kActNow, Severity::kToday, Severity::kThisWeek, Severity::kFyi}) {
    auto it = v.counts.find(s);
    counts[std::string(SeverityName(s))] = it == v.counts.end() ? 0 : it->second;
  }
  Json resolved = Json::array();
  for (const Finding& f : v.resolved) resolved.push_back(FindingJson(f, v.now, v.acks));
  Json desks = Json::array();
  for (const DeskFreshness& d : v.desks) desks.push_back(FreshnessJson(d, v.now));
  Json j{{"generated_at", FormatTime(v.now)},
         {"company", v.company},
         {"filter",
          {{"desk", filter.desk},
           {"severity", filter.severity},
           {"tag", filter.tag},
           {"q", filter.q},
           {"failing", filter.failing_only}}},
         {"total_open", v.total_open},
         {"total", total},
         {"counts", std::move(counts)},
         {"offset", offset},
         {"limit", limit},
         {"next_cursor", end < total ? Json(std::to_string(end)) : Json(nullptr)},
         {"findings", std::move(findings)},
         {"resolved", std::move(resolved)},
         {"desks", std::move(desks)}};
  return Dump(j);
}

std::string DesksJson(const std::vector<DeskFreshness>& desks, TimePoint now) {
  Json arr = Json::array();
  for (const DeskFreshness& d : desks) arr.push_back(FreshnessJson(d, now));
  return Dump(Json{{"generated_at", FormatTime(now)}, {"desks", std::move(arr)}});
}

std::string DeskFindingsJson(const DeskView& v) {
  Json arr = Json::array();
  for (const Finding& f : v.findings) arr.push_back(FindingJson(f, v.now, v.acks));
  return Dump(Json{{"generated_at", FormatTime(v.now)},
                   {"desk", v.desk},
                   {"freshness", FreshnessJson(v.freshness, v.now)},
                   {"findings", std::move(arr)}});
}

std::string DeskHistoryJson(const DeskView& v) {
  Json runs = Json::array();
  for (const DeskRun& r : v.runs) {
    runs.push_back(Json{{"started_at", FormatTime(r.started_at)},
                        {"ok", r.ok},
                        {"duration_ms", r.duration_ms},
                        {"checked", r.checked},
                        {"error", r.error}});
  }
  Json subjects = Json::array();
  for (const SubjectHistory& h : v.subjects) {
    Json days = Json::array();
    for (const CheckDay& c : h.days) {
      days.push_back(Json{{"day", FormatTime(c.day).substr(0, 10)}, {"checks", c.total}, {"ok", c.ok}});
    }
    Json recent = Json::array();
    for (const CheckRecord& c : h.recent) {
      recent.push_back(Json{{"at", FormatTime(c.at)}, {"ok", c.ok}, {"value", c.value}});
    }
    subjects.push_back(Json{{"subject", h.subject},
                            {"open_finding", h.has_open_finding},
                            {"days", std::move(days)},
                            {"recent", std::move(recent)}});
  }
  const std::int64_t next = v.offset + v.limit;
  Json j{{"generated_at", FormatTime(v.now)},
         {"desk", v.desk},
         {"freshness", FreshnessJson(v.freshness, v.now)},
         {"runs", std::move(runs)},
         {"subject_total", v.subject_total},
         {"offset", v.offset},
         {"limit", v.limit},
         {"next_cursor", next < v.subject_total ? Json(std::to_string(next)) : Json(nullptr)},
         {"subjects", std::move(subjects)}};
  if (v.desk == "keys") {
    Json keys = Json::array();
    for (const KeyRecord& k : v.keys) {
      auto last = v.last_use_ms.find(k.id);
      auto uses = v.uses_24h.find(k.id);
      keys.push_back(Json{{"id", k.id},
                          {"hint", k.hint},
                          {"owner", k.owner},
                          {"client", k.client},
                          {"plan", k.plan},
                          {"status", std::string(keys::KeyStatusName(keys::StatusOf(k, v.now)))},
                          {"suspend_reason", k.suspend_reason},
                          {"revoke_reason", k.revoke_reason},
                          {"last_used_ms", last == v.last_use_ms.end() ? Json(nullptr) : Json(last->second)},
                          {"uses_24h", uses == v.uses_24h.end() ? Json(nullptr)
                                                                : Json(std::min(uses->second, kUsageCap))},
                          {"uses_24h_more", uses != v.uses_24h.end() && uses->second > kUsageCap}});
    }
    Json audit = Json::array();
    for (const AuditEntry& e : v.audit) {
      audit.push_back(Json{{"seq", e.seq},
                           {"at", FormatTime(e.at)},
                           {"actor", e.actor},
                           {"action", e.action},
                           {"key_id", e.key_id},
                           {"detail", e.detail}});
    }
    j["keys"] = std::move(keys);
    j["audit"] = std::move(audit);
  }
  return Dump(j);
}

std::string RenderMetrics(const MetricsInput& in) {
  std::string out;
  out += "# HELP ctodesk_findings_open Open findings by desk and severity.\n"
         "# TYPE ctodesk_findings_open gauge\n";
  std::map<std::pair<std::string, Severity>, std::int64_t> counts;
  std::set<std::string> desks(in.desks.begin(), in.desks.end());
  for (const Finding& f : in.open) {
    ++counts[{f.desk, f.severity}];
    desks.insert(f.desk);
  }
  for (const std::string& d : desks) {
    for (Severity s : {Severity::kActNow, Severity::kToday, Severity::kThisWeek, Severity::kFyi}) {
      auto it = counts.find({d, s});
      out += fmt::format("ctodesk_findings_open{{desk=\"{}\",severity=\"{}\"}} {}\n", Label(d),
                         SeverityName(s), it == counts.end() ? 0 : it->second);
    }
  }
  out += "# HELP ctodesk_desk_last_run_duration_seconds How long the latest run of each desk took.\n"
         "# TYPE ctodesk_desk_last_run_duration_seconds gauge\n";
  for (const DeskRun& r : in.latest) {
    out += fmt::format("ctodesk_desk_last_run_duration_seconds{{desk=\"{}\"}} {:.3f}\n", Label(r.desk),
                       static_cast<double>(r.duration_ms) / 1000.0);
  }
  out += "# HELP ctodesk_desk_last_run_timestamp_seconds When the latest run of each desk started.\n"
         "# TYPE ctodesk_desk_last_run_timestamp_seconds gauge\n";
  for (const DeskRun& r : in.latest) {
    out += fmt::format("ctodesk_desk_last_run_timestamp_seconds{{desk=\"{}\"}} {}\n", Label(r.desk),
                       ToUnix(r.started_at));
  }
  out += "# HELP ctodesk_desk_last_run_ok 1 when the latest run of the desk succeeded, 0 when it failed.\n"
         "# TYPE ctodesk_desk_last_run_ok gauge\n";
  for (const DeskRun& r : in.latest) {
    out += fmt::format("ctodesk_desk_last_run_ok{{desk=\"{}\"}} {}\n", Label(r.desk), r.ok ? 1 : 0);
  }
  out += "# HELP ctodesk_desk_runs_total Runs of each desk recorded in the store.\n"
         "# TYPE ctodesk_desk_runs_total counter\n";
  for (const DeskRunTotals& t : in.totals) {
    out += fmt::format("ctodesk_desk_runs_total{{desk=\"{}\"}} {}\n", Label(t.desk), t.runs);
  }
  out += "# HELP ctodesk_desk_run_failures_total Failed runs of each desk recorded in the store.\n"
         "# TYPE ctodesk_desk_run_failures_total counter\n";
  for (const DeskRunTotals& t : in.totals) {
    out += fmt::format("ctodesk_desk_run_failures_total{{desk=\"{}\"}} {}\n", Label(t.desk), t.failures);
  }
  if (in.guard) {
    const keys::GuardStats& g = *in.guard;
    out += "# HELP ctodesk_guard_decisions_total Guard answers since this process started, by decision.\n"
           "# TYPE ctodesk_guard_decisions_total counter\n";
    const std::pair<const char*, std::int64_t> decisions[] = {
        {"allowed", g.allowed},     {"unauthorized", g.unauthorized}, {"bad_checksum", g.bad_checksum},
        {"suspended", g.suspended}, {"throttled", g.throttled}};
    for (const auto& [name, n] : decisions) {
      out += fmt::format("ctodesk_guard_decisions_total{{decision=\"{}\"}} {}\n", name, n);
    }
    out += fmt::format(
        "# HELP ctodesk_guard_requests_total Requests the guard answered.\n"
        "# TYPE ctodesk_guard_requests_total counter\nctodesk_guard_requests_total {}\n"
        "# HELP ctodesk_guard_trips_total Detection rules that tripped and suspended a key.\n"
        "# TYPE ctodesk_guard_trips_total counter\nctodesk_guard_trips_total {}\n"
        "# HELP ctodesk_guard_usage_events_written_total Usage events written to the store.\n"
        "# TYPE ctodesk_guard_usage_events_written_total counter\n"
        "ctodesk_guard_usage_events_written_total {}\n"
        "# HELP ctodesk_guard_usage_events_dropped_total Usage events dropped because the store "
        "would not take them.\n"
        "# TYPE ctodesk_guard_usage_events_dropped_total counter\n"
        "ctodesk_guard_usage_events_dropped_total {}\n"
        "# HELP ctodesk_guard_queue_full_waits_total Answers that waited for the usage writer to "
        "catch up.\n"
        "# TYPE ctodesk_guard_queue_full_waits_total counter\n"
        "ctodesk_guard_queue_full_waits_total {}\n",
        g.requests, g.trips, g.events_written, g.events_dropped, g.queue_full_waits);
  }
  return out;
}

}  // namespace ctodesk::dashboard
