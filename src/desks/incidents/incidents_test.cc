// Incidents: the leaked-key procedure on a generated history (exact counts,
// known and new sources), data access on generated traffic with a known
// exposed set, idempotent re-runs, a failure half-way (webhook down) that
// leaves the incident open with its next step, bad input, and the desk.
#include "desks/incidents/incidents.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "desks/keys/audit.h"
#include "desks/keys/guard.h"
#include "desks/keys/registry.h"
#include "desks/leaks/leaks.h"
#include "loopback/loopback_server.h"

namespace ctodesk::incidents {
namespace {

namespace fs = std::filesystem;
using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;

TimePoint At(const char* s) { return *ParseTime(s); }

std::int64_t Ms(TimePoint t) { return ToUnix(t) * 1000; }

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

AlertTarget Target(const std::string& name, const std::string& url) {
  AlertTarget t;
  t.name = name;
  t.url = url;
  t.attempts = 1;
  t.timeout = std::chrono::seconds(2);
  t.backoff = std::chrono::milliseconds(1);
  return t;
}

const IncidentStep* StepNamed(const std::vector<IncidentStep>& steps, const std::string& name) {
  const IncidentStep* last = nullptr;
  for (const IncidentStep& s : steps) {
    if (s.name == name) last = &s;
  }
  return last;
}

nlohmann::json DetailOf(const std::vector<IncidentStep>& steps, const std::string& name) {
  const IncidentStep* s = StepNamed(steps, name);
  return s ? nlohmann::json::parse(s->detail) : nlohmann::json::object();
}

// A company with three keys and a leaked one's history.
struct LeakFixture {
  fs::path dir;
  std::unique_ptr<Store> store;
  keys::IssuedKey leaked, sibling, stranger;
  const TimePoint issued = At("2026-10-01T00:00:00Z");
  const TimePoint exposed = At("2026-11-20T10:00:00Z");  // the commit
  const TimePoint now = At("2026-11-27T08:00:00Z");

  void SetUp(const std::string& name) {
    dir = fs::temp_directory_path() / fmt::format("ctodesk-incidents-{}-{}", name, ::getpid());
    fs::remove_all(dir);
    fs::create_directories(dir);
    auto s = OpenSqliteStore(dir / "desk.db");
    ASSERT_TRUE(s) << s.error().message;
    store = std::move(*s);
    auto issue = [&](const char* owner, const char* client) {
      keys::IssueRequest r;
      r.prefix = "acme";
      r.owner = owner;
      r.client = client;
      r.plan = "standard";
      return *keys::IssueKey(*store, r, issued);
    };
    leaked = issue("alice", "Globex");
    sibling = issue("alice", "Initech");
    stranger = issue("bob", "Globex");
    // Generated history, fixed seed. Before the exposure: the owner's usual
    // sources. Inside the window: 20 from a usual source, 7 from a new IP,
    // 3 from a usual IP with a new user agent, 2 from a new pairing of a
    // usual IP and a usual user agent, 4 refused from the new IP.
    std::mt19937 rng(11);
    std::vector<UsageEvent> ev;
    auto at = [&](TimePoint from, TimePoint to) {
      return Ms(from) + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(Ms(to) - Ms(from)));
    };
    const std::string id = leaked.record.id;
    for (int i = 0; i < 50; ++i) ev.push_back({id, at(issued, exposed), "198.51.100.7", "GET", "/customers/1", 200, "globex-sync/1.8", "log"});
    for (int i = 0; i < 30; ++i) ev.push_back({id, at(issued, exposed), "198.51.100.8", "GET", "/orders/2", 200, "globex-web/2.0", "log"});
    for (int i = 0; i < 20; ++i) ev.push_back({id, at(exposed, now), "198.51.100.7", "GET", "/customers/3", 200, "globex-sync/1.8", "log"});
    for (int i = 0; i < 7; ++i) ev.push_back({id, at(exposed, now), "203.0.113.99", "GET", "/customers/4", 200, "globex-sync/1.8", "log"});
    for (int i = 0; i < 3; ++i) ev.push_back({id, at(exposed, now), "198.51.100.7", "GET", "/customers/5", 200, "curl/8.5", "log"});
    for (int i = 0; i < 4; ++i) ev.push_back({id, at(exposed, now), "203.0.113.99", "GET", "/customers/6", 403, "curl/8.5", "log"});
    // A known IP with another known source's user agent: a pair never seen, so new.
    for (int i = 0; i < 2; ++i) ev.push_back({id, at(exposed, now), "198.51.100.8", "GET", "/customers/8", 200, "globex-sync/1.8", "log"});
    // Another key's traffic in the window counts for nothing here.
    for (int i = 0; i < 9; ++i) ev.push_back({stranger.record.id, at(exposed, now), "203.0.113.99", "GET", "/customers/7", 200, "x", "log"});
    std::sort(ev.begin(), ev.end(), [](const UsageEvent& a, const UsageEvent& b) { return a.at_ms < b.at_ms; });
    ASSERT_TRUE(store->AppendUsage(ev));
    // What the leaks desk recorded when it found the key.
    leaks::LeakedKeyRecord r;
    r.key_id = id;
    r.repo = "payments-api";
    r.commit = std::string(40, 'a');
    r.author = "Jo <jo@example.com>";
    r.where = "deploy/sync.sh:3";
    r.exposed_since = ToUnix(exposed);
    r.found_at = ToUnix(now - hours(3));
    r.action = "reported";
    ASSERT_TRUE(leaks::SaveLeakedKey(*store, r));
  }

