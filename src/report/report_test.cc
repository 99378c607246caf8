#include "report/report.h"

#include <algorithm>
#include <fstream>
#include <functional>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "report/phrases.h"

namespace ctodesk {
namespace {

using Json = nlohmann::ordered_json;

// Every test runs at this instant.
const TimePoint kNow = *ParseTime("2026-11-27T08:00:00Z");

// A finding first seen `days_running` calendar days ago (1 = this morning).
Finding MakeFinding(std::string desk, std::string subject, std::string kind, Severity severity,
                    std::string title, int days_running = 1) {
  Finding f;
  f.desk = std::move(desk);
  f.subject = std::move(subject);
  f.kind = std::move(kind);
  f.severity = severity;
  f.title = std::move(title);
  f.first_seen = kNow - std::chrono::days(days_running - 1) - std::chrono::hours(2);
  f.last_seen = kNow;
  return f;
}

DeskStatus MakeDesk(std::string name, bool ok, std::string error = "") {
  DeskStatus d;
  d.name = std::move(name);
  d.ok = ok;
  d.duration_ms = 1234;
  d.checked = 12;
  d.error = std::move(error);
  return d;
}

// A morning with something in every section.
Briefing FullBriefing() {
  Briefing b;
  b.generated_at = kNow;
  b.company = "Acme Corp";
  Finding down = MakeFinding("health", "api.example.com/healthz", "down", Severity::kActNow,
                             "checkout API is down (HTTP 503)", 3);
  down.detail = "Every probe since 06:12 returned 503.";
  down.action = "Page the on-call for checkout.";
  down.evidence = {{"status", "503"}, {"latency_ms", "1200"}, {"attempts", "12"}};
  Finding stale = MakeFinding("backups", "db-main", "stale", Severity::kToday,
                              "db-main backup is 30 hours old", 2);
  stale.action = "Check the backup job on db1.";
  Finding cert = MakeFinding("health", "www.example.com:443", "cert-expiring", Severity::kThisWeek,
                             "TLS certificate expires in 9 days");
  Finding radar = MakeFinding("radar", "orders-db", "growth", Severity::kFyi,
                              "orders table grew 40% this month", 11);
  b.findings = {down, stale, cert, radar};

  Finding fixed =
      MakeFinding("suppliers", "prices-feed", "late", Severity::kToday, "prices feed is late", 3);
  fixed.resolved_at = kNow - std::chrono::hours(5);
  b.resolved = {fixed};
  b.desks = {MakeDesk("health", true), MakeDesk("backups", true),
             MakeDesk("leaks", false, "cannot open repository /srv/git/app: permission denied")};
  return b;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Terminal columns of `s` without its escape codes: code points, with CJK
// ideographs as two (the only wide text the tests use).
int Columns(const std::string& s) {
  std::string plain = std::regex_replace(s, std::regex("\x1b\\[[0-9;]*m"), "");
  int cols = 0;
  for (size_t i = 0; i < plain.size(); ++i) {
    auto c = static_cast<unsigned char>(plain[i]);
    if ((c & 0xC0) == 0x80) continue;
    bool cjk = c == 0xE4 || (c >= 0xE5 && c <= 0xE9);  // U+4E00..U+9FFF lead bytes
    cols += cjk ? 2 : 1;
  }
  return cols;
}

// ---------------------------------------------------------------- phrases

TEST(OrdinalTest, EnglishSuffixes) {
  struct Case {
    int n;
    const char* want;
  };
  const Case kCases[] = {
      {1, "1st"},     {2, "2nd"},     {3, "3rd"},     {4, "4th"},     {10, "10th"},    {11, "11th"},
      {12, "12th"},   {13, "13th"},   {14, "14th"},   {21, "21st"},   {22, "22nd"},    {23, "23rd"},
      {101, "101st"}, {111, "111th"}, {112, "112th"}, {213, "213th"}, {1002, "1002nd"}};
  for (const Case& c : kCases) {
    EXPECT_EQ(report_internal::Ordinal(c.n), c.want) << "n=" << c.n;
  }
}

TEST(RunningPhraseTest, AppearsInEveryHumanFormat) {
  struct Case {
    int days;
    const char* want;
  };
  const Case kCases[] = {
      {1, "new today"},         {2, "2nd day running"},   {3, "3rd day running"},
      {4, "4th day running"},   {11, "11th day running"}, {12, "12th day running"},
      {13, "13th day running"}, {21, "21st day running"}, {22, "22nd day running"}};
  for (const Case& c : kCases) {
    Briefing b;
    b.generated_at = kNow;
    b.findings = {MakeFinding("health", "x", "down", Severity::kToday, "t", c.days)};
    EXPECT_NE(RenderTerminal(b, {}).find(c.want), std::string::npos) << "terminal, days=" << c.days;
    EXPECT_NE(RenderMarkdown(b).find(c.want), std::string::npos) << "markdown, days=" << c.days;
    EXPECT_NE(RenderHtml(b).find(c.want), std::string::npos) << "html, days=" << c.days;
  }
}

TEST(ParseReportFormatTest, Names) {
  struct Case {
    const char* name;
    std::optional<ReportFormat> want;
  };
  const Case kCases[] = {{"term", ReportFormat::kTerminal},
                         {"terminal", ReportFormat::kTerminal},
                         {"md", ReportFormat::kMarkdown},
                         {"markdown", ReportFormat::kMarkdown},
                         {"json", ReportFormat::kJson},
                         {"html", ReportFormat::kHtml},
                         {"", std::nullopt},
                         {"JSON", std::nullopt},
                         {"sarif", std::nullopt}};
  for (const Case& c : kCases) {
    EXPECT_EQ(ParseReportFormat(c.name), c.want) << "name=\"" << c.name << "\"";
  }
}

// ---------------------------------------------------------------- summary

TEST(SummaryLineTest, Cases) {
  auto finding = [](Severity s) { return MakeFinding("d", "s", "k", s, "t"); };
  auto briefing = [](std::vector<Finding> open, int resolved, std::vector<DeskStatus> desks) {
    Briefing b;
    b.generated_at = kNow;
    b.findings = std::move(open);
    for (int i = 0; i < resolved; ++i)
      b.resolved.push_back(MakeFinding("d", "r", "k", Severity::kFyi, "r"));
    b.desks = std::move(desks);
    return b;
  };
  const Finding act = finding(Severity::kActNow), today = finding(Severity::kToday),
                week = finding(Severity::kThisWeek), fyi = finding(Severity::kFyi);
  struct Case {
    const char* name;
    Briefing b;
    const char* want;
  };
  const Case kCases[] = {
      {"empty", briefing({}, 0, {}), "All clear: nothing to act on."},
      {"empty with resolved", briefing({}, 2, {}),
       "All clear: nothing to act on; 2 resolved since yesterday."},
      {"every severity", briefing({act, act, today, week, week, week, fyi, fyi, fyi, fyi}, 1, {}),
       "2 to act on now, 1 today, 3 this week, 4 fyi; 1 resolved since yesterday."},
      {"skips zero counts", briefing({today, fyi}, 0, {}), "1 today, 1 fyi."},
      {"counts whatever the order", briefing({fyi, act}, 0, {}), "1 to act on now, 1 fyi."},
      {"one failed desk", briefing({act}, 0, {MakeDesk("health", true), MakeDesk("leaks", false)}),
       "1 to act on now; 1 desk failed (leaks)."},
      {"two failed desks and resolved",
       briefing({week}, 3, {MakeDesk("leaks", false), MakeDesk("keys", false)}),
       "1 this week; 2 desks failed (leaks, keys); 3 resolved since yesterday."},
      {"no findings but a desk failed is not all clear",
       briefing({}, 0, {MakeDesk("backups", false)}),
       "Nothing to act on from the desks that ran; 1 desk failed (backups)."},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(SummaryLine(c.b), c.want) << c.name;
  }
}

// ---------------------------------------------------------------- terminal

Briefing LongTextBriefing() {
  Briefing b = FullBriefing();
  b.company = "A company with a rather long name that keeps going, Incorporated";
  Finding& f = b.findings[0];
  f.title = "checkout API is down and has been down for a long time, with a title that runs on";
  f.detail =
      "Since 06:12 every probe of https://api.example.com/v2/checkout/healthz?region=eu-west-1&"
      "verbose=true&token=REDACTED_AND_VERY_LONG_SO_IT_HAS_TO_BE_CUT returned 503. The load "
      "balancer reports all four backends unhealthy. "
      "结账服务在所有区域都不可用，请立即处理此问题。\n"
      "Second paragraph after a newline, which should start on its own line.";
  f.action = std::string(30, 'x') + " " + std::string(150, 'y') + " then page the on-call.";
  f.subject = "api.example.com/" + std::string(120, 'p');
  f.evidence.push_back({"last_error", "connect: connection refused " + std::string(200, 'e')});
  return b;
}

TEST(TerminalTest, NoLineExceedsWidth) {
  const Briefing b = LongTextBriefing();
  for (int width : {12, 20, 33, 40, 60, 80, 100, 132}) {
    for (bool color : {false, true}) {
      std::string out = RenderTerminal(b, {.color = color, .width = width});
      std::vector<std::string> lines = Lines(out);
      ASSERT_GT(lines.size(), 20u) << "width=" << width << " color=" << color;
      for (size_t i = 0; i < lines.size(); ++i) {
        EXPECT_LE(Columns(lines[i]), width)
            << "width=" << width << " color=" << color << " line " << i << ": " << lines[i];
      }
    }
  }
}

TEST(TerminalTest, DefaultWidthIsHundred) {
  std::string out = RenderTerminal(LongTextBriefing(), {});
  bool used_the_width = false;
  for (const std::string& line : Lines(out)) {
    EXPECT_LE(Columns(line), 100) << line;
    used_the_width = used_the_width || Columns(line) > 80;
  }
  EXPECT_TRUE(used_the_width) << "wrapping at 100 should fill lines past 80 columns";
}

TEST(TerminalTest, WrapKeepsEveryWord) {
  Briefing b;
  b.generated_at = kNow;
  Finding f = MakeFinding("health", "x", "down", Severity::kToday, "t");
  f.detail = "alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike";
  b.findings = {f};
  std::string out = RenderTerminal(b, {.color = false, .width = 24});
  std::string joined;
  for (const std::string& line : Lines(out)) joined += line + " ";
  for (std::string_view word : {"alpha", "foxtrot", "juliett", "mike"}) {
    EXPECT_NE(joined.find(word), std::string::npos) << word;
  }
}

TEST(TerminalTest, EscapeCodesOnlyWithColor) {
  Briefing b = FullBriefing();
  // Hostile text: raw ESC, a C1 CSI as UTF-8 and as a raw byte, a carriage return.
  b.findings[0].title = "pwned \x1b[2J\x1b]0;title\x07 done";
  b.findings[0].detail =
      "csi \xc2\x9b"
      "31m and raw \x9b"
      "0m and\rreturn";
  b.findings[1].evidence = {{"key\x1b", "value\x1b[0m"}};
  b.desks[2].error = "bad \x1b[5m error";

  struct Case {
    const char* name;
    bool color;
    bool want_escapes;
  };
  const Case kCases[] = {{"plain", false, false}, {"colour", true, true}};
  for (const Case& c : kCases) {
    std::string out = RenderTerminal(b, {.color = c.color, .width = 80});
    EXPECT_EQ(out.find('\x1b') != std::string::npos, c.want_escapes) << c.name;
    EXPECT_EQ(out.find('\x9b'), std::string::npos) << c.name << ": raw C1 CSI";
    EXPECT_EQ(out.find("\xc2\x9b"), std::string::npos) << c.name << ": UTF-8 C1 CSI";
    EXPECT_EQ(out.find('\r'), std::string::npos) << c.name << ": carriage return";
    EXPECT_EQ(out.find('\x07'), std::string::npos) << c.name << ": bell";
    EXPECT_NE(out.find("pwned"), std::string::npos) << c.name << ": text kept";
  }
  // With colour on, the only escapes are SGR codes ctodesk wrote.
  std::string colored = RenderTerminal(b, {.color = true, .width = 80});
  std::string stripped = std::regex_replace(colored, std::regex("\x1b\\[[0-9;]*m"), "");
  EXPECT_EQ(stripped.find('\x1b'), std::string::npos) << "a non-SGR escape leaked through";
}

TEST(TerminalTest, ColoursPerSeverity) {
  const std::string out = RenderTerminal(FullBriefing(), {.color = true, .width = 100});
  struct Case {
    const char* heading;
    const char* code;
  };
  const Case kCases[] = {{"ACT NOW", "\x1b[31m"},
                         {"TODAY", "\x1b[33m"},
                         {"THIS WEEK", "\x1b[36m"},
                         {"FYI", "\x1b[2m"}};
  for (const Case& c : kCases) {
    size_t at = out.find(std::string(c.heading) + " (");
    ASSERT_NE(at, std::string::npos) << c.heading;
    size_t line_start = out.rfind('\n', at) + 1;
    EXPECT_NE(out.substr(line_start, at - line_start).find(c.code), std::string::npos)
        << c.heading << " should be coloured";
  }
  EXPECT_NE(out.find("\x1b[1mcheckout API is down"), std::string::npos) << "bold title";
}

TEST(TerminalTest, GroupsBySeverityInUrgencyOrder) {
  Briefing b = FullBriefing();
  // Reverse the ranking: the renderer must still put act-now first.
  std::reverse(b.findings.begin(), b.findings.end());
  const std::string out = RenderTerminal(b, {});
  const char* kInOrder[] = {"ACT NOW (1)",
                            "checkout API is down",
                            "TODAY (1)",
                            "db-main backup is 30 hours old",
                            "THIS WEEK (1)",
                            "TLS certificate expires",
                            "FYI (1)",
                            "orders table grew",
                            "RESOLVED SINCE YESTERDAY (1)",
                            "DESKS"};
  size_t last = 0;
  for (const char* want : kInOrder) {
    size_t at = out.find(want);
    ASSERT_NE(at, std::string::npos) << want;
    EXPECT_GT(at, last) << want << " is out of order";
    last = at;
  }
}

TEST(TerminalTest, ShowsFindingParts) {
  const std::string out = RenderTerminal(FullBriefing(), {});
  const char* kWant[] = {
      "ctodesk briefing for Acme Corp, 2026-11-27T08:00:00Z",
      "      Every probe since 06:12 returned 503.",
      "      Action: Page the on-call for checkout.",
      "      api.example.com/healthz | desk: health | 3rd day running",
      "      status: 503",
      "      latency_ms: 1200",
      "  health   ok      12 checked, 1.2s",
      "  leaks    FAILED  12 checked, 1.2s: cannot open repository",
      "  - prices feed is late (suppliers: prices-feed), resolved 2026-11-27T03:00:00Z after 45 "
      "hours",
  };
  for (const char* want : kWant) {
    EXPECT_NE(out.find(want), std::string::npos) << "missing: " << want << "\n" << out;
  }
}

TEST(TerminalTest, EvidenceKeepsOrder) {
  const std::string out = RenderTerminal(FullBriefing(), {});
  size_t status = out.find("status: 503");
  size_t latency = out.find("latency_ms: 1200");
  size_t attempts = out.find("attempts: 12");
  ASSERT_NE(attempts, std::string::npos);
  EXPECT_LT(status, latency);
  EXPECT_LT(latency, attempts);
}

// ---------------------------------------------------------------- markdown

TEST(MarkdownTest, HeadingsAndBullets) {
  const std::string out = RenderMarkdown(FullBriefing());
  const char* kInOrder[] = {
      "# Acme Corp briefing, 2026-11-27T08:00:00Z\n",
      "## Act now (1)\n",
      "- **checkout API is down (HTTP 503)** (3rd day running)\n",
      "  - **Action:** Page the on-call for checkout.\n",
      "  - Desk: health · Subject: `api.example.com/healthz`\n",
      "  - Evidence: status: `503`; latency_ms: `1200`; attempts: `12`\n",
      "## Today (1)\n",
      "## This week (1)\n",
      "## FYI (1)\n",
      "## Resolved since yesterday (1)\n",
      "## Desks\n",
      "- **leaks: FAILED**",
  };
  size_t last = 0;
  for (const char* want : kInOrder) {
    size_t at = out.find(want);
    ASSERT_NE(at, std::string::npos) << "missing: " << want << "\n" << out;
    EXPECT_GE(at, last) << want << " is out of order";
    last = at;
  }
  EXPECT_EQ(out.find("\x1b"), std::string::npos);
}

TEST(MarkdownTest, EscapesUserText) {
  struct Case {
    const char* title;
    const char* want;  // as it appears in the bold title
  };
  const Case kCases[] = {
      {"# not a heading", "**\\# not a heading**"},
      {"*not* _emphasis_", "**\\*not\\* \\_emphasis\\_**"},
      {"[link](http://evil)", "**\\[link\\](http://evil)**"},
      {"<img src=x>", "**\\<img src=x\\>**"},
      {"1. not a list", "**1\\. not a list**"},
      {"latency_ms stays readable", "**latency_ms stays readable**"},
      {"a | b ` c", "**a \\| b \\` c**"},
      {"line one\nline two", "**line one line two**"},
      {"&amp; stays literal", "**\\&amp; stays literal**"},
      {"R&D is fine", "**R&D is fine**"},
  };
  for (const Case& c : kCases) {
    Briefing b;
    b.generated_at = kNow;
    b.findings = {MakeFinding("health", "x", "down", Severity::kToday, c.title)};
    EXPECT_NE(RenderMarkdown(b).find(c.want), std::string::npos) << "title=" << c.title << "\n"
                                                                 << RenderMarkdown(b);
  }
}

TEST(MarkdownTest, CodeSpanSurvivesBackticks) {
  Briefing b;
  b.generated_at = kNow;
  b.findings = {MakeFinding("leaks", "src/`weird`.py", "secret", Severity::kActNow, "t")};
  EXPECT_NE(RenderMarkdown(b).find("Subject: ``src/`weird`.py``"), std::string::npos)
      << RenderMarkdown(b);
}

// ---------------------------------------------------------------- json

TEST(JsonTest, StableShapeAndValues) {
  const std::string text = RenderJson(FullBriefing());
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n') << "trailing newline";
  EXPECT_EQ(text.substr(0, 20), "{\n  \"generated_at\": ") << "2-space indent";

  const Json doc = Json::parse(text);
  auto keys = [](const Json& obj) {
    std::vector<std::string> k;
    for (const auto& item : obj.items()) k.push_back(item.key());
    return k;
  };
  const std::vector<std::string> kTop = {"generated_at", "company",  "summary",
                                         "findings",     "resolved", "desks"};
  const std::vector<std::string> kFinding = {"id",         "desk",      "subject",      "kind",
                                             "severity",   "title",     "detail",       "action",
                                             "first_seen", "last_seen", "days_running", "evidence",
                                             "concern",    "plain"};
  std::vector<std::string> k_resolved = kFinding;
  k_resolved.push_back("resolved_at");
  const std::vector<std::string> kDesk = {"name", "ok", "duration_ms", "checked", "error"};

  EXPECT_EQ(keys(doc), kTop) << "top-level key order";
  EXPECT_EQ(doc["generated_at"], "2026-11-27T08:00:00Z");
  EXPECT_EQ(doc["company"], "Acme Corp");
  EXPECT_EQ(doc["summary"], SummaryLine(FullBriefing()));
  ASSERT_EQ(doc["findings"].size(), 4u);
  for (const Json& f : doc["findings"]) EXPECT_EQ(keys(f), kFinding) << f["title"];

  const Json& first = doc["findings"][0];
  EXPECT_EQ(first["id"], FindingId("health", "api.example.com/healthz", "down"));
  EXPECT_EQ(first["desk"], "health");
  EXPECT_EQ(first["subject"], "api.example.com/healthz");
  EXPECT_EQ(first["kind"], "down");
  EXPECT_EQ(first["title"], "checkout API is down (HTTP 503)");
  EXPECT_EQ(first["detail"], "Every probe since 06:12 returned 503.");
  EXPECT_EQ(first["action"], "Page the on-call for checkout.");
  EXPECT_EQ(first["first_seen"], "2026-11-25T06:00:00Z");
  EXPECT_EQ(first["last_seen"], "2026-11-27T08:00:00Z");
  EXPECT_EQ(first["days_running"], 3);
  EXPECT_EQ(keys(first["evidence"]), (std::vector<std::string>{"status", "latency_ms", "attempts"}))
      << "evidence keeps the desk's order";
  EXPECT_EQ(first["evidence"]["latency_ms"], "1200") << "evidence values are strings";

  const char* kSeverity[] = {"act-now", "today", "this-week", "fyi"};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(doc["findings"][i]["severity"], kSeverity[i]) << "finding " << i;
  }

  ASSERT_EQ(doc["resolved"].size(), 1u);
  const Json& fixed = doc["resolved"][0];
  EXPECT_EQ(keys(fixed), k_resolved);
  EXPECT_EQ(fixed["resolved_at"], "2026-11-27T03:00:00Z");
  EXPECT_EQ(fixed["days_running"], 3);

  ASSERT_EQ(doc["desks"].size(), 3u);
  for (const Json& d : doc["desks"]) EXPECT_EQ(keys(d), kDesk) << d["name"];
  EXPECT_EQ(doc["desks"][0]["ok"], true);
  EXPECT_EQ(doc["desks"][0]["error"], "") << "error is empty when ok";
  EXPECT_EQ(doc["desks"][0]["duration_ms"], 1234);
  EXPECT_EQ(doc["desks"][0]["checked"], 12);
  EXPECT_EQ(doc["desks"][2]["ok"], false);
  EXPECT_EQ(doc["desks"][2]["error"], "cannot open repository /srv/git/app: permission denied");
}

TEST(JsonTest, EmptyBriefingHasEveryKey) {
  Briefing b;
  b.generated_at = kNow;
  const Json doc = Json::parse(RenderJson(b));
  EXPECT_EQ(doc["company"], "");
  EXPECT_EQ(doc["summary"], "All clear: nothing to act on.");
  EXPECT_TRUE(doc["findings"].is_array() && doc["findings"].empty());
  EXPECT_TRUE(doc["resolved"].is_array() && doc["resolved"].empty());
  EXPECT_TRUE(doc["desks"].is_array() && doc["desks"].empty());
}

TEST(JsonTest, InvalidUtf8IsReplacedNotThrown) {
  Briefing b = FullBriefing();
  b.findings[0].detail = "binary junk \xff\xfe from a log";
  std::string text;
  ASSERT_NO_THROW(text = RenderJson(b));
  const Json doc = Json::parse(text);
  EXPECT_EQ(doc["findings"][0]["detail"], "binary junk \xef\xbf\xbd\xef\xbf\xbd from a log");
}

// A small validator for the subset of JSON Schema that docs/brief.schema.json
// uses, so the documented shape and the renderer cannot drift apart. It also
// checks that keys come in the order the schema lists them.
class SchemaCheck {
 public:
  explicit SchemaCheck(const Json& schema) : root_(schema) {}

