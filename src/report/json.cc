// The JSON briefing: the stable, documented shape in docs/brief.schema.json
// that scripts, the dashboard and other tools read. Keys are written in a
// fixed order (ordered_json) so that diffs between two mornings and golden
// files in tests are meaningful. Every key is always present, with "" or []
// rather than absent, so consumers need no existence checks.
//
// Desks read logs and archives, so text can hold invalid UTF-8; it is
// replaced with U+FFFD rather than failing the whole briefing.
#include <algorithm>
#include <string>

#include <nlohmann/json.hpp>

#include "report/finding_json.h"
#include "report/phrases.h"
#include "core/json_text.h"
#include "report/report.h"

namespace ctodesk {
namespace {

using Json = nlohmann::ordered_json;


}  // namespace

nlohmann::ordered_json report::FindingJson(const Finding& f, TimePoint days_as_of) {
  using Json = nlohmann::ordered_json;
  Json evidence = Json::object();
  for (const auto& [key, value] : f.evidence) evidence[key] = value;
  return Json{
      {"id", f.Id()},
      {"desk", f.desk},
      {"subject", f.subject},
      {"kind", f.kind},
      {"severity", std::string(SeverityName(f.severity))},
      {"title", f.title},
      {"detail", f.detail},
      {"action", f.action},
      {"first_seen", FormatTime(f.first_seen)},
      {"last_seen", FormatTime(f.last_seen)},
      // Never below 1: a first_seen after "now" (a clock that moved back) is new today.
      {"days_running", std::max(1, DaysRunning(f, days_as_of))},
      {"evidence", std::move(evidence)},
      {"concern", std::string(ConcernName(f.concern))},
      {"plain", Json{{"risk", f.plain.risk}, {"doing", f.plain.doing}, {"ask", f.plain.ask}}},
  };
}

std::string RenderJson(const Briefing& b) {
  Json findings = Json::array();
  for (const Finding& f : b.findings) findings.push_back(report::FindingJson(f, b.generated_at));

  Json resolved = Json::array();
  for (const Finding& f : b.resolved) {
    // days_running of a resolved finding: how long it ran until it was fixed.
    TimePoint at = report_internal::ResolvedAt(f, b);
    Json j = report::FindingJson(f, at);
    j["resolved_at"] = FormatTime(at);
    resolved.push_back(std::move(j));
  }

  Json desks = Json::array();
  for (const DeskStatus& d : b.desks) {
    desks.push_back(Json{
        {"name", d.name},
        {"ok", d.ok},
        {"duration_ms", d.duration_ms},
        {"checked", d.checked},
        {"error", d.ok ? std::string() : d.error},
    });
  }

  Json doc{
      {"generated_at", FormatTime(b.generated_at)},
      {"company", b.company},
      {"summary", SummaryLine(b)},
      {"findings", std::move(findings)},
      {"resolved", std::move(resolved)},
      {"desks", std::move(desks)},
  };
  return JsonText(doc, 2) + "\n";
}

}  // namespace ctodesk