  Context Ctx(TimePoint at) {
    Context c{*store};
    c.now = at;
    c.actor = "cli:test";
    c.out_dir = dir / "incidents";
    c.company = "Acme Parcels";
    c.time_zone = "Europe/Berlin";
    c.key_prefix = "acme";
    return c;
  }

  ~LeakFixture() {
    store.reset();
    if (!dir.empty()) fs::remove_all(dir);
  }
};

TEST(IncidentsTest, LeakedKeyProcedureCountsUsesInTheWindowAndTellsSourcesApart) {
  LeakFixture f;
  ASSERT_NO_FATAL_FAILURE(f.SetUp("leaked"));
  auto receiver = LoopbackServer::Start({{"/hook", 200, "ok"}});
  ASSERT_TRUE(receiver);
  Context ctx = f.Ctx(f.now);
  ctx.alerts.push_back(Target("security channel", (*receiver)->Url("/hook")));
  auto gen_before = f.store->KeysGeneration();

  LeakedKeyRequest req;
  req.key_id = f.leaked.record.id;
  req.rotate = "owner";
  auto run = OpenLeakedKey(ctx, req);
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_FALSE(run->failure) << *run->failure;
  EXPECT_FALSE(run->continued);
  EXPECT_EQ(run->incident.id, "inc-0001");
  EXPECT_EQ(run->incident.status, "open") << "open until closed with a summary";
  EXPECT_EQ(run->incident.next_step, "");
  std::vector<std::string> names;
  for (const IncidentStep& s : run->steps) {
    names.push_back(s.name);
    EXPECT_EQ(s.status, "done") << s.name << ": " << s.detail;
    EXPECT_EQ(s.actor, "cli:test");
    EXPECT_EQ(s.at, f.now);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"revoke", "exposure", "usage", "rotate", "alert", "report"}));

  // 1. Revoked; the guard's generation moved.
  auto key = f.store->GetKey(f.leaked.record.id);
  EXPECT_EQ(keys::StatusOf(**key, f.now), keys::KeyStatus::kRevoked);
  EXPECT_GT(*f.store->KeysGeneration(), *gen_before);
  // 2. The window: the commit to the revocation.
  auto x = DetailOf(run->steps, "exposure");
  EXPECT_EQ(x["from"], "2026-11-20T10:00:00Z");
  EXPECT_EQ(x["to"], "2026-11-27T08:00:00Z");
  EXPECT_NE(x["source"].get<std::string>().find("aaaaaaaaaaaa"), std::string::npos) << x.dump();
  // 3. Exact counts, known and new sources apart.
  auto u = DetailOf(run->steps, "usage");
  EXPECT_EQ(u["uses"], 32);
  EXPECT_EQ(u["uses_from_known_sources"], 20);
  EXPECT_EQ(u["uses_from_new_sources"], 12);
  EXPECT_EQ(u["refused_attempts"], 4);
  EXPECT_EQ(u["uses_before_exposure"], 80);
  EXPECT_EQ(u["known_sources_before_exposure"], 2);
  ASSERT_EQ(u["new_sources"].size(), 3u);
  std::map<std::string, int> fresh;
  for (const auto& s : u["new_sources"]) fresh[s["ip"].get<std::string>() + " " + s["user_agent"].get<std::string>()] = s["uses"];
  EXPECT_EQ(fresh["203.0.113.99 globex-sync/1.8"], 7);
  EXPECT_EQ(fresh["198.51.100.7 curl/8.5"], 3);
  EXPECT_EQ(fresh["198.51.100.8 globex-sync/1.8"], 2);
  // 4. Rotation: the leaked key's replacement and alice's other key; bob's untouched.
  ASSERT_EQ(run->rotations.size(), 2u);
  EXPECT_EQ(DetailOf(run->steps, "rotate")["rotated"], 2);
  EXPECT_EQ(keys::StatusOf(**f.store->GetKey(f.sibling.record.id), f.now), keys::KeyStatus::kRevoked);
  EXPECT_EQ(keys::StatusOf(**f.store->GetKey(f.stranger.record.id), f.now), keys::KeyStatus::kActive);
  std::set<std::string> replaced;
  for (const keys::Rotation& rot : run->rotations) {
    replaced.insert(rot.old_key.id);
    if (rot.old_key.id == f.leaked.record.id) {
      EXPECT_EQ((*f.store->GetKey(f.leaked.record.id))->replaced_by, rot.new_key.id);
      EXPECT_EQ(rot.new_key.client, "Globex");
    }
  }
  EXPECT_EQ(replaced, (std::set<std::string>{f.leaked.record.id, f.sibling.record.id}));
  // 5. The webhook heard it, with the answer.
  auto posted = (*receiver)->Requests();
  ASSERT_EQ(posted.size(), 1u);
  EXPECT_NE(posted[0].body.find("YES, 32 uses (12 from new sources)"), std::string::npos) << posted[0].body;
  EXPECT_EQ(DetailOf(run->steps, "alert")["delivered"][0], "security channel");
  // 6. The report, in UTC and Berlin time, with the chain verdict.
  std::string md = ReadAll(f.dir / "incidents" / "inc-0001.md");
  EXPECT_NE(md.find("2026-11-27 08:00 UTC"), std::string::npos) << md;
  EXPECT_NE(md.find("2026-11-27 09:00 CET"), std::string::npos) << md;
  EXPECT_NE(md.find("audit trail verifies"), std::string::npos) << md;
  EXPECT_NE(md.find("| NEW | 203.0.113.99 |"), std::string::npos) << md;
  EXPECT_TRUE(fs::exists(f.dir / "incidents" / "inc-0001.html"));

  // Every step is in the audit trail, and the chain verifies.
  auto trail = f.store->AuditTrail();
  int audited = 0;
  for (const AuditEntry& e : *trail) audited += e.action.starts_with("incident:");
  EXPECT_EQ(audited, 6);
  EXPECT_TRUE(keys::VerifyAuditChain(*f.store)->ok);

  // Re-running is safe: the same incident continues, nothing runs twice.
  const size_t keys_before = f.store->ListKeys()->size();
  auto again = OpenLeakedKey(ctx, req);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_TRUE(again->continued);
  EXPECT_EQ(again->incident.id, "inc-0001");
  EXPECT_EQ(again->steps.size(), 6u);
  EXPECT_TRUE(again->rotations.empty()) << "no double rotation";
  EXPECT_EQ(f.store->ListKeys()->size(), keys_before);
  EXPECT_EQ((*receiver)->Requests().size(), 1u) << "told once";

  // No plain key anywhere in the database file or the report.
  f.store.reset();
  std::string db = ReadAll(f.dir / "desk.db") + ReadAll(f.dir / "desk.db-wal") + md +
                   ReadAll(f.dir / "incidents" / "inc-0001.html");
  EXPECT_EQ(db.find(f.leaked.plain_key.substr(5)), std::string::npos);
  for (const keys::Rotation& r : run->rotations) EXPECT_EQ(db.find(r.plain_key.substr(5)), std::string::npos);
}

