// `ctodesk keys ...`: flag parsing and one library call each (desks/keys/).
// The plain key is printed once, by `keys issue`; `keys rotate` writes the new
// keys to private files (0600) for handing over, and prints only ids.

#include <cstdlib>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "core/json_text.h"
#include "cli/render.h"
#include "desks/keys/audit.h"
#include "desks/keys/ingest.h"
#include "desks/keys/keys.h"
#include "desks/keys/registry.h"

namespace ctodesk::cli {

namespace {

using Json = nlohmann::ordered_json;

struct KeysArgs {
  CommonOptions common;
  std::string format = "term";
  std::string id, key, owner, client, plan = "default", expires, reason, grace, out_dir;
  std::vector<std::string> scopes;
  bool all = false, verify = false, no_suspend = false;
  std::string from, to, exposed_since;
  std::string file, log_format = "nginx-combined";
};

std::string Actor() {
  const char* user = std::getenv("USER");
  return fmt::format("cli:{}", user && *user ? user : "unknown");
}

keys::Settings SettingsOf(const Session& s) {
  for (const auto& d : s.setup.desks) {
    if (d.name == "keys") return static_cast<const keys::KeysDesk*>(d.desk.get())->settings();
  }
  return {};
}

// ID or --key K (the plain key is hashed and looked up, never echoed).
Result<KeyRecord> Resolve(Store& store, const KeysArgs& a) {
  if (!a.key.empty()) {
    auto k = keys::FindByPlainKey(store, a.key);
    if (!k) return Fail(k.error());
    if (!*k) return Fail(Error::NotFound("--key: not a key in the registry"));
    return **k;
  }
  if (a.id.empty()) return Fail(Error::Invalid("name the key: an ID, or --key K"));
  return keys::GetKeyOrFail(store, a.id);
}

Result<std::optional<Duration>> OptDuration(const std::string& text, const char* flag) {
  if (text.empty()) return std::optional<Duration>();
  auto d = ParseDuration(text);
  if (!d) return Fail(Error::Invalid(fmt::format("{}: expected a duration such as 24h or 90d, got \"{}\"", flag, text)));
  return std::optional<Duration>(*d);
}

Result<std::optional<TimePoint>> OptTime(const std::string& text, const char* flag) {
  if (text.empty()) return std::optional<TimePoint>();
  auto t = ParseTime(text);
  if (!t) return Fail(Error::Invalid(fmt::format("{}: expected a time such as 2026-11-27T08:00:00Z, got \"{}\"", flag, text)));
  return std::optional<TimePoint>(*t);
}

Json KeyJson(const KeyRecord& k, TimePoint now, std::optional<std::int64_t> last_use) {
  Json j = {{"id", k.id},           {"hint", k.hint},
            {"owner", k.owner},     {"client", k.client},
            {"scopes", k.scopes},   {"plan", k.plan},
            {"status", keys::KeyStatusName(keys::StatusOf(k, now))},
            {"created_at", FormatTime(k.created_at)},
            {"expires_at", k.expires_at ? Json(FormatTime(*k.expires_at)) : Json(nullptr)},
            {"revoked_at", k.revoked_at ? Json(FormatTime(*k.revoked_at)) : Json(nullptr)},
            {"suspended_at", k.suspended_at ? Json(FormatTime(*k.suspended_at)) : Json(nullptr)},
            {"reason", k.suspended_at ? k.suspend_reason : k.revoke_reason},
            {"replaced_by", k.replaced_by},
            {"last_used", last_use ? Json(FormatTime(FromUnix(*last_use / 1000))) : Json(nullptr)}};
  return j;
}

int RunIssue(const KeysArgs& a) {
  auto session = OpenSession(a.common);
  if (!session) return PrintError(session.error());
  auto expires = OptDuration(a.expires, "--expires");
  if (!expires) return PrintError(expires.error());
  keys::IssueRequest req;
  req.prefix = SettingsOf(*session).prefix;
  req.owner = a.owner;
  req.client = a.client;
  req.scopes = a.scopes;
  req.plan = a.plan;
  req.expires_in = *expires;
  req.actor = Actor();
  auto issued = keys::IssueKey(*session->store, req, session->clock->Now());
  if (!issued) return PrintError(issued.error());
  const KeyRecord& k = issued->record;
  if (a.format == "json") {
    Json j = KeyJson(k, session->clock->Now(), std::nullopt);
    j["key"] = issued->plain_key;
    fmt::print("{}\n", JsonText(j, 2));
    return kExitOk;
  }
  fmt::print("Issued {} for {}{} (plan {}{}).\n"
             "This is the only time the key is shown; ctodesk keeps only its SHA-256:\n\n  {}\n\n",
             k.id, k.owner, k.client.empty() ? "" : ", " + k.client, k.plan,
             k.expires_at ? ", expires " + FormatTime(*k.expires_at) : "", issued->plain_key);
  return kExitOk;
}

int RunList(const KeysArgs& a) {
  auto session = OpenSession(a.common);
  if (!session) return PrintError(session.error());
  auto list = session->store->ListKeys();
  if (!list) return PrintError(list.error());
  auto last = session->store->LastUses();
  if (!last) return PrintError(last.error());
  std::map<std::string, std::int64_t> last_use(last->begin(), last->end());
  const TimePoint now = session->clock->Now();
  auto use_of = [&](const KeyRecord& k) -> std::optional<std::int64_t> {
    auto it = last_use.find(k.id);
    if (it == last_use.end()) return std::nullopt;
    return it->second;
  };
  if (a.format == "json") {
    Json arr = Json::array();
    for (const KeyRecord& k : *list) {
      if (!a.all && keys::StatusOf(k, now) == keys::KeyStatus::kRevoked) continue;
      arr.push_back(KeyJson(k, now, use_of(k)));
    }
    fmt::print("{}\n", JsonText(arr, 2));
    return kExitOk;
  }
  fmt::print("{:<16} {:<12} {:<12} {:<14} {:<10} {:<9} {:<10} {:<10} {}\n", "ID", "HINT", "OWNER",
             "CLIENT", "PLAN", "STATUS", "CREATED", "EXPIRES", "LAST USED");
  int shown = 0;
  for (const KeyRecord& k : *list) {
    auto status = keys::StatusOf(k, now);
    if (!a.all && status == keys::KeyStatus::kRevoked) continue;
    auto lu = use_of(k);
    fmt::print("{:<16} {:<12} {:<12} {:<14} {:<10} {:<9} {:<10} {:<10} {}\n", k.id,
               k.hint.substr(0, 12), k.owner.substr(0, 12), k.client.substr(0, 14),
               k.plan.substr(0, 10), keys::KeyStatusName(status), FormatTime(k.created_at).substr(0, 10),
               k.expires_at ? FormatTime(*k.expires_at).substr(0, 10) : "-",
               lu ? FormatTime(FromUnix(*lu / 1000)) : "never");
    ++shown;
  }
  if (shown == 0) fmt::print("(no keys{}; issue one with `ctodesk keys issue --owner NAME`)\n", a.all ? "" : " in use");
  return kExitOk;
}

int RunRevoke(const KeysArgs& a) {
  auto session = OpenSession(a.common);
  if (!session) return PrintError(session.error());
  auto k = Resolve(*session->store, a);
  if (!k) return PrintError(k.error());
  auto r = keys::RevokeKey(*session->store, k->id, a.reason, Actor(), session->clock->Now());
  if (!r) return PrintError(r.error());
  fmt::print("Revoked {} ({}, {}) at {}. A running guard refuses it within a second.\n", r->id,
             r->hint, r->owner, FormatTime(*r->revoked_at));
  return kExitOk;
}

int RunSuspend(const KeysArgs& a, bool suspend) {
  auto session = OpenSession(a.common);
  if (!session) return PrintError(session.error());
  auto k = Resolve(*session->store, a);
  if (!k) return PrintError(k.error());
  const TimePoint now = session->clock->Now();
  auto r = suspend ? keys::SuspendKey(*session->store, k->id, a.reason, "{}", Actor(), now)
                   : keys::ReinstateKey(*session->store, k->id, Actor(), now);
  if (!r) return PrintError(r.error());
  fmt::print("{} {} ({}).\n", suspend ? "Suspended" : "Reinstated", r->id, r->owner);
  return kExitOk;
}

int RunRotate(const KeysArgs& a) {
  auto session = OpenSession(a.common);
  if (!session) return PrintError(session.error());
  auto grace = OptDuration(a.grace, "--grace");
  if (!grace) return PrintError(grace.error());
  const TimePoint now = session->clock->Now();
  std::filesystem::path out = a.out_dir.empty() ? session->setup.base_dir / ".ctodesk" / "rotations"
                                                : std::filesystem::path(a.out_dir);
  keys::RotateRequest req;
  req.all = a.all;
  req.client = a.client;
  req.owner = a.owner;
  req.grace = *grace;
  req.prefix = SettingsOf(*session).prefix;
  req.actor = Actor();
  // Check the output folder before anything changes.
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) return PrintError(Error::Io(fmt::format("{}: cannot create: {}", out.string(), ec.message())));
  std::string stamp = FormatTime(now);
  std::replace(stamp.begin(), stamp.end(), ':', '-');
  std::filesystem::path csv = out / fmt::format("rotation-{}.csv", stamp);
  std::filesystem::path json = out / fmt::format("rotation-{}.json", stamp);
  // The hand-over files are written (as *.pending) before the rotation is
  // stored, and renamed after: a new key is never valid without a file that
  // holds it, and a failed write changes nothing.
  const std::filesystem::path csv_pending = csv.string() + ".pending";
  const std::filesystem::path json_pending = json.string() + ".pending";
  auto write_handover = [&](const std::vector<keys::Rotation>& rotations) -> Result<void> {
    auto w = WriteFileAtomically(csv_pending.string(), keys::RotationCsv(rotations), /*owner_only=*/true);
    if (w) w = WriteFileAtomically(json_pending.string(), keys::RotationJson(rotations), /*owner_only=*/true);
    return w;
  };
  auto rotated = keys::RotateKeys(*session->store, req, now, write_handover);
  if (!rotated) {
    std::filesystem::remove(csv_pending, ec);
    std::filesystem::remove(json_pending, ec);
    return PrintError(rotated.error());
  }
  for (const auto& [from, to] : {std::pair(csv_pending, csv), std::pair(json_pending, json)}) {
    std::filesystem::rename(from, to, ec);
    if (ec) {
      return PrintError(Error::Io(fmt::format("the keys were rotated, but {} could not be renamed to {}: {}; "
                                              "the new keys are in {}",
                                              from.string(), to.string(), ec.message(), from.string())));
    }
  }
  if (a.format == "json") {
    Json arr = Json::array();
    for (const auto& r : *rotated) {
      arr.push_back({{"owner", r.old_key.owner}, {"client", r.old_key.client}, {"old_key_id", r.old_key.id},
                     {"old_key_valid_until", FormatTime(*r.old_key.revoked_at)}, {"new_key_id", r.new_key.id}});
    }
    fmt::print("{}\n", JsonText(Json{{"rotated", arr}, {"csv", csv.string()}, {"json", json.string()}}, 2));
    return kExitOk;
  }
  fmt::print("Rotated {} keys; old keys {}.\n", rotated->size(),
             *grace ? "stay valid for " + FormatDuration(**grace) : "are revoked now");
  for (const auto& r : *rotated) {
    fmt::print("  {} -> {}  {}{}\n", r.old_key.id, r.new_key.id, r.old_key.owner,
               r.old_key.client.empty() ? "" : " (" + r.old_key.client + ")");
  }
  fmt::print("Who must receive which new key (private files, mode 0600):\n  {}\n  {}\n", csv.string(),
             json.string());
  return kExitOk;
}

Json SummaryJson(const keys::UsageSummary& u) {
  auto pairs = [](const auto& v) {
    Json arr = Json::array();
    for (const auto& [k, n] : v) arr.push_back({{"value", k}, {"count", n}});
    return arr;
  };
  return {{"count", u.count},
          {"first", u.first_ms ? Json(FormatTime(FromUnix(*u.first_ms / 1000))) : Json(nullptr)},
          {"last", u.last_ms ? Json(FormatTime(FromUnix(*u.last_ms / 1000))) : Json(nullptr)},
          {"distinct_paths", u.distinct_paths},
          {"ips", pairs(u.ips)},
          {"user_agents", pairs(u.user_agents)},
          {"paths", pairs(u.paths)},
          {"statuses", pairs(u.statuses)}};
}

void PrintSummary(const keys::UsageSummary& u) {
  fmt::print("requests: {}\n", u.count);
  if (u.count == 0) return;
  fmt::print("first: {}\nlast:  {}\ndistinct paths: {}\n", FormatTime(FromUnix(*u.first_ms / 1000)),
             FormatTime(FromUnix(*u.last_ms / 1000)), u.distinct_paths);
  auto block = [](const char* title, const auto& v) {
    fmt::print("{}:\n", title);
    for (const auto& [k, n] : v) fmt::print("  {:>7}  {}\n", n, k.empty() ? "-" : k);
  };
  block("source IPs", u.ips);
  block("user agents", u.user_agents);
  block("paths", u.paths);
  block("statuses", u.statuses);
}

int RunVerify(Session& session, const KeysArgs& a) {
  std::filesystem::path key_file = SettingsOf(session).audit_key_file;
  if (key_file.is_relative()) key_file = session.setup.base_dir / key_file;
  auto v = keys::VerifyAuditChain(*session.store, key_file);
  if (!v) return PrintError(v.error());
  if (a.format == "json") {
    Json problems = Json::array();
    for (const auto& p : v->problems) problems.push_back({{"seq", p.seq}, {"problem", p.what}});
    fmt::print("{}\n", JsonText(Json{{"ok", v->ok}, {"entries", v->entries}, {"head", v->head_hash}, {"problems", problems}}, 2));
  } else if (v->ok) {
    fmt::print("ok: the audit chain of {} entries is intact (head {})\n", v->entries,
               v->head_hash.empty() ? "-" : v->head_hash.substr(0, 16));
  } else {
    fmt::print("BROKEN: the audit chain of {} entries has been tampered with\n", v->entries);
    for (const auto& p : v->problems) {
      fmt::print("  {}: {}\n", p.seq ? fmt::format("entry {}", p.seq) : std::string("head"), p.what);
    }
  }
  return v->ok ? kExitOk : kExitFindings;
}

int RunAudit(const KeysArgs& a) {
  auto session = OpenSession(a.common);
  if (!session) return PrintError(session.error());
  if (a.verify) return RunVerify(*session, a);
  const TimePoint now = session->clock->Now();
  if (a.id.empty() && a.key.empty()) {
    // The trail itself.
    auto trail = session->store->AuditTrail();
    if (!trail) return PrintError(trail.error());
    if (a.format == "json") {
      Json arr = Json::array();
      for (const AuditEntry& e : *trail) {
        arr.push_back({{"seq", e.seq}, {"at", FormatTime(e.at)}, {"actor", e.actor}, {"action", e.action},
                       {"key_id", e.key_id}, {"detail", Json::parse(e.detail, nullptr, false).is_discarded()
                                                            ? Json(e.detail) : Json::parse(e.detail)},
                       {"hash", e.hash}});
      }
      fmt::print("{}\n", JsonText(arr, 2));
    } else {
      for (const AuditEntry& e : *trail) {
        fmt::print("{:>5} {} {:<14} {:<9} {:<16} {}\n", e.seq, FormatTime(e.at), e.actor, e.action,
                   e.key_id, e.detail);
      }
      if (trail->empty()) fmt::print("(the audit trail is empty)\n");
    }
    return kExitOk;
  }
  auto k = Resolve(*session->store, a);
  if (!k) return PrintError(k.error());
  auto exposed = OptTime(a.exposed_since, "--exposed-since");
  auto from = OptTime(a.from, "--from");
  auto to = OptTime(a.to, "--to");
  if (!exposed) return PrintError(exposed.error());
  if (!from) return PrintError(from.error());
  if (!to) return PrintError(to.error());
  if (*exposed) {
    auto ans = keys::WasUsedWhileExposed(*session->store, *k, **exposed, now);
    if (!ans) return PrintError(ans.error());
    if (a.format == "json") {
      fmt::print("{}\n", JsonText(Json{{"used_while_exposed", ans->used}, {"key_id", k->id},
                               {"from", FormatTime(ans->from)}, {"to", FormatTime(ans->to)},
                               {"refused", ans->refused}, {"usage", SummaryJson(ans->usage)}}, 2));
    } else {
      fmt::print("{}: key {} was {}used between {} and {}{}\n", ans->used ? "yes" : "no", k->id,
                 ans->used ? "" : "not ", FormatTime(ans->from), FormatTime(ans->to),
                 k->revoked_at && *k->revoked_at <= now ? " (its revocation)" : " (now; it is not revoked)");
      if (ans->refused > 0) {
        fmt::print("({} further requests with this key were refused in that window)\n", ans->refused);
      }
      if (ans->used) PrintSummary(ans->usage);
    }
    return ans->used ? kExitFindings : kExitOk;
  }
  TimePoint f = from->value_or(FromUnix(0));  // default: all of its history
  TimePoint t = to->value_or(now);
  auto events = session->store->Usage(k->id, ToUnix(f) * 1000, ToUnix(t) * 1000 + 1000);
  if (!events) return PrintError(events.error());
  keys::UsageSummary u = keys::Summarize(*events);
  if (a.format == "json") {
    fmt::print("{}\n", JsonText(Json{{"key_id", k->id}, {"from", FormatTime(f)}, {"to", FormatTime(t)},
                             {"usage", SummaryJson(u)}}, 2));
  } else {
    fmt::print("key {} ({}, {}), {}, from {} to {}\n", k->id, k->hint, k->owner,
               keys::KeyStatusName(keys::StatusOf(*k, now)), FormatTime(f), FormatTime(t));
    PrintSummary(u);
  }
  return kExitOk;
}

int RunIngest(const KeysArgs& a) {
  auto session = OpenSession(a.common);
  if (!session) return PrintError(session.error());
  keys::Settings settings = SettingsOf(*session);
  keys::IngestOptions opt;
  opt.format = a.log_format == "json" ? keys::LogFormat::kJson : keys::LogFormat::kNginxCombined;
  opt.json_key_field = settings.json_key_field;
  opt.suspend_on_trip = !a.no_suspend;
  opt.actor = Actor();
  // Like the keys desk's access_logs: a file ingested before (same absolute
  // path) resumes where that run ended, unless it is now shorter (rotated or
  // truncated: read from the start). The state is the desk's kind
  // ("ingest:<path>"); the two share it when they name the file alike.
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(a.file, ec).lexically_normal();
  const std::string state_key = "ingest:" + (ec ? a.file : absolute.string());
  auto saved = session->store->GetState("keys", state_key);
  if (!saved) return PrintError(saved.error());
  if (*saved) {
    std::int64_t offset = std::strtoll((*saved)->c_str(), nullptr, 10);
    auto size = std::filesystem::file_size(a.file, ec);
    if (!ec && offset > 0 && static_cast<std::uintmax_t>(offset) <= size) opt.start_offset = offset;
  }
  auto started = std::chrono::steady_clock::now();
  auto r = keys::IngestLog(*session->store, settings, a.file, opt, session->clock->Now());
  if (!r) return PrintError(r.error());
  if (auto w = session->store->PutState("keys", state_key, std::to_string(r->end_offset)); !w) {
    return PrintError(w.error());
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (a.format == "json") {
    Json problems = Json::array();
    for (const auto& p : r->problems) problems.push_back({{"line", p.line}, {"problem", p.message}});
    Json trips = Json::array();
    for (const auto& t : r->trips) trips.push_back({{"key_id", t.key_id}, {"rule", t.decision.rule}, {"reason", t.decision.reason}});
    fmt::print("{}\n", JsonText(Json{{"lines", r->lines}, {"events", r->events}, {"malformed", r->malformed},
                             {"no_key", r->no_key}, {"unknown_key", r->unknown_key}, {"plain_keys", r->plain_keys},
                             {"seconds", secs}, {"resumed_at_byte", opt.start_offset}, {"problems", problems},
                             {"trips", trips}}, 2));
  } else {
    if (opt.start_offset > 0) {
      fmt::print("{}: the first {} bytes were ingested before; reading what follows (line numbers count from there)\n",
                 a.file, opt.start_offset);
    }
    fmt::print("{}: {} lines, {} usage events stored, {} malformed, {} without a key, {} with an unknown key ({:.2f} s)\n",
               a.file, r->lines, r->events, r->malformed, r->no_key, r->unknown_key, secs);
    for (const auto& p : r->problems) fmt::print("  line {}: {}\n", p.line, p.message);
    if (r->malformed > static_cast<std::int64_t>(r->problems.size())) {
      fmt::print("  ... and {} more malformed lines\n", r->malformed - static_cast<std::int64_t>(r->problems.size()));
    }
    if (r->plain_keys > 0) {
      fmt::print("  warning: {} lines carry a plain API key; log the key id instead (the keys were not stored)\n",
                 r->plain_keys);
    }
    for (const auto& t : r->trips) {
      fmt::print("  {} {}: {}\n", a.no_suspend ? "would suspend" : "SUSPENDED", t.key_id, t.decision.reason);
    }
  }
  return r->trips.empty() ? kExitOk : kExitFindings;
}

CLI::App* Sub(CLI::App* parent, const char* name, const char* help, std::shared_ptr<KeysArgs> args) {
  CLI::App* c = parent->add_subcommand(name, help);
  AddCommonOptions(*c, args->common);
  c->add_option("-f,--format", args->format, "term or json")->check(CLI::IsMember({"term", "json"}));
  return c;
}

}  // namespace

void AddKeysCommand(CLI::App& app, Outcome& out) {
  CLI::App* keys = app.add_subcommand("keys", "API keys: issue, revoke, rotate, audit, ingest access logs");
  keys->require_subcommand(1);

  auto issue = std::make_shared<KeysArgs>();
  CLI::App* c = Sub(keys, "issue", "Issue a key and print it, once", issue);
  c->add_option("--owner", issue->owner, "Who holds the key")->required();
  c->add_option("--client", issue->client, "The customer or system it is for");
  c->add_option("--scope", issue->scopes, "A scope (repeatable)");
  c->add_option("--expires", issue->expires, "Lifetime, such as 90d (default: none)");
  c->add_option("--plan", issue->plan, "Plan whose limits apply ([[keys.plans]])")->capture_default_str();
  c->callback([issue, &out] { out.exit_code = RunIssue(*issue); });

  auto list = std::make_shared<KeysArgs>();
  c = Sub(keys, "list", "List keys (hints only, never the keys)", list);
  c->add_flag("--all", list->all, "Include revoked keys");
  c->callback([list, &out] { out.exit_code = RunList(*list); });

  auto revoke = std::make_shared<KeysArgs>();
  c = Sub(keys, "revoke", "Revoke a key now", revoke);
  c->add_option("id", revoke->id, "Key id");
  c->add_option("--key", revoke->key, "The plain key instead of its id");
  c->add_option("--reason", revoke->reason, "Why (kept in the audit trail)")->required();
  c->callback([revoke, &out] { out.exit_code = RunRevoke(*revoke); });

  auto suspend = std::make_shared<KeysArgs>();
  c = Sub(keys, "suspend", "Suspend a key (the guard answers 403)", suspend);
  c->add_option("id", suspend->id, "Key id");
  c->add_option("--key", suspend->key, "The plain key instead of its id");
  c->add_option("--reason", suspend->reason, "Why")->required();
  c->callback([suspend, &out] { out.exit_code = RunSuspend(*suspend, true); });

  auto reinstate = std::make_shared<KeysArgs>();
  c = Sub(keys, "reinstate", "Lift a suspension", reinstate);
  c->add_option("id", reinstate->id, "Key id");
  c->add_option("--key", reinstate->key, "The plain key instead of its id");
  c->callback([reinstate, &out] { out.exit_code = RunSuspend(*reinstate, false); });

  auto rotate = std::make_shared<KeysArgs>();
  c = Sub(keys, "rotate", "Replace keys; write who gets which new key (CSV and JSON, mode 0600)", rotate);
  c->add_flag("--all", rotate->all, "Every usable key");
  c->add_option("--client", rotate->client, "The keys of one client");
  c->add_option("--owner", rotate->owner, "The keys of one owner");
  c->add_option("--grace", rotate->grace, "Keep old keys valid this long, such as 24h (default: revoke now)");
  c->add_option("--out", rotate->out_dir, "Folder for the hand-over files (default: .ctodesk/rotations)");
  c->callback([rotate, &out] { out.exit_code = RunRotate(*rotate); });

  auto audit = std::make_shared<KeysArgs>();
  c = Sub(keys, "audit",
          "A key's use in a window; --exposed-since T answers yes/no (exit 1 on yes); "
          "--verify checks the audit chain (exit 1 if broken); no key: the trail",
          audit);
  c->add_option("id", audit->id, "Key id");
  c->add_option("--key", audit->key, "The plain key instead of its id");
  c->add_option("--from", audit->from, "Window start (default: all of its history)");
  c->add_option("--to", audit->to, "Window end (default: now)");
  c->add_option("--exposed-since", audit->exposed_since, "Was it used since this instant (until its revocation)?");
  c->add_flag("--verify", audit->verify, "Check the audit trail's hash chain");
  c->callback([audit, &out] { out.exit_code = RunAudit(*audit); });

  auto ingest = std::make_shared<KeysArgs>();
  c = keys->add_subcommand("ingest", "Read a gateway access log into the usage store and run the "
                                     "detection rules (exit 1 if a key tripped one)");
  AddCommonOptions(*c, ingest->common);
  c->add_option("file", ingest->file, "Access log")->required()->check(CLI::ExistingFile);
  c->add_option("--format", ingest->log_format, "The log's format: nginx-combined or json (lines)")
      ->check(CLI::IsMember({"nginx-combined", "json"}))
      ->capture_default_str();
  c->add_flag_callback("--json", [ingest] { ingest->format = "json"; }, "Print the report as JSON");
  c->add_flag("--no-suspend", ingest->no_suspend, "Report keys that trip a rule without suspending them");
  c->callback([ingest, &out] { out.exit_code = RunIngest(*ingest); });
}

}  // namespace ctodesk::cli
