#include "brief/brief.h"

#include <gtest/gtest.h>

namespace ctodesk {
namespace {

TimePoint At(const char* s) { return *ParseTime(s); }

// A desk whose findings (or failure) the test sets before each run.
class ScriptedDesk final : public Desk {
 public:
  std::vector<Finding> next;
  std::vector<Figure> figures;
  enum { kOk, kError, kThrow } mode = kOk;
  Result<DeskReport> Run(DeskContext&) override {
    if (mode == kError) return Fail(Error::Io("/srv/backups: permission denied"));
    if (mode == kThrow) throw std::runtime_error("boom");
    return DeskReport{next, static_cast<std::int64_t>(next.size()), figures};
  }
};

Finding Make(std::string subject, std::string kind, Severity sev) {
  Finding f;
  f.subject = std::move(subject);
  f.kind = std::move(kind);
  f.severity = sev;
  f.title = f.subject + " " + f.kind;
  return f;
}

class BriefTest : public ::testing::Test {
 protected:
  BriefTest() : clock_(At("2026-11-25T08:00:00Z")), store_(NewMemoryStore()) {
    auto a = std::make_unique<ScriptedDesk>();
    auto b = std::make_unique<ScriptedDesk>();
    health_ = a.get();
    backups_ = b.get();
    setup_.company = "Acme";
    setup_.desks.push_back({"health", std::move(a)});
    setup_.desks.push_back({"backups", std::move(b)});
  }
  Briefing Run(BriefOptions options = {}) {
    auto b = RunBriefing(setup_, *store_, clock_, options);
    EXPECT_TRUE(b.has_value()) << (b ? "" : b.error().message);
    return b ? *b : Briefing{};
  }
  void NextDay() { clock_.Set(clock_.Now() + std::chrono::hours(24)); }
  static std::vector<std::string> Subjects(const std::vector<Finding>& fs) {
    std::vector<std::string> out;
    for (const auto& f : fs) out.push_back(f.desk + ":" + f.subject + ":" + f.kind);
    return out;
  }