TEST(IncidentsTest, AWebhookDownHalfWayLeavesTheIncidentOpenWithItsNextStep) {
  LeakFixture f;
  ASSERT_NO_FATAL_FAILURE(f.SetUp("halfway"));
  Context ctx = f.Ctx(f.now);
  ctx.alerts.push_back(Target("ops", "http://127.0.0.1:" + std::to_string(UnusedLoopbackPort()) + "/hook"));
  LeakedKeyRequest req;
  req.plain_key = f.leaked.plain_key;
  auto run = OpenLeakedKey(ctx, req);
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_TRUE(run->failure);
  EXPECT_NE(run->failure->find("alert"), std::string::npos) << *run->failure;
  EXPECT_EQ(run->incident.status, "open");
  EXPECT_EQ(run->incident.next_step, "alert");
  ASSERT_EQ(run->steps.size(), 5u);
  EXPECT_EQ(run->steps[3].status, "skipped") << "no --rotate";
  EXPECT_EQ(run->steps[4].name, "alert");
  EXPECT_EQ(run->steps[4].status, "failed");
  EXPECT_EQ(keys::StatusOf(**f.store->GetKey(f.leaked.record.id), f.now), keys::KeyStatus::kRevoked)
      << "the steps before the failure stay done";

  // The briefing says so.
  IncidentsDesk desk{Settings{}};
  FixedClock clock(f.now + minutes(5));
  DeskContext dctx{*f.store, clock, f.dir};
  auto report = desk.Run(dctx);
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_EQ(report->findings.size(), 1u) << "the leak has an incident now";
  EXPECT_EQ(report->findings[0].severity, Severity::kActNow);
  EXPECT_NE(report->findings[0].title.find("stopped before step \"alert\""), std::string::npos);
  EXPECT_NE(report->findings[0].action.find("incident resume inc-0001"), std::string::npos);

  // Opening it again with --rotate: the rotate step has run (skipped), so the
  // new choice is refused, not silently ignored.
  {
    LeakedKeyRequest again;
    again.key_id = f.leaked.record.id;
    again.rotate = "all";
    auto refused = OpenLeakedKey(ctx, again);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("inc-0001 already ran its rotate step"), std::string::npos)
        << refused.error().message;
  }

  // The receiver is back: resume runs only what is left.
  auto receiver = LoopbackServer::Start({{"/hook", 200, "ok"}});
  ASSERT_TRUE(receiver);
  Context later = f.Ctx(f.now + minutes(10));
  later.alerts = {Target("ops", (*receiver)->Url("/hook"))};
  auto resumed = Resume(later, "inc-0001");
  ASSERT_TRUE(resumed) << resumed.error().message;
  EXPECT_FALSE(resumed->failure);
  EXPECT_EQ(resumed->incident.next_step, "");
  ASSERT_EQ(resumed->steps.size(), 7u);
  EXPECT_EQ(resumed->steps[5].name, "alert");
  EXPECT_EQ(resumed->steps[5].status, "done");
  EXPECT_EQ(resumed->steps[6].name, "report");
  int revokes = 0;
  auto trail = f.store->AuditTrail();
  ASSERT_TRUE(trail);
  for (const AuditEntry& e : *trail) revokes += e.action == "revoke";
  EXPECT_EQ(revokes, 1);

  // Closed, it leaves the briefing.
  auto closed = Close(later, "inc-0001", "Key revoked; 10 uses from new sources, Globex told.");
  ASSERT_TRUE(closed) << closed.error().message;
  EXPECT_EQ(closed->status, "closed");
  auto after = desk.Run(dctx);
  ASSERT_TRUE(after);
  EXPECT_TRUE(after->findings.empty());
  auto view = LoadIncident(*f.store, "inc-0001");
  ASSERT_TRUE(view);
  std::string html = RenderHtml(*view, "Acme <Parcels>", "UTC");
  EXPECT_NE(html.find("Acme &lt;Parcels&gt;"), std::string::npos);
  EXPECT_NE(html.find("Globex told"), std::string::npos);
  EXPECT_FALSE(Close(later, "inc-0001", "again")) << "already closed";
}

