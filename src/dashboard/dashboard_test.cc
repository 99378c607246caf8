#include <unistd.h>

#include <filesystem>
#include <regex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dashboard/api.h"
#include "dashboard/app.h"
#include "dashboard/auth.h"
#include "dashboard/html.h"
#include "dashboard/view.h"
#include "desks/keys/registry.h"

namespace ctodesk::dashboard {
namespace {

TimePoint At(const char* s) { return *ParseTime(s); }
const TimePoint kNow = At("2026-11-27T08:00:00Z");

Finding MakeFinding(std::string desk, std::string subject, Severity s, std::string title,
                    std::string detail = "", Concern concern = Concern::kTechnology) {
  Finding f;
  f.desk = std::move(desk);
  f.subject = std::move(subject);
  f.kind = "k";
  f.severity = s;
  f.title = std::move(title);
  f.detail = std::move(detail);
  f.concern = concern;
  f.first_seen = kNow - std::chrono::days(2);
  f.last_seen = kNow;
  return f;
}

void Seed(Store& store) {
  std::vector<Finding> open = {
      MakeFinding("health", "api", Severity::kFyi, "api is a bit slow"),
      MakeFinding("health", "checkout", Severity::kActNow, "checkout is down", "503 since 07:10",
                  Concern::kCustomers),
      MakeFinding("backups", "db", Severity::kToday, "db backup is 2 days old", "", Concern::kTechnology),
      MakeFinding("leaks", "repo", Severity::kThisWeek, "<script>alert(1)</script> leaked",
                  "\"><img src=x onerror=alert(2)>", Concern::kSecurity),
  };
  open.back().evidence = {{"commit <svg onload=alert(3)>", "file '><iframe src=//x>"}};
  open.back().action = "</p><form action=//evil>";
  ASSERT_TRUE(store.SaveFindings(open, {}, kNow));
  ASSERT_TRUE(store.RecordRun({"health", kNow - std::chrono::hours(1), true, 120, 2, ""}));
  ASSERT_TRUE(store.RecordRun({"backups", kNow - std::chrono::hours(1), false, 10, 0, "disk <b>gone</b>"}));
  ASSERT_TRUE(store.RecordRun({"leaks", kNow - std::chrono::days(3), true, 10, 1, ""}));
}

const std::vector<std::string> kDesks = {"health", "backups", "leaks", "keys"};

TEST(AuthTest, ScryptHashesVerifyAndRefuse) {
  auto h = HashPassword("correct horse battery");
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_EQ(h->rfind("scrypt$15$8$1$", 0), 0u) << *h;
  EXPECT_EQ(h->find("correct"), std::string::npos);
  EXPECT_TRUE(VerifyPassword("correct horse battery", *h));
  EXPECT_FALSE(VerifyPassword("correct horse batterY", *h));
  EXPECT_FALSE(VerifyPassword("correct horse battery", "scrypt$15$8$1$zz$00"));
  EXPECT_FALSE(VerifyPassword("x", ""));
  EXPECT_NE(*HashPassword("same"), *HashPassword("same")) << "fresh salt each time";
  EXPECT_FALSE(CheckUserName("al ice"));
  EXPECT_FALSE(CheckUserName(""));
  EXPECT_TRUE(CheckUserName("alice.b-2"));
  EXPECT_FALSE(CheckRole("root"));
  auto store = NewMemoryStore();
  EXPECT_FALSE(AddUser(*store, "bob", "admin", "short", kNow)) << "too short";
  EXPECT_TRUE(AddUser(*store, "bob", "admin", "long enough pw", kNow));
  EXPECT_EQ((*store->GetUser("bob"))->role, "admin");
}

TEST(ViewTest, RanksFailingFirstFiltersAndFreshness) {
  auto store = NewMemoryStore();
  Seed(*store);
  auto v = LoadBriefView(*store, kDesks, "Acme", kNow, {});
  ASSERT_TRUE(v);
  ASSERT_EQ(v->findings.size(), 4u);
  EXPECT_EQ(v->findings.front().title, "checkout is down");
  EXPECT_EQ(v->findings.back().severity, Severity::kFyi);
  std::map<std::string, Freshness> state;
  for (const auto& d : v->desks) state[d.desk] = d.state;
  EXPECT_EQ(state["health"], Freshness::kFresh);
  EXPECT_EQ(state["backups"], Freshness::kFailed);
  EXPECT_EQ(state["leaks"], Freshness::kStale);
  EXPECT_EQ(state["keys"], Freshness::kNeverRan);

  BriefFilter f;
  f.desk = "health";
  EXPECT_EQ(LoadBriefView(*store, kDesks, "Acme", kNow, f)->findings.size(), 2u);
  f.failing_only = true;
  EXPECT_EQ(LoadBriefView(*store, kDesks, "Acme", kNow, f)->findings.size(), 1u);
  BriefFilter q;
  q.q = "503";  // in the detail
  EXPECT_EQ(LoadBriefView(*store, kDesks, "Acme", kNow, q)->findings.size(), 1u);
  q.q = "CHECKOUT";  // the subject, any case
  EXPECT_EQ(LoadBriefView(*store, kDesks, "Acme", kNow, q)->findings.size(), 1u);
  BriefFilter t;
  t.tag = "security";
  EXPECT_EQ(LoadBriefView(*store, kDesks, "Acme", kNow, t)->findings.size(), 1u);
}

TEST(HtmlTest, BriefPageEscapesAndOrders) {
  auto store = NewMemoryStore();
  Seed(*store);
  auto v = LoadBriefView(*store, kDesks, "Acme <Corp>", kNow, {});
  PageContext ctx;
  std::string html = RenderBriefPage(*v, {}, {}, ctx);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_EQ(html.find("<img src=x"), std::string::npos);
  EXPECT_EQ(html.find("<b>gone</b>"), std::string::npos);
  EXPECT_EQ(html.find("<svg onload"), std::string::npos);
  EXPECT_EQ(html.find("<iframe"), std::string::npos);
  EXPECT_EQ(html.find("<form action=//evil"), std::string::npos);
  EXPECT_NE(html.find("commit &lt;svg onload=alert(3)&gt;"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("Acme &lt;Corp&gt;"), std::string::npos);
  EXPECT_EQ(html.find(" style="), std::string::npos) << "no inline styles under the CSP";
  EXPECT_EQ(html.find("<style"), std::string::npos);
  // The only script is the external one.
  EXPECT_EQ(std::count(html.begin(), html.end(), '<') > 0, true);
  std::regex scripts("<script[^>]*>");
  auto n = std::distance(std::sregex_iterator(html.begin(), html.end(), scripts), std::sregex_iterator());
  EXPECT_EQ(n, 1);
  EXPECT_NE(html.find("<script src=\"/static/app.js\">"), std::string::npos);
  size_t act = html.find("checkout is down"), fyi = html.find("api is a bit slow");
  ASSERT_NE(act, std::string::npos);
  ASSERT_NE(fyi, std::string::npos);
  EXPECT_LT(act, fyi);
  EXPECT_NE(html.find("3rd day running"), std::string::npos);
  EXPECT_NE(html.find("The keys desk has never run"), std::string::npos);
  EXPECT_NE(html.find("The backups desk failed on its last run: disk &lt;b&gt;gone"), std::string::npos);
  EXPECT_NE(html.find("The leaks desk last ran 3 days ago"), std::string::npos);
  EXPECT_EQ(html.find("/actions/"), std::string::npos) << "no action forms without an admin session";
}

TEST(HtmlTest, UptimeStripHasNinetyCellsAndWords) {
  SubjectHistory h;
  h.subject = "api<1>";
  for (int d = 0; d < 90; ++d) {
    CheckDay c;
    c.day = kNow - std::chrono::days(89 - d);
    c.total = d == 10 ? 0 : 24;
    c.ok = d == 20 ? 12 : c.total;
    h.days.push_back(c);
  }
  std::string svg = UptimeStripSvg(h, "x");
  // 88 clean days in one path, 1 day without checks in another, 1 bad day as a rect.
  std::regex cell("M[0-9]+ (6h3v18|20h3v4)h-3z");
  EXPECT_EQ(std::distance(std::sregex_iterator(svg.begin(), svg.end(), cell), std::sregex_iterator()), 89);
  std::regex rect("<rect ");
  EXPECT_EQ(std::distance(std::sregex_iterator(svg.begin(), svg.end(), rect), std::sregex_iterator()), 1);
  EXPECT_NE(svg.find("<title id=\"x-t\">Uptime of api&lt;1&gt;"), std::string::npos);
  EXPECT_NE(svg.find("1 day with failures; 1 day without checks"), std::string::npos) << svg.substr(0, 400);
  EXPECT_NE(svg.find("12 of 24 up"), std::string::npos);
  std::vector<CheckRecord> recent = {{"health", "a", kNow, true, 10, ""}, {"health", "a", kNow, true, 30, ""}};
  std::string spark = SparklineSvg(recent, "Latency", "ms", "s");
  EXPECT_NE(spark.find("lowest 10 ms"), std::string::npos);
  EXPECT_NE(spark.find("highest 30 ms"), std::string::npos);
}

// The app end to end, without sockets.
class AppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = NewMemoryStore();
    raw_ = store.get();
    Seed(*store);
    ASSERT_TRUE(AddUser(*store, "alice", "admin", "alice password", kNow));
    ASSERT_TRUE(AddUser(*store, "reader", "read", "reader password", kNow));
    keys::IssueRequest req;
    req.owner = "carol";
    auto k = keys::IssueKey(*store, req, kNow);
    ASSERT_TRUE(k);
    key_id_ = k->record.id;
    AppOptions o;
    o.sign_in_failures_per_name = 20;
    o.company = "Acme";
    o.desks = kDesks;
    o.loopback = loopback_;
    app_ = std::make_unique<DashboardApp>(std::move(store), nullptr, clock_, nullptr, o);
  }
  WebResponse Get(std::string target, std::string cookie = "") {
    WebRequest r;
    r.method = "GET";
    size_t q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = target.substr(q + 1);
    if (!cookie.empty()) r.headers.emplace_back("cookie", cookie);
    return app_->Handle(r);
  }
  WebResponse Post(std::string path, std::string body, std::string cookie = "",
                   std::string origin = "") {
    WebRequest r;
    r.method = "POST";
    r.path = std::move(path);
    r.body = std::move(body);
    r.headers.emplace_back("host", "127.0.0.1:8750");
    if (!cookie.empty()) r.headers.emplace_back("cookie", cookie);
    if (!origin.empty()) r.headers.emplace_back("origin", origin);
    return app_->Handle(r);
  }
  static std::string HeaderOf(const WebResponse& r, std::string_view name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return {};
  }
  // Signs in; returns the cookie and the page's CSRF token.
  std::pair<std::string, std::string> SignIn(const std::string& name, const std::string& password) {
    WebResponse r = Post("/login", "name=" + name + "&password=" + UrlEncode(password) + "&back=%2F");
    EXPECT_EQ(r.status, 303) << r.body;
    std::string set = HeaderOf(r, "Set-Cookie");
    EXPECT_NE(set.find("HttpOnly"), std::string::npos);
    EXPECT_NE(set.find("SameSite=Strict"), std::string::npos);
    std::string cookie = set.substr(0, set.find(';'));
    WebResponse page = Get("/desks/keys", cookie);
    std::smatch m;
    std::regex csrf("name=\"csrf\" value=\"([0-9a-f]+)\"");
    std::string csrf_token;
    if (std::regex_search(page.body, m, csrf)) csrf_token = m[1];
    return {cookie, csrf_token};
  }
  bool loopback_ = true;
  FixedClock clock_{kNow};
  Store* raw_ = nullptr;
  std::string key_id_;
  std::unique_ptr<DashboardApp> app_;
};

TEST_F(AppTest, PagesCarryTheCspAndRender) {
  WebResponse r = Get("/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(HeaderOf(r, "Content-Security-Policy").rfind("default-src 'self'", 0), 0u);
  EXPECT_NE(r.body.find("checkout is down"), std::string::npos);
  WebResponse filtered = Get("/?desk=backups");
  EXPECT_EQ(filtered.body.find("checkout is down"), std::string::npos);
  EXPECT_NE(filtered.body.find("db backup is 2 days old"), std::string::npos);
  EXPECT_NE(filtered.body.find("<option value=\"backups\" selected>"), std::string::npos);
  EXPECT_EQ(Get("/desks/health").status, 200);
  EXPECT_EQ(Get("/desks/nope").status, 404);
  EXPECT_EQ(Get("/static/app.css").content_type.rfind("text/css", 0), 0u);
  EXPECT_EQ(Get("/nowhere").status, 404);
  WebResponse keys = Get("/desks/keys");
  EXPECT_NE(keys.body.find(key_id_), std::string::npos);
  EXPECT_NE(keys.body.find("issue"), std::string::npos) << "audit trail shown";
}

TEST_F(AppTest, ApiPaginatesWithCursor) {
  auto first = nlohmann::json::parse(Get("/api/brief?limit=1").body);
  EXPECT_EQ(first["total"], 4);
  ASSERT_EQ(first["findings"].size(), 1u);
  EXPECT_EQ(first["findings"][0]["title"], "checkout is down");
  EXPECT_EQ(first["findings"][0]["days_running"], 3);
  ASSERT_EQ(first["next_cursor"], "1");
  auto second = nlohmann::json::parse(Get("/api/brief?limit=1&cursor=1").body);
  EXPECT_EQ(second["findings"][0]["severity"], "today");
  auto last = nlohmann::json::parse(Get("/api/brief?limit=10&offset=3").body);
  EXPECT_TRUE(last["next_cursor"].is_null());
  auto findings = nlohmann::json::parse(Get("/api/desks/health/findings").body);
  EXPECT_EQ(findings["findings"].size(), 2u);
  EXPECT_EQ(Get("/api/desks/nope/history").status, 404);
  auto history = nlohmann::json::parse(Get("/api/desks/keys/history").body);
  EXPECT_EQ(history["keys"].size(), 1u);
  std::string metrics = Get("/metrics").body;
  EXPECT_NE(metrics.find("ctodesk_findings_open{desk=\"health\",severity=\"act-now\"} 1"), std::string::npos);
  EXPECT_NE(metrics.find("ctodesk_desk_run_failures_total{desk=\"backups\"} 1"), std::string::npos);
}

TEST_F(AppTest, ActionsNeedSessionCsrfAndAdmin) {
  std::string body = "key=" + key_id_ + "&reason=leaked&back=%2Fdesks%2Fkeys";
  EXPECT_EQ(Post("/actions/revoke", body + "&csrf=x").status, 401) << "no session";
  auto [cookie, csrf] = SignIn("alice", "alice password");
  ASSERT_FALSE(csrf.empty());
  EXPECT_EQ(Post("/actions/revoke", body + "&csrf=" + std::string(csrf.size(), '0'), cookie).status, 403)
      << "wrong CSRF token";
  EXPECT_EQ(Post("/actions/revoke", body, cookie).status, 403) << "no CSRF token";
  EXPECT_EQ(Post("/actions/revoke", body + "&csrf=" + csrf, cookie, "http://evil.example").status, 403)
      << "cross-site origin";
  auto [rcookie, rcsrf] = SignIn("reader", "reader password");
  EXPECT_EQ(Get("/desks/keys", rcookie).body.find("/actions/revoke"), std::string::npos)
      << "a read-only page has no action forms";
  // The read-only account's own session token, taken from the sign-out form.
  WebResponse page = Get("/", rcookie);
  std::smatch m;
  std::regex csrf_re("name=\"csrf\" value=\"([0-9a-f]+)\"");
  ASSERT_TRUE(std::regex_search(page.body, m, csrf_re));
  EXPECT_EQ(Post("/actions/revoke", body + "&csrf=" + std::string(m[1]), rcookie).status, 403)
      << "read-only account";
  EXPECT_EQ(keys::StatusOf(*keys::GetKeyOrFail(*raw_, key_id_), kNow), keys::KeyStatus::kActive);

  WebResponse ok = Post("/actions/revoke", body + "&csrf=" + csrf, cookie);
  EXPECT_EQ(ok.status, 303) << ok.body;
  EXPECT_EQ(HeaderOf(ok, "Location"), "/desks/keys");
  EXPECT_EQ(keys::StatusOf(*keys::GetKeyOrFail(*raw_, key_id_), kNow), keys::KeyStatus::kRevoked);
  auto trail = *raw_->AuditTrail();
  EXPECT_EQ(trail.back().action, "revoke");
  EXPECT_EQ(trail.back().actor, "web:alice");

  std::string id = MakeFinding("health", "checkout", Severity::kActNow, "").Id();
  WebResponse ack = Post("/actions/acknowledge",
                         "finding=" + id + "&note=on+it+%3Cb%3E&expires=7d&back=%2F&csrf=" + csrf, cookie);
  EXPECT_EQ(ack.status, 303) << ack.body;
  EXPECT_EQ(raw_->AuditTrail()->back().action, "acknowledge");
  std::string html = Get("/", cookie).body;
  EXPECT_NE(html.find("Acknowledged by alice"), std::string::npos);
  EXPECT_NE(html.find("on it &lt;b&gt;"), std::string::npos);
  EXPECT_EQ(Post("/actions/acknowledge", "finding=" + id + "&note=x&expires=1y&csrf=" + csrf, cookie).status,
            400);
  EXPECT_EQ(Post("/actions/run", "desk=health&csrf=" + csrf, cookie).status, 400) << "no setup here";
  // An offsite "back" is not followed.
  WebResponse lift = Post("/actions/acknowledge",
                          "finding=" + id + "&note=x&expires=1d&back=%2F%2Fevil.example&csrf=" + csrf, cookie);
  EXPECT_EQ(HeaderOf(lift, "Location"), "/");
}

TEST_F(AppTest, FiveFailedSignInsLockTheNameForThatClient) {
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Post("/login", "name=alice&password=guess" + std::to_string(i)).status, 401);
  WebResponse locked = Post("/login", "name=alice&password=alice+password");
  EXPECT_EQ(locked.status, 429) << "even the right password, while locked";
  EXPECT_NE(locked.body.find("Too many failed sign-ins"), std::string::npos);
  EXPECT_EQ(Post("/login", "name=reader&password=reader+password").status, 303) << "other names unaffected";
  clock_.Set(kNow + std::chrono::minutes(16));
  EXPECT_EQ(Post("/login", "name=alice&password=alice+password").status, 303) << "the lock ages out";
}

TEST_F(AppTest, AnotherClientCannotLockAliceOut) {
  auto login_from = [&](const std::string& peer, const std::string& forwarded, const std::string& password) {
    WebRequest r;
    r.method = "POST";
    r.path = "/login";
    r.peer = peer;
    r.body = "name=alice&password=" + password;
    r.headers.emplace_back("host", "127.0.0.1:8750");
    if (!forwarded.empty()) r.headers.emplace_back("x-forwarded-for", forwarded);
    return app_->Handle(r).status;
  };
  for (int i = 0; i < 5; ++i) EXPECT_EQ(login_from("198.51.100.7", "", "guess"), 401);
  EXPECT_EQ(login_from("198.51.100.7", "", "alice+password"), 429) << "the guessing client is locked";
  EXPECT_EQ(login_from("203.0.113.9", "", "alice+password"), 303) << "alice, elsewhere, is not";
  // Behind a proxy on this machine, the proxy's last hop names the client; a
  // forged first hop does not let the guesser out.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(login_from("127.0.0.1", "10.0.0.1, 192.0.2.4", "guess"), 401);
  EXPECT_EQ(login_from("127.0.0.1", "10.0.0.2, 192.0.2.4", "alice+password"), 429);
  EXPECT_EQ(login_from("127.0.0.1", "192.0.2.5", "alice+password"), 303);
  // Many clients guessing one name lock it for everyone.
  for (int i = 0; i < 20; ++i) login_from("192.0.2." + std::to_string(100 + i), "", "guess");
  EXPECT_EQ(login_from("203.0.113.9", "", "alice+password"), 429) << "a distributed guess locks the name";
}

TEST_F(AppTest, LoginRefusesWrongPasswordAndSignsOut) {
  EXPECT_EQ(Post("/login", "name=alice&password=nope").status, 401);
  EXPECT_EQ(Post("/login", "name=ghost&password=alice+password").status, 401);
  auto [cookie, csrf] = SignIn("alice", "alice password");
  EXPECT_NE(Get("/", cookie).body.find("Signed in as <b>alice</b>"), std::string::npos);
  EXPECT_EQ(Post("/logout", "csrf=" + csrf, cookie).status, 303);
  EXPECT_EQ(Get("/", cookie).body.find("Signed in as"), std::string::npos) << "session gone";
}

class RemoteAppTest : public AppTest {
 protected:
  void SetUp() override {
    loopback_ = false;
    AppTest::SetUp();
  }
};

TEST_F(RemoteAppTest, OffLoopbackEverythingNeedsALogin) {
  WebResponse r = Get("/?desk=health");
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(HeaderOf(r, "Location"), "/login?back=%2F%3Fdesk%3Dhealth");
  EXPECT_EQ(Get("/api/brief").status, 401);
  EXPECT_EQ(Get("/metrics").status, 401);
  EXPECT_EQ(Get("/login").status, 200);
  auto [cookie, csrf] = SignIn("reader", "reader password");
  EXPECT_EQ(Get("/api/brief", cookie).status, 200);
}

TEST(ViewTest, DeskPageShowsTheFiguresOfItsLastRun) {
  auto store = NewMemoryStore();
  ASSERT_TRUE(store->RecordRun({"deadlines", kNow, true, 10, 2, ""}));
  ASSERT_TRUE(store->PutState(kFiguresState, "deadlines",
                              R"([{"title":"Delivery <forecasts>","svg":"<svg role=\"img\"><title>t</title></svg>"}])"));
  auto v = LoadDeskView(*store, {"deadlines"}, "deadlines", kNow, {});
  ASSERT_TRUE(v) << v.error().message;
  ASSERT_EQ(v->figures.size(), 1u);
  std::string page = RenderDeskPage(*v, {});
  EXPECT_NE(page.find("<h2 id=\"figure-h0\">Delivery &lt;forecasts&gt;</h2><figure><svg role=\"img\">"),
            std::string::npos);
  // Garbage in the store shows nothing rather than breaking the page.
  ASSERT_TRUE(store->PutState(kFiguresState, "deadlines", "{not json"));
  v = LoadDeskView(*store, {"deadlines"}, "deadlines", kNow, {});
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_TRUE(v->figures.empty());
}

