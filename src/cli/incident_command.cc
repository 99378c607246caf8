// `ctodesk incident open|resume|list|show|close`: the incident procedures
// (desks/incidents/procedure.h). A rotation's new keys are written once to a
// private hand-over file (0600) like `keys rotate`, never into the record.

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "core/json_text.h"
#include "cli/render.h"
#include "desks/incidents/incidents.h"
#include "desks/keys/keys.h"

namespace ctodesk::cli {

namespace {

struct IncidentArgs {
  CommonOptions common;
  std::string kind;  // open: leaked-key | data-access
  std::string id;
  std::string key, finding, key_id, exposed_since, rotate, from, to, summary, format = "md";
  std::int64_t suspension = -1;
};

std::string IncidentActor() {
  const char* user = std::getenv("USER");
  return fmt::format("cli:{}", user && *user ? user : "unknown");
}

Result<std::optional<TimePoint>> OptTime(const std::string& text, const char* flag) {
  if (text.empty()) return std::optional<TimePoint>();
  auto t = ParseTime(text);
  if (!t) {
    return Fail(Error::Invalid(
        fmt::format("{}: expected a time such as 2026-11-27T08:00:00Z or 2026-11-27, got \"{}\"", flag, text)));
  }
  return std::optional<TimePoint>(*t);
}

std::filesystem::path HandOverDir(const Session& s) { return s.setup.base_dir / ".ctodesk" / "rotations"; }

incidents::Context MakeContext(Session& s) {
  incidents::Context ctx{*s.store};
  ctx.now = s.clock->Now();
  ctx.actor = IncidentActor();
  ctx.alerts = s.setup.alerts;
  ctx.out_dir = s.setup.base_dir / "incidents";
  ctx.company = s.setup.company;
  ctx.time_zone = s.setup.time_zone;
  for (const auto& d : s.setup.desks) {
    if (d.name == "keys") ctx.key_prefix = static_cast<const keys::KeysDesk*>(d.desk.get())->settings().prefix;
    if (d.name == "incidents") ctx.settings = static_cast<const incidents::IncidentsDesk*>(d.desk.get())->settings();
  }
  // A rotation's hand-over file is written before the rotation is stored
  // (as .pending; Report names it after the incident), so a new key is never
  // valid without a file that holds it.
  ctx.before_rotation_commit = [dir = HandOverDir(s)](const std::vector<keys::Rotation>& rotations) -> Result<void> {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Fail(Error::Io(fmt::format("{}: cannot create: {}", dir.string(), ec.message())));
    return WriteFileAtomically((dir / "new-keys.csv.pending").string(), keys::RotationCsv(rotations),
                               /*owner_only=*/true);
  };
  // Without [incidents] objects, the keys desk's object patterns say what an object is.
  if (ctx.settings.objects.empty()) {
    for (const auto& d : s.setup.desks) {
      if (d.name == "keys") ctx.settings.objects = static_cast<const keys::KeysDesk*>(d.desk.get())->settings().objects;
    }
  }
  return ctx;
}

// Prints the outcome; writes the hand-over file for new keys. Exit 1 when a
// step failed (the incident stays open), 0 otherwise.
int Report(const Session& s, const incidents::RunOutcome& o) {
  const IncidentRecord& i = o.incident;
  fmt::print("{} incident {} ({}, key {}).\n", o.continued ? "Continued" : "Opened", i.id, i.kind, i.subject);
  for (const IncidentStep& st : o.steps) {
    fmt::print("  {:>2}. {:<9} {:<7} {}  {}\n", st.seq, st.name, st.status, FormatTime(st.at), st.actor);
  }
  const std::filesystem::path pending = HandOverDir(s) / "new-keys.csv.pending";
  std::error_code ec;
  if (o.rotations.empty()) std::filesystem::remove(pending, ec);  // a rotation that was not stored
  if (!o.rotations.empty()) {
    std::filesystem::path csv = HandOverDir(s) / fmt::format("{}-new-keys.csv", i.id);
    std::filesystem::rename(pending, csv, ec);
    if (ec) {
      return PrintError(Error::Io(fmt::format("the keys were rotated, but {} could not be renamed to {}: {}; "
                                              "the new keys are in {}",
                                              pending.string(), csv.string(), ec.message(), pending.string())));
    }
    fmt::print("New keys ({}): who must receive which is in {} (mode 0600, shown once; not in the record):\n",
               o.rotations.size(), csv.string());
    for (const auto& r : o.rotations) {
      fmt::print("  {} -> {}  {}{}\n", r.old_key.id, r.new_key.id, r.old_key.owner,
                 r.old_key.client.empty() ? "" : " (" + r.old_key.client + ")");
    }
  }
  if (o.failure) {
    fmt::print(stderr, "ctodesk: incident {}: {}\n", i.id, *o.failure);
    fmt::print(stderr, "ctodesk: the incident stays open; next step: {}. Fix the cause, then `ctodesk incident "
                       "resume {}`.\n", i.next_step, i.id);
    return kExitFindings;
  }
  if (i.next_step.empty()) {
    fmt::print("All steps done. Report: {}/incidents/{}.md (and .html). When the holder and customers are told: "
               "`ctodesk incident close {} --summary \"...\"`.\n", s.setup.base_dir.string(), i.id, i.id);
  }
  return kExitOk;
}

int RunOpen(const IncidentArgs& a) {
  auto session = OpenSession(a.common);
  if (!session) return PrintError(session.error());
  auto from = OptTime(a.from, "--from");
  if (!from) return PrintError(from.error());
  auto to = OptTime(a.to, "--to");
  if (!to) return PrintError(to.error());
  auto exposed = OptTime(a.exposed_since, "--exposed-since");
  if (!exposed) return PrintError(exposed.error());
  incidents::Context ctx = MakeContext(*session);
  Result<incidents::RunOutcome> outcome = Fail(Error::Invalid(""));
  if (a.kind == "leaked-key") {
    if (!a.from.empty() || !a.to.empty() || a.suspension >= 0) {
      return PrintError(Error::Invalid("incident open leaked-key: --from, --to and --suspension belong to data-access"));
    }
    incidents::LeakedKeyRequest r{a.key, a.finding, a.key_id, *exposed, a.rotate};
    outcome = incidents::OpenLeakedKey(ctx, r);
  } else if (a.kind == "data-access") {
    if (!a.finding.empty() || !a.exposed_since.empty() || !a.rotate.empty()) {
      return PrintError(Error::Invalid("incident open data-access: --finding, --exposed-since and --rotate belong "
                                       "to leaked-key"));
    }
    incidents::DataAccessRequest r;
    r.plain_key = a.key;
    r.key_id = a.key_id;
    if (a.suspension >= 0) r.suspension = a.suspension;
    r.from = *from;
    r.to = *to;
    outcome = incidents::OpenDataAccess(ctx, r);
  } else {
    return PrintError(Error::Invalid(fmt::format("incident open: expected leaked-key or data-access, got \"{}\"", a.kind)));
  }
  if (!outcome) return PrintError(outcome.error());
  return Report(*session, *outcome);
}

int RunResume(const IncidentArgs& a) {
  auto session = OpenSession(a.common);
  if (!session) return PrintError(session.error());
  incidents::Context ctx = MakeContext(*session);
  auto outcome = incidents::Resume(ctx, a.id);
  if (!outcome) return PrintError(outcome.error());
  return Report(*session, *outcome);
}

int RunList(const IncidentArgs& a) {
  auto session = OpenSession(a.common);
  if (!session) return PrintError(session.error());
  auto all = session->store->ListIncidents();
  if (!all) return PrintError(all.error());
  if (a.format == "json") {
    nlohmann::ordered_json arr = nlohmann::ordered_json::array();
    for (const IncidentRecord& i : *all) {
      arr.push_back({{"id", i.id}, {"kind", i.kind}, {"key", i.subject}, {"status", i.status},
                     {"opened_at", FormatTime(i.opened_at)}, {"next_step", i.next_step}});
    }
    fmt::print("{}\n", JsonText(arr, 2));
    return kExitOk;
  }
  if (all->empty()) {
    fmt::print("No incidents.\n");
    return kExitOk;
  }
  fmt::print("{:<9} {:<11} {:<17} {:<6} {:<20} {}\n", "id", "kind", "key", "status", "opened (UTC)", "next step");
  for (const IncidentRecord& i : *all) {
    fmt::print("{:<9} {:<11} {:<17} {:<6} {:<20} {}\n", i.id, i.kind, i.subject, i.status, FormatTime(i.opened_at),
               i.status == "closed" ? "-" : i.next_step.empty() ? "close" : i.next_step);
  }
  return kExitOk;
}

int RunShow(const IncidentArgs& a) {
  if (a.format != "md" && a.format != "html") {
    return PrintError(Error::Invalid(fmt::format("--format: expected md or html, got \"{}\"", a.format)));
  }
  auto session = OpenSession(a.common);
  if (!session) return PrintError(session.error());
  auto view = incidents::LoadIncident(*session->store, a.id);
  if (!view) return PrintError(view.error());
  fmt::print("{}", a.format == "html" ? incidents::RenderHtml(*view, session->setup.company, session->setup.time_zone)
                                      : incidents::RenderMarkdown(*view, session->setup.company,
                                                                  session->setup.time_zone));
  return kExitOk;
}

int RunClose(const IncidentArgs& a) {
  auto session = OpenSession(a.common);
  if (!session) return PrintError(session.error());
  incidents::Context ctx = MakeContext(*session);
  auto closed = incidents::Close(ctx, a.id, a.summary);
  if (!closed) return PrintError(closed.error());
  fmt::print("Closed incident {}.\n", closed->id);
  return kExitOk;
}

CLI::App* Sub(CLI::App* parent, const char* name, const char* help, std::shared_ptr<IncidentArgs> args) {
  CLI::App* c = parent->add_subcommand(name, help);
  AddCommonOptions(*c, args->common);
  return c;
}

}  // namespace

void AddIncidentCommand(CLI::App& app, Outcome& out) {
  CLI::App* inc = app.add_subcommand("incident", "Incidents: a leaked key or a data access, from procedure to record");
  inc->require_subcommand(1);

  auto open = std::make_shared<IncidentArgs>();
  CLI::App* c = Sub(inc, "open", "Run the procedure: open leaked-key (--key K|--finding ID|--key-id ID) or "
                                 "data-access (--key K|--key-id ID|--suspension N)", open);
  c->add_option("kind", open->kind, "leaked-key or data-access")->required();
  c->add_option("--key", open->key, "The plain key (looked up by hash, never stored)");
  c->add_option("--finding", open->finding, "leaked-key: a leaks finding id that names one of our keys");
  c->add_option("--key-id", open->key_id, "The key's id (key_...)");
  c->add_option("--exposed-since", open->exposed_since, "leaked-key: when it could first be seen (default: its commit)");
  c->add_option("--rotate", open->rotate, "leaked-key: also rotate the keys of its owner, client or all");
  c->add_option("--suspension", open->suspension, "data-access: the audit number of a suspension (`ctodesk keys audit` lists them)");
  c->add_option("--from", open->from, "data-access: window start (default: 24 h before the stop, or 7 days)");
  c->add_option("--to", open->to, "data-access: window end (default: now)");
  c->callback([open, &out] { out.exit_code = RunOpen(*open); });

  auto resume = std::make_shared<IncidentArgs>();
  c = Sub(inc, "resume", "Run the remaining steps of an open incident", resume);
  c->add_option("id", resume->id, "Incident id (inc-0001)")->required();
  c->callback([resume, &out] { out.exit_code = RunResume(*resume); });

  auto list = std::make_shared<IncidentArgs>();
  list->format = "term";
  c = Sub(inc, "list", "Every incident with its state", list);
  c->add_option("--format", list->format, "term or json")->check(CLI::IsMember({"term", "json"}));
  c->callback([list, &out] { out.exit_code = RunList(*list); });

  auto show = std::make_shared<IncidentArgs>();
  c = Sub(inc, "show", "The timeline report (UTC and the company's time zone)", show);
  c->add_option("id", show->id, "Incident id")->required();
  c->add_option("--format", show->format, "md or html")->capture_default_str();
  c->callback([show, &out] { out.exit_code = RunShow(*show); });

  auto close = std::make_shared<IncidentArgs>();
  c = Sub(inc, "close", "Close an incident with a summary", close);
  c->add_option("id", close->id, "Incident id")->required();
  c->add_option("--summary", close->summary, "What happened and what was done")->required();
  c->callback([close, &out] { out.exit_code = RunClose(*close); });
}

}  // namespace ctodesk::cli