TEST(IncidentsTest, BadInputIsRefusedBeforeAnythingIsRecorded) {
  LeakFixture f;
  ASSERT_NO_FATAL_FAILURE(f.SetUp("bad"));
  Context ctx = f.Ctx(f.now);
  auto expect_error = [&](const Result<RunOutcome>& r, const std::string& words) {
    ASSERT_FALSE(r) << "expected an error about " << words;
    EXPECT_NE(r.error().message.find(words), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << "one line";
  };
  expect_error(OpenLeakedKey(ctx, {.key_id = "key_000000000000"}), "no key with id");
  expect_error(OpenLeakedKey(ctx, {.plain_key = "acme_notakey"}), "not one of our keys");
  expect_error(OpenLeakedKey(ctx, {.key_id = f.leaked.record.id, .rotate = "everyone"}), "--rotate");
  expect_error(OpenLeakedKey(ctx, {}), "exactly one of");
  expect_error(OpenLeakedKey(ctx, {.finding_id = "0123456789ab"}), "no open finding");
  expect_error(OpenLeakedKey(ctx, {.key_id = f.sibling.record.id}), "no exposure start");
  expect_error(OpenLeakedKey(ctx, {.key_id = f.leaked.record.id, .exposed_since = f.now + days(1)}), "future");
  expect_error(OpenDataAccess(ctx, {.suspension = 999}), "no suspension");
  expect_error(OpenDataAccess(ctx, {.key_id = f.leaked.record.id, .from = f.now, .to = f.now - days(1)}),
               "must be before");
  expect_error(Resume(ctx, "inc-9999"), "no incident");
  EXPECT_FALSE(LoadIncident(*f.store, "inc-9999"));
  EXPECT_TRUE(f.store->ListIncidents()->empty());
  EXPECT_EQ(keys::StatusOf(**f.store->GetKey(f.leaked.record.id), f.now), keys::KeyStatus::kActive);
}

TEST(IncidentsTest, DataAccessFindsTheExposedSetAndWhatTheStopCutOff) {
  auto store = NewMemoryStore();
  const TimePoint now = At("2026-11-27T08:00:00Z");
  keys::IssueRequest r;
  r.prefix = "acme";
  r.owner = "data-team";
  r.client = "Initech";
  auto scraper = keys::IssueKey(*store, r, now - days(60));
  r.client = "Globex";
  auto other = keys::IssueKey(*store, r, now - days(60));
  ASSERT_TRUE(scraper && other);
  const TimePoint walk = now - hours(10);
  std::vector<UsageEvent> ev;
  // The scraper walks customers 1000..1199, one every 2 s, from two IPs.
  for (int i = 0; i < 200; ++i) {
    ev.push_back({scraper->record.id, Ms(walk) + i * 2000, i % 4 == 0 ? "203.0.113.67" : "203.0.113.66", "GET",
                  fmt::format("/v1/customers/{}", 1000 + i), 200, "python-requests/2.31", "log"});
  }
  // The other key fetched 1150..1249 in the same window: 50 of the scraper's.
  for (int i = 0; i < 100; ++i) {
    ev.push_back({other->record.id, Ms(walk) + i * 5000, "198.51.100.5", "GET",
                  fmt::format("/v1/customers/{}", 1150 + i), 200, "globex-sync/1.8", "log"});
  }
  ASSERT_TRUE(store->AppendUsage(ev));
  // The automatic stop fired after the walk; 10 more asks were refused.
  const TimePoint stop = walk + std::chrono::seconds(400);
  auto s = keys::SuspendKey(*store, scraper->record.id, "sequential walk of 50 ids", R"({"rule":"sequential"})",
                            "guard", stop);
  ASSERT_TRUE(s);
  std::vector<UsageEvent> refused;
  for (int i = 0; i < 10; ++i) {
    refused.push_back({scraper->record.id, Ms(stop) + 1000 + i * 1000, "203.0.113.66", "GET",
                       fmt::format("/v1/customers/{}", 1200 + i), 403, "python-requests/2.31", "guard"});
  }
  ASSERT_TRUE(store->AppendUsage(refused));
  std::int64_t seq = store->AuditTrail()->back().seq;

  fs::path dir = fs::temp_directory_path() / fmt::format("ctodesk-incidents-data-{}", ::getpid());
  fs::remove_all(dir);
  Context ctx{*store};
  ctx.now = now;
  ctx.actor = "cli:test";
  ctx.out_dir = dir;
  auto run = OpenDataAccess(ctx, {.suspension = seq});
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_FALSE(run->failure) << *run->failure;
  EXPECT_EQ(run->incident.kind, "data-access");
  EXPECT_EQ(run->incident.subject, scraper->record.id);
  auto o = DetailOf(run->steps, "objects");
  EXPECT_EQ(o["served"], 200);
  EXPECT_EQ(o["refused"], 10);
  EXPECT_EQ(o["objects"], 200);
  EXPECT_EQ(o["objects_only_this_key"], 150);
  EXPECT_EQ(o["objects_also_fetched_by_others"], 50);
  EXPECT_EQ(o["peak_per_minute"], 30);
  EXPECT_EQ(o["ips"][0]["value"], "203.0.113.66");
  EXPECT_EQ(o["ips"][0]["requests"], 150);
  std::string csv = ReadAll(o["csv"].get<std::string>());
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 151) << "a header and the 150 exposed objects";
  EXPECT_NE(csv.find("\ncustomers/1000,"), std::string::npos);
  EXPECT_NE(csv.find("\ncustomers/1149,"), std::string::npos);
  EXPECT_EQ(csv.find("\ncustomers/1150,"), std::string::npos) << "fetched by the other key too";
  auto st = DetailOf(run->steps, "stop");
  EXPECT_EQ(st["fired"], true);
  EXPECT_EQ(st["by"], "guard");
  EXPECT_EQ(st["refused_after_stop"], 10);
  EXPECT_EQ(st["objects_refused_after_stop"], 10);
  EXPECT_EQ(st["served_before_stop"], 200);

  // Configured patterns: only /v1/customers/{id} counts, named as configured.
  Settings only;
  only.objects.push_back(*keys::ParseObjectPattern("/v1/customers/{id}"));
  EXPECT_EQ(ObjectOf(only, "/v1/customers/77?x=1"), "v1/customers/77");
  EXPECT_EQ(ObjectOf(only, "/v1/orders/77"), std::nullopt);
  Settings def;
  EXPECT_EQ(ObjectOf(def, "/v1/orders/77/lines"), "orders/77");
  EXPECT_EQ(ObjectOf(def, "/files/123e4567-e89b-12d3-a456-426614174000"), "files/123e4567-e89b-12d3-a456-426614174000");
  EXPECT_EQ(ObjectOf(def, "/healthz"), std::nullopt);
  fs::remove_all(dir);
}

