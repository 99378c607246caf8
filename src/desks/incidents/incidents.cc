#include "desks/incidents/incidents.h"

#include <set>

#include <fmt/format.h>

#include "desks/leaks/leaks.h"

namespace ctodesk::incidents {

namespace {
constexpr const char* kDesk = "incidents";
}  // namespace

Settings ReadSettings(ConfigTable& section) {
  Settings s;
  for (const std::string& text : section.StringList("objects")) {
    if (auto p = keys::ParseObjectPattern(text)) s.objects.push_back(std::move(*p));
    else section.Error("objects", fmt::format("expected a path with one {{id}} such as \"/customers/{{id}}\", got \"{}\"", text));
  }
  if (auto d = section.DurationValue("unhandled_leak_after")) s.unhandled_leak_after = *d;
  return s;
}

std::unique_ptr<Desk> Configure(ConfigTable& section) { return std::make_unique<IncidentsDesk>(ReadSettings(section)); }

Result<DeskReport> IncidentsDesk::Run(DeskContext& ctx) {
  const TimePoint now = ctx.clock.Now();
  DeskReport report;
  auto all = ctx.store.ListIncidents();
  if (!all) return Fail(all.error());
  std::set<std::string> keys_with_incident;
  for (const IncidentRecord& i : *all) {
    ++report.checked;
    if (i.kind == "leaked-key") keys_with_incident.insert(i.subject);
    if (i.status != "open") continue;
    auto steps = ctx.store.IncidentSteps(i.id);
    if (!steps) return Fail(steps.error());
    Finding f;
    f.desk = kDesk;
    f.subject = i.id;
    f.kind = "open";
    f.severity = Severity::kActNow;
    f.concern = Concern::kSecurity;
    std::string what = i.kind == "leaked-key" ? "leaked API key" : "data access by API key";
    f.title = fmt::format("Incident {} open: {} {}{}", i.id, what, i.subject,
                          i.next_step.empty() ? "" : fmt::format(" (stopped before step \"{}\")", i.next_step));
    std::string failed;
    for (const IncidentStep& s : *steps) {
      if (s.status == "failed") failed = s.name;
      else if (s.name == failed) failed.clear();
    }
    f.detail = fmt::format("Opened {} by {} ({} ago); {} steps recorded.{}", FormatTime(i.opened_at), i.opened_by,
                           HumanDuration(now - i.opened_at), steps->size(),
                           failed.empty() ? "" : fmt::format(" The \"{}\" step failed and must be run again.", failed));
    f.action = i.next_step.empty()
                   ? fmt::format("Once the holder and customers are told, close it: `ctodesk incident close {} "
                                 "--summary \"...\"`. The record: `ctodesk incident show {}`.", i.id, i.id)
                   : fmt::format("Finish the procedure: `ctodesk incident resume {}` (next step: {}).", i.id,
                                 i.next_step);
    f.plain.risk = i.kind == "leaked-key"
                       ? "One of the access keys we give customers got out. Until the incident is closed we cannot "
                         "say for sure who saw customer data with it."
                       : "Someone pulled more customer records through our systems than they should have.";
    f.plain.doing = "The team is following the written incident procedure and recording each step.";
    f.evidence.emplace_back("incident", i.id);
    f.evidence.emplace_back("key", i.subject);
    f.evidence.emplace_back("opened", FormatTime(i.opened_at));
    f.evidence.emplace_back("next step", i.next_step.empty() ? "close" : i.next_step);
    report.findings.push_back(std::move(f));
  }
  auto leaked = leaks::LeakedKeys(ctx.store);
  if (!leaked) return Fail(leaked.error());
  for (const leaks::LeakedKeyRecord& l : *leaked) {
    ++report.checked;
    if (keys_with_incident.contains(l.key_id)) continue;
    Duration waiting = now - FromUnix(l.found_at);
    if (l.found_at == 0 || waiting < settings_.unhandled_leak_after) continue;
    Finding f;
    f.desk = kDesk;
    f.subject = l.key_id;
    f.kind = "leak-without-incident";
    f.severity = Severity::kActNow;
    f.concern = Concern::kSecurity;
    f.title = fmt::format("Leaked key {} has no incident after {}", l.key_id, HumanDuration(waiting));
    f.detail = fmt::format("The leaks desk found it in {} ({}) at {} and {} it; nobody has run the leaked-key "
                           "procedure since.", l.repo, l.where, FormatTime(FromUnix(l.found_at)), l.action);
    f.action = fmt::format("`ctodesk incident open leaked-key --key-id {}`", l.key_id);
    f.plain.risk = "One of the access keys we give customers got out, and nobody has yet checked whether it was used.";
    f.plain.doing = "The team needs to run the leaked-key procedure now.";
    f.evidence.emplace_back("key", l.key_id);
    f.evidence.emplace_back("found", FormatTime(FromUnix(l.found_at)));
    if (!l.commit.empty()) f.evidence.emplace_back("commit", l.commit.substr(0, 12));
    report.findings.push_back(std::move(f));
  }
  return report;
}

}  // namespace ctodesk::incidents