  void Check(const Json& value, const Json& schema, const std::string& path) {
    if (schema.contains("$ref")) {
      std::string ref = schema["$ref"];
      ASSERT_EQ(ref.rfind("#/$defs/", 0), 0u) << path << ": unsupported $ref " << ref;
      Check(value, root_["$defs"][ref.substr(8)], path);
    }
    if (schema.contains("type")) CheckType(value, schema["type"], path);
    if (schema.contains("enum")) {
      bool found = false;
      for (const Json& e : schema["enum"]) found = found || e == value;
      EXPECT_TRUE(found) << path << ": " << value << " not in enum";
    }
    if (schema.contains("pattern") && value.is_string()) {
      std::string pattern = schema["pattern"];
      EXPECT_TRUE(std::regex_search(value.get<std::string>(), std::regex(pattern)))
          << path << ": " << value << " does not match " << pattern;
    }
    if (schema.contains("minimum") && value.is_number()) {
      EXPECT_GE(value.get<double>(), schema["minimum"].get<double>()) << path;
    }
    if (schema.contains("minLength") && value.is_string()) {
      EXPECT_GE(value.get<std::string>().size(), schema["minLength"].get<size_t>()) << path;
    }
    if (schema.contains("items") && value.is_array()) {
      for (size_t i = 0; i < value.size(); ++i) {
        Check(value[i], schema["items"], path + "[" + std::to_string(i) + "]");
      }
    }
    if (value.is_object()) CheckObject(value, schema, path);
  }