TEST(IncidentsTest, ALeakWithoutAnIncidentAfterAnHourIsActNow) {
  auto store = NewMemoryStore();
  const TimePoint now = At("2026-11-27T08:00:00Z");
  leaks::LeakedKeyRecord r;
  r.key_id = "key_aaaaaaaaaaaa";
  r.repo = "api";
  r.where = "ci.env:1";
  r.found_at = ToUnix(now - minutes(30));
  r.action = "revoked";
  ASSERT_TRUE(leaks::SaveLeakedKey(*store, r));
  IncidentsDesk desk{Settings{}};
  FixedClock clock(now);
  DeskContext ctx{*store, clock, "/tmp"};
  auto early = desk.Run(ctx);
  ASSERT_TRUE(early);
  EXPECT_TRUE(early->findings.empty()) << "30 minutes: not yet";
  clock.Set(now + minutes(31));
  auto late = desk.Run(ctx);
  ASSERT_TRUE(late);
  ASSERT_EQ(late->findings.size(), 1u);
  EXPECT_EQ(late->findings[0].kind, "leak-without-incident");
  EXPECT_EQ(late->findings[0].severity, Severity::kActNow);
  EXPECT_NE(late->findings[0].action.find("incident open leaked-key --key-id key_aaaaaaaaaaaa"), std::string::npos);
  // Config: a bad pattern is a config error naming the key.
  auto reader = ConfigReader::FromString("[incidents]\nobjects = [\"customers\"]\nunhandled_leak_after = \"2h\"\n",
                                         "ctodesk.toml", "/base");
  ASSERT_TRUE(reader);
  auto root = (*reader)->Root();
  auto section = root.Table("incidents", true);
  Settings s = ReadSettings(*section);
  (*reader)->Finish();
  EXPECT_EQ(s.unhandled_leak_after, hours(2));
  ASSERT_FALSE((*reader)->issues().empty());
  EXPECT_NE((*reader)->IssuesText().find("incidents.objects"), std::string::npos) << (*reader)->IssuesText();
}

