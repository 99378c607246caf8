// Tests for the releases desk: the RFC 5545 reader on tricky calendars (each
// case is a calendar, a window and the instants expected, or the exact
// error), the desk's findings at a fixed instant, git tags from a real
// repository made with the git CLI, and the [releases] config.
#include "desks/releases/releases.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "core/config.h"
#include "store/store.h"

namespace ctodesk::releases {
namespace {

TimePoint T(const char* iso) { return *ParseTime(iso); }

std::string Cal(const std::string& body) {
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + body + "END:VCALENDAR\r\n";
}

struct IcsCase {
  const char* name;
  std::string text;
  const char* from;
  const char* to;
  std::vector<std::string> want;  // "instant|summary" of each occurrence
  const char* error = nullptr;    // exact message instead
  size_t warnings = 0;
};

std::vector<IcsCase> IcsCases() {
  return {
      {"folded lines: CRLF and LF, space and tab",
       Cal("BEGIN:VEVENT\r\nUID:1\r\nSUMMARY:Release: v2.4\r\n .0 of the mob\n\tile app\r\nDTSTART:20261127T100000Z\r\nEND:VEVENT\r\n"),
       "2026-11-01", "2026-12-01", {"2026-11-27T10:00:00Z|Release: v2.4.0 of the mobile app"}},
      {"TZID keeps wall time across DST",
       Cal("BEGIN:VEVENT\r\nUID:2\r\nSUMMARY:train\r\nDTSTART;TZID=Europe/Berlin:20261020T100000\r\n"
           "RRULE:FREQ=WEEKLY;COUNT=3\r\nEND:VEVENT\r\n"),
       "2026-10-01", "2026-12-01",
       {"2026-10-20T08:00:00Z|train", "2026-10-27T09:00:00Z|train", "2026-11-03T09:00:00Z|train"}},
      {"all-day event, with and without VALUE=DATE",
       Cal("BEGIN:VEVENT\r\nUID:3\r\nSUMMARY:a\r\nDTSTART;VALUE=DATE:20261130\r\nDTEND;VALUE=DATE:20261201\r\nEND:VEVENT\r\n"
           "BEGIN:VEVENT\r\nUID:4\r\nSUMMARY:b\r\nDTSTART:20261201\r\nEND:VEVENT\r\n"),
       "2026-11-01", "2026-12-31", {"2026-11-30T00:00:00Z|a", "2026-12-01T00:00:00Z|b"}},
      {"DAILY COUNT counts an EXDATE'd occurrence",
       Cal("BEGIN:VEVENT\r\nUID:5\r\nSUMMARY:d\r\nDTSTART:20261101T090000Z\r\nRRULE:FREQ=DAILY;COUNT=4\r\n"
           "EXDATE:20261102T090000Z\r\nEND:VEVENT\r\n"),
       "2026-10-01", "2026-12-01",
       {"2026-11-01T09:00:00Z|d", "2026-11-03T09:00:00Z|d", "2026-11-04T09:00:00Z|d"}},
      {"WEEKLY BYDAY with inclusive UNTIL and INTERVAL=2",
       Cal("BEGIN:VEVENT\r\nUID:6\r\nSUMMARY:w\r\nDTSTART:20261103T090000Z\r\n"
           "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;UNTIL=20261117T090000Z\r\nEND:VEVENT\r\n"),
       "2026-10-01", "2026-12-31",
       {"2026-11-03T09:00:00Z|w", "2026-11-05T09:00:00Z|w", "2026-11-17T09:00:00Z|w"}},
      {"MONTHLY last Friday and second Tuesday",
       Cal("BEGIN:VEVENT\r\nUID:7\r\nSUMMARY:last\r\nDTSTART;VALUE=DATE:20260925\r\nRRULE:FREQ=MONTHLY;BYDAY=-1FR;COUNT=3\r\nEND:VEVENT\r\n"
           "BEGIN:VEVENT\r\nUID:8\r\nSUMMARY:second\r\nDTSTART:20261013T120000Z\r\nRRULE:FREQ=MONTHLY;BYDAY=2TU;COUNT=2\r\nEND:VEVENT\r\n"),
       "2026-09-01", "2027-01-01",
       {"2026-09-25T00:00:00Z|last", "2026-10-13T12:00:00Z|second", "2026-10-30T00:00:00Z|last",
        "2026-11-10T12:00:00Z|second", "2026-11-27T00:00:00Z|last"}},
      {"MONTHLY on the 31st skips short months",
       Cal("BEGIN:VEVENT\r\nUID:9\r\nSUMMARY:m\r\nDTSTART;VALUE=DATE:20260831\r\nRRULE:FREQ=MONTHLY;UNTIL=20261231\r\nEND:VEVENT\r\n"),
       "2026-08-01", "2027-03-01",
       {"2026-08-31T00:00:00Z|m", "2026-10-31T00:00:00Z|m", "2026-12-31T00:00:00Z|m"}},
      {"RECURRENCE-ID moves one occurrence",
       Cal("BEGIN:VEVENT\r\nUID:r\r\nSUMMARY:weekly\r\nDTSTART:20261102T100000Z\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\nEND:VEVENT\r\n"
           "BEGIN:VEVENT\r\nUID:r\r\nRECURRENCE-ID:20261109T100000Z\r\nSUMMARY:weekly (moved)\r\nDTSTART:20261110T150000Z\r\nEND:VEVENT\r\n"),
       "2026-11-01", "2026-12-01",
       {"2026-11-02T10:00:00Z|weekly", "2026-11-10T15:00:00Z|weekly (moved)", "2026-11-16T10:00:00Z|weekly"}},
      {"prefixed TZID, VTIMEZONE and VALARM are not mistaken for the event",
       Cal("BEGIN:VTIMEZONE\r\nTZID:/mozilla.org/20050126_1/America/New_York\r\nBEGIN:STANDARD\r\nDTSTART:19701101T020000\r\n"
           "TZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
           "BEGIN:VEVENT\r\nUID:10\r\nSUMMARY:ny\r\nDTSTART;TZID=\"/mozilla.org/20050126_1/America/New_York\":20261201T090000\r\n"
           "BEGIN:VALARM\r\nACTION:DISPLAY\r\nSUMMARY:alarm text\r\nDESCRIPTION:reminder\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\nEND:VEVENT\r\n"),
       "2026-11-01", "2026-12-31", {"2026-12-01T14:00:00Z|ny"}},
      {"escaped text, lower-case names, BOM and LF endings",
       "\xEF\xBB\xBF" "begin:vcalendar\nbegin:vevent\nuid:11\nsummary:Release\\, v2.4.0 \\; mobile\\nnotes\ndtstart:20261127T100000Z\nend:vevent\nend:vcalendar\n",
       "2026-11-01", "2026-12-01", {"2026-11-27T10:00:00Z|Release, v2.4.0 ; mobile\nnotes"}},
      {"a DST gap moves forward; EXDATE as a DATE list",
       Cal("BEGIN:VEVENT\r\nUID:12\r\nSUMMARY:gap\r\nDTSTART;TZID=Europe/Berlin:20270327T023000\r\nRRULE:FREQ=DAILY;COUNT=4\r\n"
           "EXDATE;VALUE=DATE:20270329,20270330\r\nEND:VEVENT\r\n"),
       "2027-03-01", "2027-04-30", {"2027-03-27T01:30:00Z|gap", "2027-03-28T01:30:00Z|gap"}},
      {"YEARLY from 29 February only in leap years",
       Cal("BEGIN:VEVENT\r\nUID:13\r\nSUMMARY:leap\r\nDTSTART;VALUE=DATE:20240229\r\nRRULE:FREQ=YEARLY;COUNT=2\r\nEND:VEVENT\r\n"),
       "2020-01-01", "2030-01-01", {"2024-02-29T00:00:00Z|leap", "2028-02-29T00:00:00Z|leap"}},
      {"unsupported BYSETPOS skips the event with a warning; no DTSTART too",
       Cal("BEGIN:VEVENT\r\nUID:14\r\nSUMMARY:odd\r\nDTSTART:20261101T090000Z\r\nRRULE:FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=-1\r\nEND:VEVENT\r\n"
           "BEGIN:VEVENT\r\nUID:15\r\nSUMMARY:nostart\r\nEND:VEVENT\r\n"
           "BEGIN:VEVENT\r\nUID:16\r\nSUMMARY:ok\r\nDTSTART:20261101T090000Z\r\nEND:VEVENT\r\n"),
       "2026-10-01", "2026-12-01", {"2026-11-01T09:00:00Z|ok"}, nullptr, 2},
      {"a rule that never matches ends",
       Cal("BEGIN:VEVENT\r\nUID:18\r\nSUMMARY:never\r\nDTSTART;VALUE=DATE:20260227\r\n"
           "RRULE:FREQ=MONTHLY;INTERVAL=12;BYMONTHDAY=30\r\nEND:VEVENT\r\n"),
       "2026-01-01", "2027-01-01", {"2026-02-27T00:00:00Z|never"}},
      {"unbounded rule stops at the window", Cal("BEGIN:VEVENT\r\nUID:17\r\nSUMMARY:f\r\nDTSTART:20200101T000000Z\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\n"),
       "2026-11-27", "2026-11-29", {"2026-11-27T00:00:00Z|f", "2026-11-28T00:00:00Z|f"}},
      {"truncated", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:1\r\nSUMMARY:x\r\nDTSTART:20261127T100000Z\r\n", "", "", {},
       "c.ics:7: END:VEVENT missing for BEGIN:VEVENT on line 4 (truncated file?)"},
      {"bad date", Cal("BEGIN:VEVENT\r\nDTSTART:2026-11-27\r\nEND:VEVENT\r\n"), "", "", {},
       "c.ics:5: DTSTART: expected a date-time such as 20261127T100000Z or a date such as 20261127, got \"2026-11-27\""},
      {"unknown zone", Cal("BEGIN:VEVENT\r\nDTSTART;TZID=Mars/Olympus:20261127T100000\r\nEND:VEVENT\r\n"), "", "", {},
       "c.ics:5: DTSTART: unknown time zone \"Mars/Olympus\"; expected an IANA name such as Europe/Berlin"},
      {"not a calendar", "hello\r\n", "", "", {}, "c.ics:1: expected NAME:VALUE, got \"hello\""},
      {"no VCALENDAR", "BEGIN:VEVENT\r\nEND:VEVENT\r\n", "", "", {}, "c.ics:1: expected BEGIN:VCALENDAR at the start"},
      {"bad RRULE", Cal("BEGIN:VEVENT\r\nDTSTART:20261127T100000Z\r\nRRULE:FREQ=WEEKLY;COUNT=x\r\nEND:VEVENT\r\n"), "", "", {},
       "c.ics:6: RRULE: expected COUNT to be a positive integer, got \"X\""},
      {"mismatched END", Cal("BEGIN:VEVENT\r\nDTSTART:20261127T100000Z\r\nEND:VTODO\r\n"), "", "", {},
       "c.ics:6: END:VTODO does not close BEGIN:VEVENT of line 4"},
  };
}

TEST(IcsTest, TrickyCalendars) {
  for (const IcsCase& c : IcsCases()) {
    auto cal = ics::Parse(c.text, "c.ics");
    if (c.error) {
      ASSERT_FALSE(cal) << c.name;
      EXPECT_EQ(cal.error().message, c.error) << c.name;
      continue;
    }
    ASSERT_TRUE(cal) << c.name << ": " << cal.error().message;
    EXPECT_EQ(cal->warnings.size(), c.warnings) << c.name;
    std::vector<std::string> got;
    for (const auto& o : ics::Expand(*cal, T(c.from), T(c.to))) {
      got.push_back(FormatTime(o.start.Instant()) + "|" + o.event->summary);
    }
    EXPECT_EQ(got, c.want) << c.name;
  }
}

// Every prefix of every case, and each with one byte flipped: an Error or a
// calendar, never a crash or a hang (the sanitizers watch).
TEST(IcsTest, DamagedInputNeverCrashes) {
  for (const IcsCase& c : IcsCases()) {
    for (size_t cut = 0; cut < c.text.size(); cut += 3) {
      for (std::string text : {c.text.substr(0, cut), c.text}) {
        if (text.size() == c.text.size() && cut < text.size()) text[cut] = static_cast<char>(text[cut] ^ 0x20);
        auto cal = ics::Parse(text, "c.ics");
        if (cal) (void)ics::Expand(*cal, T("2020-01-01"), T("2030-01-01"), 1000);
      }
    }
  }
}

TEST(IcsTest, Warnings) {
  auto cal = ics::Parse(IcsCases()[12].text, "c.ics");  // the BYSETPOS case
  ASSERT_TRUE(cal);
  ASSERT_EQ(cal->warnings.size(), 2u);
  EXPECT_EQ(cal->warnings[0], "c.ics:8: RRULE BYSETPOS is not supported; event skipped");
  EXPECT_EQ(cal->warnings[1], "c.ics:10: event \"nostart\" has no DTSTART; skipped");
}

TEST(IcsTest, LocalDate) {
  EXPECT_EQ(FormatTime(TimePoint(ics::LocalDate(T("2026-11-27T23:30:00Z"), "Europe/Berlin"))), "2026-11-28T00:00:00Z");
  EXPECT_EQ(FormatTime(TimePoint(ics::LocalDate(T("2026-11-27T23:30:00Z"), "UTC"))), "2026-11-27T00:00:00Z");
}

// ---------------------------------------------------------------- the desk

class TempDir {
 public:
  TempDir() {
    dir_ = std::filesystem::temp_directory_path() /
           ("ctodesk_releases_test_" + std::to_string(::getpid()) + "_" + std::to_string(next_++));
    std::filesystem::create_directories(dir_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::filesystem::path Write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return dir_ / name;
  }
  const std::filesystem::path& path() const { return dir_; }

 private:
  static inline int next_ = 0;
  std::filesystem::path dir_;
};

// A repository with tag v2.3.0 made at `tag_time`.
bool MakeRepo(const std::filesystem::path& dir, const std::string& tag_time) {
  std::string env = "GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t "
                    "GIT_COMMITTER_EMAIL=t@example.com GIT_AUTHOR_DATE=" + tag_time +
                    " GIT_COMMITTER_DATE=" + tag_time + " ";
  std::string d = dir.string();
  std::string cmd = "git init -q '" + d + "' && " + env + "git -C '" + d +
                    "' commit -q --allow-empty -m init && " + env + "git -C '" + d +
                    "' tag -a v2.3.0 -m v2.3.0";
  return std::system(("(" + cmd + ") >/dev/null 2>&1").c_str()) == 0;
}

std::map<std::string, const Finding*> BySubject(const std::vector<Finding>& fs) {
  std::map<std::string, const Finding*> m;
  for (const Finding& f : fs) m[f.subject] = &f;
  return m;
}

TEST(ReleasesDeskTest, FindingsFromConfigCalendarAndTags) {
  TempDir dir;
  const bool have_git = MakeRepo(dir.path() / "repo", "2026-11-26T18:00:00Z");
  auto ics = dir.Write("r.ics", Cal(
      "BEGIN:VEVENT\r\nUID:a\r\nSUMMARY:Release: v2.4.0\r\nDTSTART;VALUE=DATE:20261124\r\nEND:VEVENT\r\n"
      "BEGIN:VEVENT\r\nUID:b\r\nSUMMARY:Release: v2.3.0\r\nDTSTART;VALUE=DATE:20261126\r\nEND:VEVENT\r\n"
      "BEGIN:VEVENT\r\nUID:c\r\nSUMMARY:Release: mobile 1.8\r\nDTSTART;TZID=Europe/Berlin:20261127T150000\r\nEND:VEVENT\r\n"
      "BEGIN:VEVENT\r\nUID:d\r\nSUMMARY:Release: web train\r\nDTSTART:20261103T090000Z\r\nRRULE:FREQ=WEEKLY;BYDAY=TU\r\n"
      "EXDATE:20261201T090000Z\r\nEND:VEVENT\r\n"
      "BEGIN:VEVENT\r\nUID:e\r\nSUMMARY:Release: v3.0\r\nSTATUS:CANCELLED\r\nDTSTART;VALUE=DATE:20261125\r\nEND:VEVENT\r\n"
      "BEGIN:VEVENT\r\nUID:f\r\nSUMMARY:Team lunch\r\nDTSTART;VALUE=DATE:20261127\r\nEND:VEVENT\r\n"));
  Settings s;
  s.calendar = ics;
  s.summary_prefix = "release:";
  if (have_git) s.repo = dir.path() / "repo";
  Release billing;
  billing.name = "Billing export";
  billing.owner = "Ana";
  billing.due = std::chrono::floor<std::chrono::days>(T("2026-11-20"));
  billing.source = "releases.release[0]";
  s.releases.push_back(billing);
  ReleasesDesk desk(s);
  auto store = NewMemoryStore();
  FixedClock clock(T("2026-11-27T07:00:00Z"));
  DeskContext ctx{*store, clock, dir.path()};
  auto report = desk.Run(ctx);
  ASSERT_TRUE(report) << report.error().message;
  auto by = BySubject(report->findings);
  ASSERT_TRUE(by.count("Billing export 2026-11-20"));
  EXPECT_EQ(by["Billing export 2026-11-20"]->severity, Severity::kActNow);
  EXPECT_EQ(by["Billing export 2026-11-20"]->title, "Release Billing export was due 2026-11-20 (7 days ago) and has not shipped");
  ASSERT_TRUE(by.count("mobile 1.8 2026-11-27"));
  EXPECT_EQ(by["mobile 1.8 2026-11-27"]->severity, Severity::kToday);
  EXPECT_EQ(by["mobile 1.8 2026-11-27"]->title, "Release mobile 1.8 is due today (14:00 UTC)");
  // The train's next Tuesday is excluded; the one after is 11 days away.
  EXPECT_FALSE(by.count("web train 2026-12-01"));
  EXPECT_FALSE(by.count("web train 2026-11-24")) << "a past event without a tag is not overdue";
  EXPECT_FALSE(by.count("v3.0 2026-11-25")) << "cancelled";
  EXPECT_FALSE(by.count("Team lunch 2026-11-27"));
  if (have_git) {
    ASSERT_TRUE(by.count("v2.4.0 2026-11-24"));
    EXPECT_EQ(by["v2.4.0 2026-11-24"]->severity, Severity::kActNow);
    ASSERT_TRUE(by.count("v2.3.0 2026-11-26"));
    EXPECT_EQ(by["v2.3.0 2026-11-26"]->severity, Severity::kFyi);
    EXPECT_EQ(by["v2.3.0 2026-11-26"]->title, "Release v2.3.0 shipped (tag v2.3.0)");
    EXPECT_EQ(report->findings.size(), 4u);
  } else {
    GTEST_LOG_(WARNING) << "git not available: tag checks skipped";
  }
}

TEST(ReleasesDeskTest, Assess) {
  Settings s;
  const TimePoint now = T("2026-11-27T07:00:00Z");  // a Friday
  auto day = [](const char* iso) { return std::chrono::floor<std::chrono::days>(T(iso)); };
  struct Case {
    const char* name;
    State state;
    const char* due;
    const char* shipped;
    std::optional<Severity> want;
    const char* title;
  } cases[] = {
      {"overdue", State::kOverdue, "2026-11-26", nullptr, Severity::kActNow, "Release overdue was due 2026-11-26 (1 day ago) and has not shipped"},
      {"too old", State::kOverdue, "2026-09-01", nullptr, std::nullopt, ""},
      {"today", State::kDueToday, "2026-11-27", nullptr, Severity::kToday, "Release today is due today"},
      {"monday", State::kUpcoming, "2026-11-30", nullptr, Severity::kThisWeek, "Release monday is due Monday 2026-11-30"},
      {"in a week", State::kUpcoming, "2026-12-04", nullptr, std::nullopt, ""},
      {"shipped last night", State::kShipped, "2026-11-27", "2026-11-26T20:00:00Z", Severity::kFyi, "Release shipped last night shipped"},
      {"shipped long ago", State::kShipped, "2026-11-20", "2026-11-20T20:00:00Z", std::nullopt, ""},
      {"cancelled", State::kCancelled, "2026-11-27", nullptr, std::nullopt, ""},
  };
  for (const Case& c : cases) {
    Release r;
    r.name = c.name;
    r.due = day(c.due);
    if (c.shipped) r.shipped_at = T(c.shipped);
    auto fs = Assess({{r, c.state}}, s, now);
    if (!c.want) {
      EXPECT_TRUE(fs.empty()) << c.name;
      continue;
    }
    ASSERT_EQ(fs.size(), 1u) << c.name;
    EXPECT_EQ(fs[0].severity, *c.want) << c.name;
    EXPECT_EQ(fs[0].title, c.title) << c.name;
  }
}

TEST(ReleasesDeskTest, MissingRepoIsAClearError) {
  TempDir dir;
  Settings s;
  Release r;
  r.name = "x";
  r.due = std::chrono::floor<std::chrono::days>(T("2026-11-27"));
  s.releases.push_back(r);
  s.repo = dir.path() / "nope";
  ReleasesDesk desk(s);
  auto store = NewMemoryStore();
  FixedClock clock(T("2026-11-27T07:00:00Z"));
  DeskContext ctx{*store, clock, dir.path()};
  auto report = desk.Run(ctx);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().message.rfind((dir.path() / "nope").string() + ": cannot read tags: ", 0), 0u)
      << report.error().message;
}

// ---------------------------------------------------------------- config

struct Parsed {
  std::unique_ptr<ConfigReader> reader;
  Settings settings;
};

Parsed Parse(const std::string& toml) {
  Parsed out;
  auto reader = ConfigReader::FromString(toml, "ctodesk.toml", "/base");
  EXPECT_TRUE(reader.has_value());
  out.reader = std::move(*reader);
  auto section = out.reader->Root().Table("releases", true);
  if (section) out.settings = ReadSettings(*section);
  out.reader->Finish();
  return out;
}

TEST(ReleasesConfigTest, Valid) {
  auto p = Parse(R"toml(
[releases]
calendar = "releases.ics"
summary_prefix = "Release:"
repo = "../app"
timezone = "Europe/Berlin"
lookback_days = 14

[[releases.release]]
name = "Billing export"
due = "2026-11-20"
owner = "Ana"
tag = "billing-1.0"

[[releases.release]]
name = "SSO"
due = "2026-11-25"
status = "shipped"
shipped = "2026-11-26T18:00:00Z"
)toml");
  EXPECT_EQ(p.reader->IssuesText(), "");
  EXPECT_EQ(*p.settings.calendar, std::filesystem::path("/base/releases.ics"));
  EXPECT_EQ(p.settings.timezone, "Europe/Berlin");
  EXPECT_EQ(p.settings.lookback_days, 14);
  ASSERT_EQ(p.settings.releases.size(), 2u);
  EXPECT_EQ(p.settings.releases[0].tag, "billing-1.0");
  EXPECT_EQ(p.settings.releases[0].source, "releases.release[0]");
  EXPECT_EQ(p.settings.releases[1].status, "shipped");
}

TEST(ReleasesConfigTest, Errors) {
  struct Case {
    const char* toml;
    const char* first_issue;
  } cases[] = {
      {"[releases]\n", "1:1: releases.calendar: expected a calendar file or at least one [[releases.release]] table"},
      {"[releases]\ncalendar = \"r.ics\"\ntimezone = \"Berlin\"\n",
       "3:12: releases.timezone: expected an IANA time zone such as \"Europe/Berlin\", got \"Berlin\""},
      {"[[releases.release]]\nname = \"x\"\ndue = \"soon\"\n",
       "3:7: releases.release[0].due: expected a date or time such as 2026-11-27 or 2026-11-27T08:00:00Z, got a string \"soon\""},
      {"[[releases.release]]\nname = \"x\"\ndue = \"2026-11-27\"\nstatus = \"done\"\n",
       "4:10: releases.release[0].status: expected one of \"planned\", \"shipped\", \"cancelled\", got \"done\""},
      {"[[releases.release]]\nname = \"x\"\ndue = \"2026-11-27\"\nshipped = \"2026-11-27\"\n",
       "4:11: releases.release[0].shipped: a shipped date needs status = \"shipped\", not \"planned\""},
      {"[releases]\nsummary_prefix = \"Release:\"\n[[releases.release]]\nname = \"x\"\ndue = \"2026-11-27\"\n",
       "2:18: releases.summary_prefix: filters calendar events, but no \"calendar\" is set"},
  };
  for (const Case& c : cases) {
    auto p = Parse(c.toml);
    ASSERT_FALSE(p.reader->issues().empty()) << c.toml;
    EXPECT_EQ(p.reader->issues()[0].ToString(), std::string("ctodesk.toml:") + c.first_issue) << c.toml;
  }
}

}  // namespace
}  // namespace ctodesk::releases