 private:
  void CheckType(const Json& value, const Json& type, const std::string& path) {
    std::string t = type;
    bool ok = (t == "object" && value.is_object()) || (t == "array" && value.is_array()) ||
              (t == "string" && value.is_string()) ||
              (t == "integer" && value.is_number_integer()) ||
              (t == "boolean" && value.is_boolean());
    EXPECT_TRUE(ok) << path << ": " << value << " is not " << t;
  }

  void CheckObject(const Json& value, const Json& schema, const std::string& path) {
    if (schema.contains("required")) {
      for (const Json& key : schema["required"]) {
        EXPECT_TRUE(value.contains(key.get<std::string>())) << path << ": missing " << key;
      }
    }
    const Json* props = schema.contains("properties") ? &schema["properties"] : nullptr;
    if (schema.value("additionalProperties", Json(true)) == Json(false)) {
      for (const auto& item : value.items()) {
        EXPECT_TRUE(props && props->contains(item.key()))
            << path << ": undocumented key " << item.key();
      }
    }
    if (props) {
      std::vector<std::string> documented, emitted;
      for (const auto& item : props->items()) documented.push_back(item.key());
      for (const auto& item : value.items()) emitted.push_back(item.key());
      EXPECT_EQ(emitted, documented) << path << ": key order differs from the schema";
      for (const auto& item : value.items()) {
        if (props->contains(item.key())) {
          Check(item.value(), (*props)[item.key()], path + "." + item.key());
        }
      }
    }
    if (schema.contains("additionalProperties") && schema["additionalProperties"].is_object()) {
      for (const auto& item : value.items()) {
        Check(item.value(), schema["additionalProperties"], path + "." + item.key());
      }
    }
  }