TEST(ViewTest, KeysPageCountsUsageUpToACap) {
  auto store = NewMemoryStore();
  keys::IssueRequest req;
  req.owner = "busy";
  auto k = keys::IssueKey(*store, req, kNow - std::chrono::days(1));
  ASSERT_TRUE(k);
  std::vector<UsageEvent> events;
  for (int i = 0; i < 1500; ++i) {
    events.push_back({k->record.id, ToUnix(kNow) * 1000 - 1000 * i, "10.0.0.1", "GET", "/x", 200, "ua", "guard"});
  }
  ASSERT_TRUE(store->AppendUsage(events));
  auto v = LoadDeskView(*store, {"keys"}, "keys", kNow, {});
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->uses_24h[k->record.id], kUsageCap + 1);
  EXPECT_NE(RenderDeskPage(*v, {}).find(">1000+<"), std::string::npos);
  auto j = nlohmann::json::parse(DeskHistoryJson(*v));
  EXPECT_EQ(j["keys"][0]["uses_24h"], 1000);
  EXPECT_TRUE(j["keys"][0]["uses_24h_more"].get<bool>());
}

TEST(StoreTwinsTest, UsersSessionsAcknowledgementsRuns) {
  auto dir = std::filesystem::temp_directory_path() / ("ctodesk-dash-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  auto sqlite = OpenSqliteStore(dir / "desk.db");
  ASSERT_TRUE(sqlite);
  std::unique_ptr<Store> stores[] = {std::move(*sqlite), NewMemoryStore()};
  for (auto& s : stores) {
    ASSERT_TRUE(s->SaveUser({"bob", "read", "h1", kNow}));
    ASSERT_TRUE(s->SaveUser({"bob", "admin", "h2", kNow}));
    EXPECT_EQ((*s->GetUser("bob"))->role, "admin");
    EXPECT_FALSE(*s->GetUser("nobody"));
    EXPECT_EQ(s->ListUsers()->size(), 1u);
    ASSERT_TRUE(s->SaveSession({"t", "bob", "c", kNow, kNow + std::chrono::hours(1)}));
    EXPECT_TRUE(*s->GetSession("t", kNow));
    EXPECT_FALSE(*s->GetSession("t", kNow + std::chrono::hours(2))) << "expired";
    ASSERT_TRUE(s->DeleteSession("t"));
    EXPECT_FALSE(*s->GetSession("t", kNow));
    ASSERT_TRUE(s->SaveSession({"u", "bob", "c", kNow, kNow + std::chrono::hours(1)}));
    ASSERT_TRUE(s->SaveUser({"bob", "read", "h2", kNow}));
    EXPECT_TRUE(*s->GetSession("u", kNow)) << "same password: the session stays";
    ASSERT_TRUE(s->SaveUser({"bob", "admin", "h3", kNow}));
    EXPECT_FALSE(*s->GetSession("u", kNow)) << "a new password ends the sessions";
    ASSERT_TRUE(s->SaveAcknowledgement({"abc", "n", "bob", kNow, kNow + std::chrono::hours(1)}));
    EXPECT_EQ(s->Acknowledgements(kNow)->size(), 1u);
    EXPECT_EQ(s->Acknowledgements(kNow + std::chrono::hours(2))->size(), 0u);
    ASSERT_TRUE(s->RecordRun({"health", kNow - std::chrono::hours(2), true, 1, 1, ""}));
    ASSERT_TRUE(s->RecordRun({"health", kNow - std::chrono::hours(1), false, 1, 1, "x"}));
    ASSERT_TRUE(s->AppendChecks({{"health", "api", kNow - std::chrono::hours(30), true, 1, ""},
                                 {"health", "api", kNow - std::chrono::hours(2), false, 1, ""},
                                 {"health", "api", kNow - std::chrono::hours(1), true, 1, ""},
                                 {"health", "db", kNow, true, 1, ""},
                                 {"health", "api", kNow - std::chrono::days(10), true, 1, ""}}));
    auto days = *s->DailyChecks("health", "api", kNow - std::chrono::days(2));
    ASSERT_EQ(days.size(), 2u);
    EXPECT_EQ(days[0].day, At("2026-11-26T00:00:00Z"));
    EXPECT_EQ(days[0].total, 1);
    EXPECT_EQ(days[1].day, At("2026-11-27T00:00:00Z"));
    EXPECT_EQ(days[1].total, 2);
    EXPECT_EQ(days[1].ok, 1);
    auto runs = *s->Runs("health", 10);
    ASSERT_EQ(runs.size(), 2u);
    EXPECT_FALSE(runs[0].ok) << "newest first";
    auto totals = *s->RunTotals();
    ASSERT_EQ(totals.size(), 1u);
    EXPECT_EQ(totals[0].runs, 2);
    EXPECT_EQ(totals[0].failures, 1);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ctodesk::dashboard
