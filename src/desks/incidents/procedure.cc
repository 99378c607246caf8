#include "desks/incidents/procedure.h"
#include "core/json_text.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "desks/keys/audit.h"
#include "desks/keys/key_format.h"
#include "desks/leaks/leaks.h"

namespace ctodesk::incidents {

namespace {

using Json = nlohmann::ordered_json;

Json Parse(const std::string& text) {
  auto j = Json::parse(text, nullptr, false);
  return j.is_discarded() ? Json::object() : j;
}

bool Refused(int status) { return status == 401 || status == 403 || status == 429; }

std::string Holder(const KeyRecord& k) {
  return k.client.empty() ? k.owner : fmt::format("{} ({})", k.client, k.owner);
}

Result<KeyRecord> KeyById(Store& store, std::string_view id) {
  auto k = store.GetKey(id);
  if (!k) return Fail(k.error());
  if (!*k) return Fail(Error::NotFound(fmt::format("no key with id \"{}\" (see `ctodesk keys list`)", id)));
  return std::move(**k);
}

Result<KeyRecord> KeyByPlain(Store& store, std::string_view plain) {
  if (!keys::LooksLikeOurKey(plain)) {
    return Fail(Error::Invalid("--key: not one of our keys (wrong format or checksum)"));
  }
  auto k = keys::FindByPlainKey(store, plain);
  if (!k) return Fail(k.error());
  if (!*k) return Fail(Error::NotFound("--key: a key of our format, but not in the registry"));
  return std::move(**k);
}

Result<std::string> NextId(Store& store) {
  auto all = store.ListIncidents();
  if (!all) return Fail(all.error());
  std::int64_t n = 0;
  for (const IncidentRecord& r : *all) {
    if (r.id.starts_with("inc-")) n = std::max<std::int64_t>(n, std::strtoll(r.id.c_str() + 4, nullptr, 10));
  }
  return fmt::format("inc-{:04d}", n + 1);
}

// An open incident of this kind about this key, if any.
Result<std::optional<IncidentRecord>> OpenFor(Store& store, std::string_view kind, std::string_view key_id) {
  auto all = store.ListIncidents();
  if (!all) return Fail(all.error());
  for (const IncidentRecord& r : *all) {
    if (r.status == "open" && r.kind == kind && r.subject == key_id) return std::optional<IncidentRecord>(r);
  }
  return std::optional<IncidentRecord>();
}

// The last "done" detail of each step.
std::map<std::string, Json> DoneSteps(const std::vector<IncidentStep>& steps) {
  std::map<std::string, Json> out;
  for (const IncidentStep& s : steps) {
    if (s.status == "done" || s.status == "skipped") out[s.name] = Parse(s.detail);
  }
  return out;
}

struct StepRun {
  Context& ctx;
  IncidentRecord& incident;
  Json params;
  std::map<std::string, Json> done;
  std::vector<IncidentStep> history;  // every step recorded so far (failed ones too)
  RunOutcome& outcome;
};

// --- helpers shared by steps ---

std::string Time(TimePoint t) { return FormatTime(t); }

Json SourcesJson(const std::map<std::pair<std::string, std::string>, std::vector<std::int64_t>>& m) {
  Json arr = Json::array();
  for (const auto& [src, times] : m) {
    arr.push_back({{"ip", src.first},
                   {"user_agent", src.second},
                   {"uses", times.size()},
                   {"first", Time(FromUnix(*std::min_element(times.begin(), times.end()) / 1000))},
                   {"last", Time(FromUnix(*std::max_element(times.begin(), times.end()) / 1000))}});
  }
  return arr;
}

// --- leaked-key steps ---

Result<Json> StepRevoke(StepRun& r) {
  const std::string key_id = r.params.value("key_id", "");
  auto key = KeyById(r.ctx.store, key_id);
  if (!key) return Fail(key.error());
  auto before = r.ctx.store.KeysGeneration();
  if (!before) return Fail(before.error());
  Json d = {{"key_id", key_id}, {"holder", Holder(*key)}};
  if (keys::StatusOf(*key, r.ctx.now) == keys::KeyStatus::kRevoked) {
    d["already_revoked"] = true;
    d["revoked_at"] = Time(*key->revoked_at);
    d["reason"] = key->revoke_reason;
    return d;
  }
  if (key->suspended_at) d["was_suspended_at"] = Time(*key->suspended_at);
  auto revoked = keys::RevokeKey(r.ctx.store, key_id, fmt::format("leaked: incident {}", r.incident.id),
                                 r.ctx.actor, r.ctx.now);
  if (!revoked) return Fail(revoked.error());
  auto after = r.ctx.store.KeysGeneration();
  if (!after) return Fail(after.error());
  d["already_revoked"] = false;
  d["revoked_at"] = Time(*revoked->revoked_at);
  d["keys_generation"] = {{"before", *before}, {"after", *after}};
  d["guard"] = *after != *before ? "the keys generation moved: a running guard refuses the key within a second"
                                 : "the keys generation did not move: check the guard";
  return d;
}

Result<Json> StepExposure(StepRun& r) {
  auto key = KeyById(r.ctx.store, r.params.value("key_id", ""));
  if (!key) return Fail(key.error());
  Json d = Json::object();
  std::int64_t from = 0;
  if (r.params.contains("exposed_since")) {
    from = r.params["exposed_since"].get<std::int64_t>();
    d["source"] = "the time given with --exposed-since";
  }
  auto leaked = leaks::FindLeakedKey(r.ctx.store, key->id);
  if (!leaked) return Fail(leaked.error());
  if (*leaked) {
    const leaks::LeakedKeyRecord& l = **leaked;
    if (from == 0) {
      from = l.exposed_since;
      d["source"] = l.commit.empty() ? fmt::format("when the leaks desk found it in {}, {}", l.repo, l.where)
                                     : fmt::format("commit {} by {} that put it in {}, {}", l.commit.substr(0, 12),
                                                   l.author, l.repo, l.where);
    }
    d["repo"] = l.repo;
    d["commit"] = l.commit;
    d["where"] = l.where;
    d["found_by_leaks_desk_at"] = Time(FromUnix(l.found_at));
    d["leaks_finding"] = l.finding_id;
  }
  if (from == 0) {
    return Fail(Error::Invalid(fmt::format("no exposure start for {}: the leaks desk has not found it; give "
                                           "--exposed-since TIME", key->id)));
  }
  TimePoint to = key->revoked_at && *key->revoked_at <= r.ctx.now ? *key->revoked_at : r.ctx.now;
  d["from"] = Time(FromUnix(from));
  d["to"] = Time(to);
  d["to_is"] = key->revoked_at && *key->revoked_at <= r.ctx.now ? "revocation" : "now (still valid)";
  d["duration"] = HumanDuration(to - FromUnix(from));
  return d;
}

Result<Json> StepUsage(StepRun& r) {
  const std::string key_id = r.params.value("key_id", "");
  Json x = r.done.contains("exposure") ? r.done["exposure"] : Json::object();
  auto from = ParseTime(x.value("from", ""));
  auto to = ParseTime(x.value("to", ""));
  if (!from || !to) return Fail(Error::Invalid("the exposure step left no window"));
  const std::int64_t from_ms = ToUnix(*from) * 1000, to_ms = ToUnix(*to) * 1000 + 1000;
  auto events = r.ctx.store.Usage(key_id, 0, INT64_MAX);
  if (!events) return Fail(events.error());
  // The owner's known sources: the (IP, user agent) pairs that used the key
  // successfully before the exposure.
  std::set<std::pair<std::string, std::string>> known_sources;
  for (const UsageEvent& e : *events) {
    if (e.at_ms < from_ms && !Refused(e.status)) known_sources.emplace(e.ip, e.user_agent);
  }
  std::map<std::pair<std::string, std::string>, std::vector<std::int64_t>> known, fresh;
  std::int64_t known_uses = 0, new_uses = 0, refused = 0, after = 0, before = 0;
  for (const UsageEvent& e : *events) {
    if (e.at_ms < from_ms) {
      ++before;
      continue;
    }
    if (e.at_ms >= to_ms) {
      ++after;
      continue;
    }
    if (Refused(e.status)) {
      ++refused;
      continue;
    }
    bool is_known = known_sources.contains({e.ip, e.user_agent});
    (is_known ? known : fresh)[{e.ip, e.user_agent}].push_back(e.at_ms);
    ++(is_known ? known_uses : new_uses);
  }
  Json d = {{"from", x.value("from", "")},
            {"to", x.value("to", "")},
            {"used_while_exposed", known_uses + new_uses > 0},
            {"uses", known_uses + new_uses},
            {"uses_from_known_sources", known_uses},
            {"uses_from_new_sources", new_uses},
            {"refused_attempts", refused},
            {"uses_before_exposure", before},
            {"requests_after_window", after},
            {"known_sources_before_exposure", known_sources.size()},
            {"known_sources", SourcesJson(known)},
            {"new_sources", SourcesJson(fresh)}};
  return d;
}

// The leaked key and, per --rotate, its owner's, its client's or every usable
// key. Keys issued since the incident opened (replacements) and keys already
// replaced are left alone, so a re-run never rotates twice.
Result<Json> StepRotate(StepRun& r) {
  const std::string how = r.params.value("rotate", "");
  if (how.empty()) return Json{{"skipped", "no --rotate given"}};
  auto leaked = KeyById(r.ctx.store, r.params.value("key_id", ""));
  if (!leaked) return Fail(leaked.error());
  auto all = r.ctx.store.ListKeys();
  if (!all) return Fail(all.error());
  std::vector<KeyRecord> chosen;
  for (const KeyRecord& k : *all) {
    if (!k.replaced_by.empty() || k.created_at >= r.incident.opened_at) continue;
    bool in_scope = k.id == leaked->id ||
                    (keys::Usable(keys::StatusOf(k, r.ctx.now)) &&
                     (how == "all" || (how == "client" && !leaked->client.empty() && k.client == leaked->client) ||
                      ((how == "owner" || leaked->client.empty()) && k.owner == leaked->owner)));
    if (in_scope) chosen.push_back(k);
  }
  // All or nothing: a crash or an error leaves every key as it was, and a
  // re-run rotates them then.
  keys::ReplaceOptions options;
  options.prefix = r.ctx.key_prefix;
  options.actor = r.ctx.actor;
  options.reason = fmt::format("rotated: incident {}", r.incident.id);
  options.incident = r.incident.id;
  auto done = keys::ReplaceKeys(r.ctx.store, chosen, options, r.ctx.now, r.ctx.before_rotation_commit);
  if (!done) return Fail(done.error());
  Json arr = Json::array();
  for (const keys::Rotation& x : *done) {
    arr.push_back({{"owner", x.old_key.owner},
                   {"client", x.old_key.client},
                   {"old_key_id", x.old_key.id},
                   {"new_key_id", x.new_key.id},
                   {"new_key_hint", x.new_key.hint}});
    r.outcome.rotations.push_back(x);
  }
  return Json{{"scope", how}, {"rotated", done->size()}, {"who_gets_which_new_key", arr}};
}

// --- data-access steps ---

Result<Json> StepScope(StepRun& r) {
  auto key = KeyById(r.ctx.store, r.params.value("key_id", ""));
  if (!key) return Fail(key.error());
  Json d = {{"key_id", key->id}, {"holder", Holder(*key)}, {"plan", key->plan},
            {"from", Time(FromUnix(r.params.value("from", std::int64_t{0})))},
            {"to", Time(FromUnix(r.params.value("to", std::int64_t{0})))}};
  if (r.params.contains("suspension")) d["suspension"] = r.params["suspension"];
  return d;
}

Result<Json> StepObjects(StepRun& r) {
  const std::string key_id = r.params.value("key_id", "");
  const std::int64_t from_ms = r.params.value("from", std::int64_t{0}) * 1000;
  const std::int64_t to_ms = r.params.value("to", std::int64_t{0}) * 1000 + 1000;
  auto events = r.ctx.store.Usage(key_id, from_ms, to_ms);
  if (!events) return Fail(events.error());
  struct Obj {
    std::int64_t first = 0, last = 0, requests = 0;
    std::set<std::string> ips;
  };
  std::map<std::string, Obj> objects;
  std::map<std::string, std::int64_t> ips, agents;
  std::map<std::int64_t, std::int64_t> per_minute;
  std::int64_t fetched = 0, refused = 0;
  std::optional<std::int64_t> first, last;
  for (const UsageEvent& e : *events) {
    if (Refused(e.status)) {
      ++refused;
      continue;
    }
    if (e.status >= 400) continue;  // asked for, not served
    ++fetched;
    ++ips[e.ip];
    ++agents[e.user_agent];
    ++per_minute[e.at_ms / 60000];
    first = first ? std::min(*first, e.at_ms) : e.at_ms;
    last = last ? std::max(*last, e.at_ms) : e.at_ms;
    auto o = ObjectOf(r.ctx.settings, e.path);
    if (!o) continue;
    Obj& obj = objects[*o];
    if (obj.requests == 0 || e.at_ms < obj.first) obj.first = e.at_ms;
    obj.last = std::max(obj.last, e.at_ms);
    ++obj.requests;
    obj.ips.insert(e.ip);
  }
  // Which of them did any other key fetch in the same window?
  auto users = r.ctx.store.LastUses();
  if (!users) return Fail(users.error());
  std::set<std::string> by_others;
  std::int64_t other_keys = 0;
  for (const auto& [other, last_ms] : *users) {
    if (other == key_id || last_ms < from_ms) continue;
    ++other_keys;
    auto theirs = r.ctx.store.Usage(other, from_ms, to_ms);
    if (!theirs) return Fail(theirs.error());
    for (const UsageEvent& e : *theirs) {
      if (e.status >= 400) continue;
      if (auto o = ObjectOf(r.ctx.settings, e.path); o && objects.contains(*o)) by_others.insert(*o);
    }
  }
  std::error_code ec;
  std::filesystem::create_directories(r.ctx.out_dir, ec);
  if (ec) return Fail(Error::Io(fmt::format("{}: cannot create: {}", r.ctx.out_dir.string(), ec.message())));
  const std::filesystem::path csv = r.ctx.out_dir / fmt::format("{}-exposed-objects.csv", r.incident.id);
  std::string text = "object,first_fetched_utc,last_fetched_utc,requests,source_ips\n";
  std::int64_t exposed = 0;
  for (const auto& [name, o] : objects) {
    if (by_others.contains(name)) continue;
    ++exposed;
    std::string list;
    for (const std::string& ip : o.ips) list += (list.empty() ? "" : " ") + ip;
    text += fmt::format("{},{},{},{},{}\n", name, Time(FromUnix(o.first / 1000)), Time(FromUnix(o.last / 1000)),
                        o.requests, list);
  }
  {
    std::ofstream out(csv, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) return Fail(Error::Io(fmt::format("{}: cannot write", csv.string())));
  }
  std::int64_t peak = 0;
  for (const auto& [m, n] : per_minute) peak = std::max(peak, n);
  double span_min = first ? std::max(1.0, static_cast<double>(*last - *first) / 60000.0) : 0;
  auto top = [](const std::map<std::string, std::int64_t>& m) {
    std::vector<std::pair<std::string, std::int64_t>> v(m.begin(), m.end());
    std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    if (v.size() > 5) v.resize(5);
    Json arr = Json::array();
    for (const auto& [k, n] : v) arr.push_back({{"value", k}, {"requests", n}});
    return arr;
  };
  Json d = {{"requests", events->size()},
            {"served", fetched},
            {"refused", refused},
            {"objects", objects.size()},
            {"objects_only_this_key", exposed},
            {"objects_also_fetched_by_others", by_others.size()},
            {"other_keys_checked", other_keys},
            {"peak_per_minute", peak},
            {"objects_per_minute", span_min > 0 ? static_cast<double>(objects.size()) / span_min : 0.0},
            {"first", first ? Time(FromUnix(*first / 1000)) : ""},
            {"last", last ? Time(FromUnix(*last / 1000)) : ""},
            {"ips", top(ips)},
            {"user_agents", top(agents)},
            {"csv", csv.string()}};
  return d;
}

Result<Json> StepStop(StepRun& r) {
  const std::string key_id = r.params.value("key_id", "");
  auto key = KeyById(r.ctx.store, key_id);
  if (!key) return Fail(key.error());
  auto trail = r.ctx.store.AuditTrail();
  if (!trail) return Fail(trail.error());
  const AuditEntry* stop = nullptr;
  for (const AuditEntry& e : *trail) {
    if (e.key_id == key_id && e.action == "suspend") stop = &e;
  }
  if (!stop) return Json{{"fired", false}, {"note", "no stop (suspension) was recorded for this key"}};
  Json d = {{"fired", true}, {"at", Time(stop->at)}, {"by", stop->actor}, {"audit_seq", stop->seq}};
  Json detail = Parse(stop->detail);
  d["reason"] = detail.value("reason", "");
  if (detail.contains("evidence")) d["evidence"] = detail["evidence"];
  // What it cut off: requests after the stop, refused; and served before it.
  const std::int64_t stop_ms = ToUnix(stop->at) * 1000;
  auto after = r.ctx.store.Usage(key_id, stop_ms, INT64_MAX);
  if (!after) return Fail(after.error());
  std::int64_t refused_after = 0, served_after = 0;
  std::set<std::string> objects_refused;
  for (const UsageEvent& e : *after) {
    if (Refused(e.status)) {
      ++refused_after;
      if (auto o = ObjectOf(r.ctx.settings, e.path)) objects_refused.insert(*o);
    } else if (e.status < 400) {
      ++served_after;
    }
  }
  auto before = r.ctx.store.Usage(key_id, r.params.value("from", std::int64_t{0}) * 1000, stop_ms);
  if (!before) return Fail(before.error());
  std::int64_t served_before = 0;
  for (const UsageEvent& e : *before) served_before += e.status < 400;
  d["served_before_stop"] = served_before;
  d["refused_after_stop"] = refused_after;
  d["objects_refused_after_stop"] = objects_refused.size();
  d["served_after_stop"] = served_after;
  d["still_suspended"] = key->suspended_at.has_value();
  return d;
}

// --- shared steps ---

std::string AlertText(const StepRun& r) {
  const IncidentRecord& i = r.incident;
  std::string text = fmt::format("Incident {} ({}) about key {}: ", i.id, i.kind, i.subject);
  auto get = [&](const char* step) -> const Json& {
    static const Json kEmpty = Json::object();
    auto it = r.done.find(step);
    return it == r.done.end() ? kEmpty : it->second;
  };
  if (i.kind == "leaked-key") {
    const Json& rv = get("revoke");
    const Json& x = get("exposure");
    const Json& u = get("usage");
    const Json& ro = get("rotate");
    text += fmt::format("revoked {}; exposed {} to {}; used while exposed: {}", rv.value("revoked_at", "?"),
                        x.value("from", "?"), x.value("to", "?"),
                        u.value("used_while_exposed", false)
                            ? fmt::format("YES, {} uses ({} from new sources)", u.value("uses", 0),
                                          u.value("uses_from_new_sources", 0))
                            : "no");
    if (ro.contains("rotated")) text += fmt::format("; {} keys rotated", ro.value("rotated", 0));
  } else {
    const Json& o = get("objects");
    const Json& s = get("stop");
    text += fmt::format("{} objects fetched, {} fetched by no other key; stop {}",
                        o.value("objects", 0), o.value("objects_only_this_key", 0),
                        s.value("fired", false) ? "fired at " + s.value("at", std::string("?")) : "did not fire");
  }
  return text + fmt::format(". `ctodesk incident show {}`", i.id);
}

Result<Json> StepAlert(StepRun& r) {
  std::set<std::string> delivered;
  for (const IncidentStep& s : r.history) {
    if (s.name != "alert") continue;
    Json d = Parse(s.detail);
    if (d.contains("delivered") && d["delivered"].is_array()) {
      for (const auto& n : d["delivered"]) {
        if (n.is_string()) delivered.insert(n.get<std::string>());
      }
    }
  }
  Json told = Json::array(), failed = Json::array();
  for (const std::string& n : delivered) told.push_back(n);
  const std::string body = JsonText(Json{{"text", AlertText(r)}});
  for (const AlertTarget& t : r.ctx.alerts) {
    if (delivered.contains(t.name)) continue;
    int attempts = 0;
    std::string err = PostJson(t, body, &attempts);
    if (err.empty()) told.push_back(t.name);
    else failed.push_back({{"target", t.name}, {"error", err}, {"attempts", attempts}});
  }
  Json d = {{"delivered", told}, {"failed", failed}};
  if (r.ctx.alerts.empty()) d["note"] = "no [[alerts]] webhooks configured";
  if (!failed.empty()) {
    d["failed_because"] = fmt::format("alert webhook \"{}\" is down: {}", failed[0].value("target", ""),
                                      failed[0].value("error", ""));
  }
  return d;
}



Result<Json> StepReport(StepRun& r);

using StepFn = Result<Json> (*)(StepRun&);

StepFn FunctionOf(std::string_view name) {
  static const std::pair<std::string_view, StepFn> kSteps[] = {
      {"revoke", &StepRevoke}, {"exposure", &StepExposure}, {"usage", &StepUsage},   {"rotate", &StepRotate},
      {"scope", &StepScope},   {"objects", &StepObjects},   {"stop", &StepStop},     {"alert", &StepAlert},
      {"report", &StepReport},
  };
  for (const auto& [n, f] : kSteps) {
    if (n == name) return f;
  }
  return nullptr;
}

AuditEntry AuditOf(const Context& ctx, const IncidentRecord& i, const IncidentStep& s) {
  AuditEntry e;
  e.at = s.at;
  e.actor = ctx.actor;
  e.action = "incident:" + s.name;
  e.key_id = i.subject;
  Json detail = {{"incident", i.id}, {"kind", i.kind}, {"status", s.status}};
  detail["detail"] = Parse(s.detail);
  e.detail = JsonText(detail);
  return e;
}

std::string NextAfter(std::string_view kind, std::string_view step) {
  std::vector<std::string> steps = StepsOf(kind);
  auto it = std::find(steps.begin(), steps.end(), step);
  if (it == steps.end() || it + 1 == steps.end()) return "";
  return *(it + 1);
}

// Runs the incident's remaining steps from next_step; stops at the first failure.
Result<RunOutcome> RunSteps(Context& ctx, IncidentRecord incident, bool continued) {
  RunOutcome outcome;
  outcome.continued = continued;
  auto history = ctx.store.IncidentSteps(incident.id);
  if (!history) return Fail(history.error());
  StepRun run{ctx, incident, Parse(incident.params), DoneSteps(*history), *history, outcome};
  while (!incident.next_step.empty()) {
    const std::string name = incident.next_step;
    StepFn fn = FunctionOf(name);
    if (!fn) return Fail(Error::Invalid(fmt::format("incident {}: unknown step \"{}\"", incident.id, name)));
    IncidentStep step;
    step.incident_id = incident.id;
    step.name = name;
    step.at = ctx.now;
    step.actor = ctx.actor;
    auto result = fn(run);
    std::string failure;
    Json detail;
    if (!result) {
      failure = result.error().message;
      detail = {{"error", failure}};
    } else {
      detail = std::move(*result);
      if (detail.contains("failed_because")) failure = detail["failed_because"].get<std::string>();
    }
    step.status = !failure.empty() ? "failed" : detail.contains("skipped") ? "skipped" : "done";
    step.detail = JsonText(detail);
    IncidentRecord next = incident;
    if (failure.empty()) next.next_step = NextAfter(incident.kind, name);
    auto stored = ctx.store.RecordIncidentStep(next, step, AuditOf(ctx, incident, step));
    if (!stored) {
      // The store itself failed (locked, full): nothing of this step is recorded.
      outcome.failure = fmt::format("step \"{}\" could not be recorded: {}", name, stored.error().message);
      break;
    }
    run.history.push_back(*stored);
    incident = next;
    if (!failure.empty()) {
      outcome.failure = fmt::format("step \"{}\" failed: {}", name, failure);
      break;
    }
    run.done[name] = detail;
  }
  auto now_steps = ctx.store.IncidentSteps(incident.id);
  if (!now_steps) return Fail(now_steps.error());
  auto saved = ctx.store.GetIncident(incident.id);
  if (!saved) return Fail(saved.error());
  outcome.incident = *saved ? **saved : incident;
  outcome.steps = std::move(*now_steps);
  return outcome;
}

Result<RunOutcome> OpenOrContinue(Context& ctx, std::string_view kind, const KeyRecord& key, Json params) {
  auto existing = OpenFor(ctx.store, kind, key.id);
  if (!existing) return Fail(existing.error());
  if (*existing) {
    // Opening again continues the open incident. A choice given now (say
    // --rotate all after a first run without it) applies if its step has not
    // run yet; once it has, saying something else is an error, not ignored.
    IncidentRecord incident = **existing;
    Json stored = Parse(incident.params);
    auto history = ctx.store.IncidentSteps(incident.id);
    if (!history) return Fail(history.error());
    const auto done = DoneSteps(*history);
    struct Choice { const char* param; const char* flag; const char* step; const char* instead; };
    static constexpr Choice kChoices[] = {
        {"rotate", "--rotate", "rotate", "; rotate more keys with `ctodesk keys rotate`"},
        {"exposed_since", "--exposed-since", "exposure", ""}};
    bool changed = false;
    for (const Choice& c : kChoices) {
      if (!params.contains(c.param) || (stored.contains(c.param) && stored[c.param] == params[c.param])) continue;
      if (done.contains(c.step)) {
        return Fail(Error::Invalid(fmt::format("incident {} already ran its {} step, so {} cannot change it now{}",
                                               incident.id, c.step, c.flag, c.instead)));
      }
      stored[c.param] = params[c.param];
      changed = true;
    }
    if (changed) {
      incident.params = JsonText(stored);
      if (auto s = ctx.store.SaveIncident(incident); !s) return Fail(s.error());
    }
    return RunSteps(ctx, incident, /*continued=*/true);
  }
  auto id = NextId(ctx.store);
  if (!id) return Fail(id.error());
  IncidentRecord i;
  i.id = *id;
  i.kind = std::string(kind);
  i.subject = key.id;
  i.opened_at = ctx.now;
  i.opened_by = ctx.actor;
  i.params = JsonText(params);
  i.next_step = StepsOf(kind).front();
  if (auto s = ctx.store.SaveIncident(i); !s) return Fail(s.error());
  return RunSteps(ctx, i, /*continued=*/false);
}

}  // namespace

std::vector<std::string> StepsOf(std::string_view kind) {
  if (kind == "leaked-key") return {"revoke", "exposure", "usage", "rotate", "alert", "report"};
  if (kind == "data-access") return {"scope", "objects", "stop", "alert", "report"};
  return {};
}

Result<RunOutcome> OpenLeakedKey(Context& ctx, const LeakedKeyRequest& request) {
  int given = !request.plain_key.empty() + !request.finding_id.empty() + !request.key_id.empty();
  if (given != 1) return Fail(Error::Invalid("incident open leaked-key: give exactly one of --key, --finding, --key-id"));
  if (!request.rotate.empty() && request.rotate != "owner" && request.rotate != "client" && request.rotate != "all") {
    return Fail(Error::Invalid(fmt::format("--rotate: expected owner, client or all, got \"{}\"", request.rotate)));
  }
  Result<KeyRecord> key = Fail(Error::Invalid("no key"));
  if (!request.plain_key.empty()) {
    key = KeyByPlain(ctx.store, request.plain_key);
  } else if (!request.key_id.empty()) {
    key = KeyById(ctx.store, request.key_id);
  } else {
    auto findings = ctx.store.OpenFindings("");
    if (!findings) return Fail(findings.error());
    std::string key_id;
    bool found = false;
    for (const Finding& f : *findings) {
      if (f.Id() != request.finding_id) continue;
      found = true;
      for (const auto& [k, v] : f.evidence) {
        if (k == "key") key_id = v.substr(0, v.find(' '));
      }
    }
    if (!found) {
      return Fail(Error::NotFound(fmt::format("--finding: no open finding with id \"{}\" (see `ctodesk brief "
                                              "--format json`)", request.finding_id)));
    }
    if (key_id.empty()) {
      return Fail(Error::Invalid(fmt::format("--finding {}: that finding does not name one of our API keys",
                                             request.finding_id)));
    }
    key = KeyById(ctx.store, key_id);
  }
  if (!key) return Fail(key.error());
  if (request.exposed_since && *request.exposed_since > ctx.now) {
    return Fail(Error::Invalid(fmt::format("--exposed-since {} is in the future", FormatTime(*request.exposed_since))));
  }
  Json params = {{"key_id", key->id}};
  if (request.exposed_since) params["exposed_since"] = ToUnix(*request.exposed_since);
  if (!request.rotate.empty()) params["rotate"] = request.rotate;
  if (!request.finding_id.empty()) params["finding"] = request.finding_id;
  // Without an exposure start there is no procedure: refuse before anything changes.
  auto existing = OpenFor(ctx.store, "leaked-key", key->id);
  if (!existing) return Fail(existing.error());
  if (!*existing && !request.exposed_since) {
    auto leaked = leaks::FindLeakedKey(ctx.store, key->id);
    if (!leaked) return Fail(leaked.error());
    if (!*leaked) {
      return Fail(Error::Invalid(fmt::format("no exposure start for {}: the leaks desk has not found it; give "
                                             "--exposed-since TIME", key->id)));
    }
  }
  return OpenOrContinue(ctx, "leaked-key", *key, params);
}

Result<RunOutcome> OpenDataAccess(Context& ctx, const DataAccessRequest& request) {
  int given = !request.plain_key.empty() + !request.key_id.empty() + request.suspension.has_value();
  if (given != 1) {
    return Fail(Error::Invalid("incident open data-access: give exactly one of --key, --key-id, --suspension"));
  }
  Result<KeyRecord> key = Fail(Error::Invalid("no key"));
  std::optional<TimePoint> stopped;
  Json params = Json::object();
  if (!request.plain_key.empty()) {
    key = KeyByPlain(ctx.store, request.plain_key);
  } else if (!request.key_id.empty()) {
    key = KeyById(ctx.store, request.key_id);
  } else {
    auto trail = ctx.store.AuditTrail();
    if (!trail) return Fail(trail.error());
    const AuditEntry* e = nullptr;
    for (const AuditEntry& a : *trail) {
      if (a.seq == *request.suspension) e = &a;
    }
    if (!e || e->action != "suspend") {
      return Fail(Error::NotFound(fmt::format("--suspension {}: no suspension with that audit number "
                                              "(`ctodesk keys audit` lists them)", *request.suspension)));
    }
    stopped = e->at;
    params["suspension"] = *request.suspension;
    key = KeyById(ctx.store, e->key_id);
  }
  if (!key) return Fail(key.error());
  if (!stopped && key->suspended_at) stopped = key->suspended_at;
  TimePoint to = request.to.value_or(ctx.now);
  TimePoint from = request.from ? *request.from
                   : stopped    ? *stopped - std::chrono::hours(24)
                                : to - std::chrono::days(7);
  if (from >= to) {
    return Fail(Error::Invalid(fmt::format("--from {} must be before --to {}", FormatTime(from), FormatTime(to))));
  }
  params["key_id"] = key->id;
  params["from"] = ToUnix(from);
  params["to"] = ToUnix(to);
  return OpenOrContinue(ctx, "data-access", *key, params);
}

Result<RunOutcome> Resume(Context& ctx, std::string_view incident_id) {
  auto i = ctx.store.GetIncident(incident_id);
  if (!i) return Fail(i.error());
  if (!*i) return Fail(Error::NotFound(fmt::format("no incident \"{}\" (see `ctodesk incident list`)", incident_id)));
  if ((*i)->status != "open") {
    return Fail(Error::Invalid(fmt::format("incident {} is closed; nothing to resume", incident_id)));
  }
  return RunSteps(ctx, **i, /*continued=*/true);
}

Result<IncidentRecord> Close(Context& ctx, std::string_view incident_id, std::string_view summary) {
  if (summary.find_first_not_of(" \t\n") == std::string_view::npos) {
    return Fail(Error::Invalid("--summary: expected a sentence or two on what happened and what was done"));
  }
  auto i = ctx.store.GetIncident(incident_id);
  if (!i) return Fail(i.error());
  if (!*i) return Fail(Error::NotFound(fmt::format("no incident \"{}\" (see `ctodesk incident list`)", incident_id)));
  if ((*i)->status != "open") return Fail(Error::Invalid(fmt::format("incident {} is already closed", incident_id)));
  IncidentRecord closed = **i;
  closed.status = "closed";
  closed.closed_at = ctx.now;
  closed.closed_by = ctx.actor;
  closed.summary = std::string(summary);
  IncidentStep step;
  step.name = "close";
  step.status = "done";
  step.at = ctx.now;
  step.actor = ctx.actor;
  Json d = {{"summary", summary}};
  if (!(*i)->next_step.empty()) d["steps_not_done"] = (*i)->next_step;
  step.detail = JsonText(d);
  auto stored = ctx.store.RecordIncidentStep(closed, step, AuditOf(ctx, closed, step));
  if (!stored) return Fail(stored.error());
  return closed;
}

Result<IncidentView> LoadIncident(Store& store, std::string_view incident_id) {
  auto i = store.GetIncident(incident_id);
  if (!i) return Fail(i.error());
  if (!*i) return Fail(Error::NotFound(fmt::format("no incident \"{}\" (see `ctodesk incident list`)", incident_id)));
  IncidentView v;
  v.incident = **i;
  auto steps = store.IncidentSteps(incident_id);
  if (!steps) return Fail(steps.error());
  v.steps = std::move(*steps);
  auto trail = store.AuditTrail();
  if (!trail) return Fail(trail.error());
  auto head = store.AuditHead();
  if (!head) return Fail(head.error());
  keys::ChainVerdict verdict = keys::VerifyAuditChain(*trail, *head);
  v.chain_ok = verdict.ok;
  v.chain_entries = verdict.entries;
  v.chain_head = verdict.head_hash;
  if (!verdict.problems.empty()) v.chain_problem = verdict.problems.front().what;
  for (const AuditEntry& e : *trail) {
    if (e.action.starts_with("incident:") && Parse(e.detail).value("incident", "") == incident_id) {
      ++v.audit_entries_for_incident;
    }
  }
  return v;
}

std::optional<std::string> ObjectOf(const Settings& settings, std::string_view path) {
  if (!settings.objects.empty()) {
    auto m = keys::MatchObject(settings.objects, path);
    if (!m) return std::nullopt;
    const std::string& text = settings.objects[m->pattern].text;
    std::string base = text.substr(0, text.find("{id}"));
    while (!base.empty() && base.back() == '/') base.pop_back();
    if (!base.empty() && base.front() == '/') base.erase(0, 1);
    std::string id(m->id);
    return base.empty() ? id : base + "/" + id;
  }
  std::string_view p = path.substr(0, path.find('?'));
  std::string previous;
  size_t pos = 0;
  while (pos <= p.size()) {
    size_t next = p.find('/', pos);
    std::string_view seg = p.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos);
    bool numeric = !seg.empty() && seg.size() <= 20 &&
                   std::all_of(seg.begin(), seg.end(), [](char c) { return c >= '0' && c <= '9'; });
    bool uuid = seg.size() == 36 && seg[8] == '-' && seg[13] == '-' && seg[18] == '-' && seg[23] == '-' &&
                std::all_of(seg.begin(), seg.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == '-'; });
    if (numeric || uuid) return previous.empty() ? std::string(seg) : previous + "/" + std::string(seg);
    if (!seg.empty()) previous = std::string(seg);
    if (next == std::string_view::npos) break;
    pos = next + 1;
  }
  return std::nullopt;
}

}  // namespace ctodesk::incidents

namespace ctodesk::incidents {
namespace {

Result<Json> StepReport(StepRun& r) {
  auto view = LoadIncident(r.ctx.store, r.incident.id);
  if (!view) return Fail(view.error());
  std::error_code ec;
  std::filesystem::create_directories(r.ctx.out_dir, ec);
  if (ec) return Fail(Error::Io(fmt::format("{}: cannot create: {}", r.ctx.out_dir.string(), ec.message())));
  const std::filesystem::path md = r.ctx.out_dir / (r.incident.id + ".md");
  const std::filesystem::path html = r.ctx.out_dir / (r.incident.id + ".html");
  const std::vector<std::pair<std::filesystem::path, std::string>> files = {
      {md, RenderMarkdown(*view, r.ctx.company, r.ctx.time_zone)},
      {html, RenderHtml(*view, r.ctx.company, r.ctx.time_zone)}};
  for (const auto& [path, text] : files) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) return Fail(Error::Io(fmt::format("{}: cannot write", path.string())));
  }
  return Json{{"markdown", md.string()}, {"html", html.string()}, {"audit_chain_verifies", view->chain_ok}};
}

}  // namespace
}  // namespace ctodesk::incidents