TEST(IncidentsTest, ALeaksFindingNamesTheKeyAndItsWindow) {
  LeakFixture f;
  ASSERT_NO_FATAL_FAILURE(f.SetUp("finding"));
  Finding leak;
  leak.desk = "leaks";
  leak.subject = "payments-api 0123456789abcdef";
  leak.kind = "at-head";
  leak.severity = Severity::kActNow;
  leak.title = "Our API key leaked";
  leak.evidence = {{"rule", "own-key-acme"}, {"key", f.leaked.record.id}};
  leak.first_seen = leak.last_seen = f.now - hours(3);
  Finding other = leak;
  other.subject = "payments-api fedcba9876543210";
  other.evidence = {{"rule", "github-pat"}};
  ASSERT_TRUE(f.store->SaveFindings({leak, other}, {}, f.now - hours(3)));
  Context ctx = f.Ctx(f.now);
  auto wrong = OpenLeakedKey(ctx, {.finding_id = other.Id()});
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("does not name one of our API keys"), std::string::npos);
  auto run = OpenLeakedKey(ctx, {.finding_id = leak.Id()});
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->incident.subject, f.leaked.record.id);
  EXPECT_EQ(DetailOf(run->steps, "exposure")["from"], "2026-11-20T10:00:00Z") << "the commit, from the leaks desk";
  EXPECT_EQ(DetailOf(run->steps, "usage")["uses"], 32);
  // An explicit --exposed-since wins over the commit: a later start, fewer uses.
  auto later = OpenLeakedKey(ctx, {.key_id = f.sibling.record.id, .exposed_since = f.now - days(1)});
  ASSERT_TRUE(later) << later.error().message;
  EXPECT_EQ(DetailOf(later->steps, "usage")["uses"], 0) << "the sibling was never used";
  EXPECT_EQ(later->incident.id, "inc-0002");
}