  FixedClock clock_;
  std::unique_ptr<Store> store_;
  ctodesk::Setup setup_;
  ScriptedDesk* health_;
  ScriptedDesk* backups_;
};

TEST_F(BriefTest, RanksAcrossDesksAndStampsDesk) {
  health_->next = {Make("web", "slow", Severity::kToday), Make("api", "down", Severity::kActNow)};
  backups_->next = {Make("orders-db", "stale", Severity::kActNow), Make("crm", "retention", Severity::kThisWeek)};
  Briefing b = Run();
  EXPECT_EQ(b.company, "Acme");
  EXPECT_EQ(Subjects(b.findings),
            (std::vector<std::string>{"backups:orders-db:stale", "health:api:down", "health:web:slow",
                                      "backups:crm:retention"}));
  ASSERT_EQ(b.desks.size(), 2u);
  EXPECT_EQ(b.desks[0].name, "health");
  EXPECT_EQ(b.desks[0].checked, 2);
  EXPECT_TRUE(b.desks[1].ok);
}

TEST_F(BriefTest, FiguresReachTheBriefingAndAreKeptForTheDashboard) {
  health_->figures = {{"health", "Uptime", "<svg>u</svg>"}};
  Briefing b = Run();
  ASSERT_EQ(b.figures.size(), 1u);
  EXPECT_EQ(b.figures[0].title, "Uptime");
  auto kept = store_->GetState(kFiguresState, "health");
  ASSERT_TRUE(kept && *kept);
  EXPECT_EQ(**kept, R"([{"svg":"<svg>u</svg>","title":"Uptime"}])");
  // A failed run keeps the last picture; a run that draws none clears it.
  health_->mode = ScriptedDesk::kError;
  Run();
  EXPECT_EQ(**store_->GetState(kFiguresState, "health"), R"([{"svg":"<svg>u</svg>","title":"Uptime"}])");
  health_->mode = ScriptedDesk::kOk;
  health_->figures.clear();
  Run();
  EXPECT_EQ(**store_->GetState(kFiguresState, "health"), "[]");
}

TEST_F(BriefTest, KeepsFirstSeenAcrossRunsAndResolves) {
  health_->next = {Make("api", "down", Severity::kActNow), Make("web", "slow", Severity::kToday)};
  Run();
  NextDay();
  NextDay();
  health_->next = {Make("api", "down", Severity::kActNow)};
  Briefing b = Run();
  ASSERT_EQ(b.findings.size(), 1u);
  EXPECT_EQ(FormatTime(b.findings[0].first_seen), "2026-11-25T08:00:00Z");
  EXPECT_EQ(FormatTime(b.findings[0].last_seen), "2026-11-27T08:00:00Z");
  EXPECT_EQ(DaysRunning(b.findings[0], b.generated_at), 3);
  ASSERT_EQ(b.resolved.size(), 1u);
  EXPECT_EQ(b.resolved[0].subject, "web");
  EXPECT_EQ(FormatTime(*b.resolved[0].resolved_at), "2026-11-27T08:00:00Z");

  // A day later "web" is no longer news.
  NextDay();
  clock_.Set(clock_.Now() + std::chrono::minutes(1));
  b = Run();
  EXPECT_TRUE(b.resolved.empty());
}

TEST_F(BriefTest, AProblemThatReturnsStartsAfresh) {
  health_->next = {Make("api", "down", Severity::kActNow)};
  Run();
  NextDay();
  health_->next = {};
  Run();
  NextDay();
  health_->next = {Make("api", "down", Severity::kActNow)};
  Briefing b = Run();
  ASSERT_EQ(b.findings.size(), 1u);
  EXPECT_EQ(DaysRunning(b.findings[0], b.generated_at), 1);
}

TEST_F(BriefTest, AFailingDeskBecomesOneActNowFindingAndKeepsItsHistoryOpen) {
  backups_->next = {Make("orders-db", "stale", Severity::kToday)};
  health_->next = {Make("api", "down", Severity::kActNow)};
  Run();
  NextDay();
  for (auto mode : {ScriptedDesk::kError, ScriptedDesk::kThrow}) {
    SCOPED_TRACE(mode == ScriptedDesk::kError ? "error" : "throw");
    backups_->mode = mode;
    Briefing b = Run();
    EXPECT_EQ(Subjects(b.findings),
              (std::vector<std::string>{"backups:backups:desk-failed", "health:api:down",
                                        "backups:orders-db:stale"}));
    EXPECT_FALSE(b.desks[1].ok);
    EXPECT_NE(b.findings[0].detail.find(mode == ScriptedDesk::kError ? "permission denied" : "boom"),
              std::string::npos)
        << b.findings[0].detail;
    EXPECT_TRUE(b.resolved.empty()) << "unknown is not fixed";
    // The health desk still ran.
    EXPECT_TRUE(b.desks[0].ok);
  }
  NextDay();
  backups_->mode = ScriptedDesk::kOk;
  backups_->next = {};
  Briefing b = Run();
  EXPECT_EQ(Subjects(b.findings), (std::vector<std::string>{"health:api:down"}));
  EXPECT_EQ(Subjects(b.resolved),
            (std::vector<std::string>{"backups:backups:desk-failed", "backups:orders-db:stale"}));
}

TEST_F(BriefTest, OnlyRunsTheNamedDesksAndLeavesOthersAlone) {
  health_->next = {Make("api", "down", Severity::kActNow)};
  backups_->next = {Make("orders-db", "stale", Severity::kToday)};
  Run();
  health_->next = {};
  backups_->next = {};
  Briefing b = Run({{"health"}});
  EXPECT_TRUE(b.findings.empty());
  ASSERT_EQ(b.desks.size(), 1u);
  EXPECT_EQ(Subjects(b.resolved), (std::vector<std::string>{"health:api:down"}));
  // backups did not run, so its finding is still open.
  EXPECT_EQ(store_->OpenFindings("backups")->size(), 1u);
}

TEST_F(BriefTest, DuplicateFindingsFromOneDeskCountOnce) {
  health_->next = {Make("api", "down", Severity::kActNow), Make("api", "down", Severity::kActNow)};
  EXPECT_EQ(Run().findings.size(), 1u);
}

// Whole configs, each with the exact message a user sees.
TEST(SetupTest, MalformedConfigsSayWhereAndWhat) {
  struct Case {
    const char* name;
    const char* text;
    const char* want;
  } cases[] = {
      {"not TOML", "[company\nname = 1\n",
       "ctodesk.toml:1:9: not valid TOML: Error while parsing table header: expected ']', saw '\\n'"},
      {"unknown section", "[helth]\n",
       "ctodesk.toml:1:2: helth: unknown key; did you mean \"health\"?"},
      {"company name type", "[company]\nname = 42\n",
       "ctodesk.toml:2:8: company.name: expected a string, got an integer"},
      {"unknown company key", "[company]\nnmae = \"x\"\n",
       "ctodesk.toml:2:1: company.nmae: unknown key; did you mean \"name\"?"},
      {"store path empty", "[store]\npath = \"\"\n",
       "ctodesk.toml:2:8: store.path: expected a path, got an empty string"},
      {"alert without url", "[[alerts]]\nname = \"ops\"\n",
       "ctodesk.toml:1:1: alerts[0]: missing required key \"url\""},
      {"alert bad url", "[[alerts]]\nname = \"ops\"\nurl = \"hooks.slack.com\"\n",
       "ctodesk.toml:3:7: alerts[0].url: expected an http:// or https:// URL"},
      {"alert bad severity", "[[alerts]]\nname = \"o\"\nurl = \"http://x\"\nmin_severity = \"urgent\"\n",
       "ctodesk.toml:4:16: alerts[0].min_severity: expected one of \"act-now\", \"today\", "
       "\"this-week\", \"fyi\", got \"urgent\""},
      {"health without probes", "[health]\nconcurrency = 4\n",
       "ctodesk.toml:1:1: health.probes: expected at least one [[health.probes]] table"},
      {"probe bad timeout", "[[health.probes]]\nname = \"a\"\nurl = \"http://x\"\ntimeout = \"soon\"\n",
       "ctodesk.toml:4:11: health.probes[0].timeout: expected a duration such as \"250ms\", \"5s\", "
       "\"15m\" or \"24h\", got a string \"soon\""},
      {"probe unknown type", "[[health.probes]]\nname = \"a\"\ntype = \"icmp\"\ntarget = \"x:1\"\n",
       "ctodesk.toml:3:8: health.probes[0].type: expected one of \"http\", \"tcp\", \"tls\", \"dns\", "
       "got \"icmp\"; did you mean \"tcp\"?"},
      {"tcp target without port", "[[health.probes]]\nname = \"db\"\ntype = \"tcp\"\ntarget = \"db\"\n",
       "ctodesk.toml:4:10: health.probes[0].target: expected \"host:port\", got \"db\""},
      {"probe typo", "[[health.probes]]\nname = \"a\"\nurl = \"http://x\"\nmax_latncy = \"1s\"\n",
       "ctodesk.toml:4:1: health.probes[0].max_latncy: unknown key; did you mean \"max_latency\"?"},
      {"duplicate probe", "[[health.probes]]\nname = \"a\"\nurl = \"http://x\"\n"
                          "[[health.probes]]\nname = \"a\"\nurl = \"http://y\"\n",
       "ctodesk.toml:5:8: health.probes[1].name: another probe is already named \"a\""},
      {"concurrency zero", "[health]\nconcurrency = 0\n[[health.probes]]\nname = \"a\"\nurl = \"http://x\"\n",
       "ctodesk.toml:2:15: health.concurrency: expected an integer from 1 to 10000, got 0"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto setup = LoadSetupFromString(c.text, "ctodesk.toml", "/etc/ctodesk");
    ASSERT_FALSE(setup.has_value());
    EXPECT_EQ(setup.error().code, ErrorCode::kInvalidInput);
    EXPECT_EQ(setup.error().message, c.want);
  }
}

TEST(SetupTest, ReportsAllProblemsAtOnce) {
  auto setup = LoadSetupFromString("[company]\nname = 1\n[helth]\n", "ctodesk.toml", ".");
  ASSERT_FALSE(setup);
  EXPECT_EQ(setup.error().message,
            "ctodesk.toml:2:8: company.name: expected a string, got an integer\n"
            "ctodesk.toml:3:2: helth: unknown key; did you mean \"health\"?");
}

TEST(SetupTest, ReadsAValidConfig) {
  auto setup = LoadSetupFromString(
      "[company]\nname = \"Acme\"\n[store]\npath = \"state/x.db\"\n"
      "[[alerts]]\nname = \"ops\"\nurl = \"http://127.0.0.1:9/hook\"\n"
      "[[health.probes]]\nname = \"a\"\nurl = \"http://127.0.0.1:9/\"\n",
      "ctodesk.toml", "/etc/ctodesk");
  ASSERT_TRUE(setup) << setup.error().message;
  EXPECT_EQ(setup->company, "Acme");
  EXPECT_EQ(setup->store_path, std::filesystem::path("/etc/ctodesk/state/x.db"));
  ASSERT_EQ(setup->alerts.size(), 1u);
  EXPECT_EQ(setup->alerts[0].min_severity, Severity::kActNow);
  ASSERT_EQ(setup->desks.size(), 1u);
  EXPECT_EQ(setup->desks[0].name, "health");
}

TEST(SetupTest, DefaultStoreIsBesideTheConfig) {
  auto setup = LoadSetupFromString("[company]\nname = \"Acme\"\n", "ctodesk.toml", "/srv/desk");
  ASSERT_TRUE(setup) << setup.error().message;
  EXPECT_EQ(setup->store_path, std::filesystem::path("/srv/desk/.ctodesk/desk.db"));
  EXPECT_TRUE(setup->desks.empty());
}

}  // namespace
}  // namespace ctodesk