  const Json& root_;
};

TEST(JsonTest, MatchesDocumentedSchema) {
  std::ifstream in(CTODESK_BRIEF_SCHEMA);
  ASSERT_TRUE(in) << "cannot open " << CTODESK_BRIEF_SCHEMA;
  const Json schema = Json::parse(in);

  // Every property, at every level, is documented.
  std::function<void(const Json&, const std::string&)> described = [&](const Json& s,
                                                                       const std::string& path) {
    if (!s.is_object()) return;
    if (s.contains("properties")) {
      for (const auto& item : s["properties"].items()) {
        EXPECT_TRUE(item.value().contains("description")) << path << "." << item.key();
        described(item.value(), path + "." + item.key());
      }
    }
    if (s.contains("$defs")) {
      for (const auto& item : s["$defs"].items()) described(item.value(), "$defs." + item.key());
    }
  };
  described(schema, "$");

  struct Case {
    const char* name;
    Briefing b;
  };
  Briefing empty;
  empty.generated_at = kNow;
  const Case kCases[] = {{"full", FullBriefing()}, {"empty", empty}, {"long", LongTextBriefing()}};
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    SchemaCheck(schema).Check(Json::parse(RenderJson(c.b)), schema, "$");
  }
}

// ---------------------------------------------------------------- html

TEST(HtmlTest, EscapesUserText) {
  Briefing b = FullBriefing();
  b.company = "Acme & <Sons>";
  b.findings[0].title = "<script>alert('x')</script>";
  b.findings[0].detail = "a \"quoted\" <b>bold</b> & more";
  b.findings[0].evidence = {{"<k>", "<v onclick=\"x\">"}};
  b.desks[2].error = "\"><img src=x onerror=alert(1)>";
  b.resolved[0].title = "</ul><script>";
  const std::string out = RenderHtml(b);

  struct Case {
    const char* what;
    const char* must_not;
    const char* must;
  };
  const Case kCases[] = {
      {"title", "<script>", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"},
      {"detail", "<b>bold</b>", "a &quot;quoted&quot; &lt;b&gt;bold&lt;/b&gt; &amp; more"},
      {"evidence", "<v onclick", "<dt>&lt;k&gt;</dt><dd>&lt;v onclick=&quot;x&quot;&gt;</dd>"},
      {"desk error", "<img src=x", "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"},
      {"company", "<Sons>", "Acme &amp; &lt;Sons&gt;"},
      {"resolved", "</ul><script>", "&lt;/ul&gt;&lt;script&gt;"},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(out.find(c.must_not), std::string::npos) << c.what << ": raw markup leaked";
    EXPECT_NE(out.find(c.must), std::string::npos) << c.what << ": escaped text missing";
  }
}

TEST(HtmlTest, SelfContainedPage) {
  const std::string out = RenderHtml(FullBriefing());
  const char* kMust[] = {
      "<!doctype html>",
      "<meta charset=\"utf-8\">",
      "<title>Acme Corp briefing &middot; 2026-11-27</title>",
      "<style>",
      "prefers-color-scheme: dark",
      "@media print",
      "Friday 27 November 2026, 08:00 UTC",
      "Content-Security-Policy",
  };
  for (const char* want : kMust) {
    EXPECT_NE(out.find(want), std::string::npos) << "missing: " << want;
  }
  // No external requests: nothing to load, no script, no remote fonts.
  const char* kMustNot[] = {"<script", "<link",   "src=",     "@import",
                            "url(",    "http://", "https://", "@font-face"};
  for (const char* bad : kMustNot) {
    EXPECT_EQ(out.find(bad), std::string::npos) << "found: " << bad;
  }
}

TEST(HtmlTest, SectionsTilesAndWarnings) {
  const std::string out = RenderHtml(FullBriefing());
  const char* kInOrder[] = {
      "<span class=\"n\">1</span><span class=\"label\">Act now</span>",
      "<span class=\"n\">1</span><span class=\"label\">FYI</span>",
      "class=\"alert\" role=\"alert\"",
      "<b>leaks</b>: cannot open repository",
      "<section class=\"group sev-act-now\" id=\"act-now\">",
      "checkout API is down (HTTP 503)",
      "<span class=\"badge running\">3rd day running</span>",
      "<dt>status</dt><dd>503</dd><dt>latency_ms</dt><dd>1200</dd>",
      "<section class=\"group sev-today\" id=\"today\">",
      "<section class=\"group sev-this-week\" id=\"this-week\">",
      "<span class=\"badge new\">new today</span>",
      "<section class=\"group sev-fyi\" id=\"fyi\">",
      "11th day running",
      "Resolved since yesterday",
      "prices feed is late",
      "<td class=\"failed\">FAILED</td>",
  };
  size_t last = 0;
  for (const char* want : kInOrder) {
    size_t at = out.find(want, last);
    ASSERT_NE(at, std::string::npos) << "missing or out of order: " << want;
    last = at;
  }
}

TEST(HtmlTest, NoWarningWhenAllDesksRan) {
  Briefing b = FullBriefing();
  b.desks.pop_back();
  EXPECT_EQ(RenderHtml(b).find("role=\"alert\""), std::string::npos);
  b.findings.clear();
  EXPECT_NE(RenderHtml(b).find("All clear"), std::string::npos);
}

}  // namespace
}  // namespace ctodesk