// The store refuses to record a step (here: a trigger that aborts, as a full
// disk or a lock would): the steps before it stay recorded, the incident
// stays open at that step, and a resume continues from it.
TEST(IncidentsTest, AStoreFailureHalfWayKeepsTheStepsDoneAndTheNextStep) {
  LeakFixture f;
  ASSERT_NO_FATAL_FAILURE(f.SetUp("store"));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((f.dir / "desk.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TRIGGER refuse_usage BEFORE INSERT ON incident_steps WHEN NEW.name = 'usage' "
                         "BEGIN SELECT RAISE(ABORT, 'the disk is full (test)'); END;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  Context ctx = f.Ctx(f.now);
  auto run = OpenLeakedKey(ctx, {.key_id = f.leaked.record.id});
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_TRUE(run->failure);
  EXPECT_NE(run->failure->find("could not be recorded"), std::string::npos) << *run->failure;
  EXPECT_NE(run->failure->find("the disk is full"), std::string::npos) << *run->failure;
  EXPECT_EQ(run->incident.status, "open");
  EXPECT_EQ(run->incident.next_step, "usage");
  ASSERT_EQ(run->steps.size(), 2u);
  EXPECT_EQ(run->steps[0].name, "revoke");
  EXPECT_EQ(run->steps[1].name, "exposure");
  auto listed = f.store->ListIncidents();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].next_step, "usage") << "as stored";

  ASSERT_EQ(sqlite3_exec(db, "DROP TRIGGER refuse_usage", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  // Opened again with --rotate before the rotate step ran: the new choice
  // is taken (it used to be ignored) and the procedure continues.
  auto resumed = OpenLeakedKey(ctx, {.key_id = f.leaked.record.id, .rotate = "owner"});
  ASSERT_TRUE(resumed) << resumed.error().message;
  EXPECT_FALSE(resumed->failure) << *resumed->failure;
  EXPECT_TRUE(resumed->continued);
  ASSERT_EQ(resumed->steps.size(), 6u);
  EXPECT_EQ(resumed->steps[2].name, "usage");
  EXPECT_EQ(DetailOf(resumed->steps, "usage")["uses"], 32);
  EXPECT_EQ(DetailOf(resumed->steps, "rotate")["scope"], "owner");
  EXPECT_TRUE(keys::VerifyAuditChain(*f.store)->ok) << "the refused step left no audit entry behind";
  auto trail = f.store->AuditTrail();
  int audited = 0;
  for (const AuditEntry& e : *trail) audited += e.action.starts_with("incident:");
  EXPECT_EQ(audited, 6);
}

// The revoke step against a running guard on the same store file (as
// `ctodesk serve` in another process): the guard refuses the key within a
// second, without a restart.
TEST(IncidentsTest, ARunningGuardRefusesTheLeakedKeyWithinASecond) {
  LeakFixture f;
  ASSERT_NO_FATAL_FAILURE(f.SetUp("guard"));
  auto guard_store = OpenSqliteStore(f.dir / "desk.db");
  ASSERT_TRUE(guard_store);
  keys::Settings settings;
  settings.prefix = "acme";
  keys::GuardOptions options;
  options.poll_interval = std::chrono::milliseconds(50);
  auto guard = keys::Guard::Start(std::move(*guard_store), settings, options);
  ASSERT_TRUE(guard) << guard.error().message;
  keys::GuardRequest request;
  request.authorization = "Bearer " + f.leaked.plain_key;
  request.original_uri = "/customers/1";
  request.remote_ip = "198.51.100.7";
  EXPECT_EQ((*guard)->Check(request).status, 200);

  Context ctx = f.Ctx(SystemClock().Now());
  auto run = OpenLeakedKey(ctx, {.key_id = f.leaked.record.id, .exposed_since = f.exposed});
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_EQ(run->steps.front().status, "done") << run->steps.front().detail;
  const auto revoked = std::chrono::steady_clock::now();
  int status = 200;
  while (std::chrono::steady_clock::now() - revoked < std::chrono::seconds(1)) {
    status = (*guard)->Check(request).status;
    if (status == 401) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(status, 401) << "the guard still lets the leaked key in a second after the revoke step";
  request.authorization = "Bearer " + f.stranger.plain_key;
  EXPECT_EQ((*guard)->Check(request).status, 200) << "other keys keep working";
  (*guard)->Stop();
}

}  // namespace
}  // namespace ctodesk::incidents
