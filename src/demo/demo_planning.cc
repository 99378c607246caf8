#include "demo/demo_planning.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <vector>

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

namespace ctodesk {

namespace {

using Day = std::chrono::sys_days;
using std::chrono::days;

Result<void> Write(const std::filesystem::path& path, const std::string& text) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) return Fail(Error::Io(fmt::format("{}: cannot write", path.string())));
  return {};
}

bool Working(Day d) {
  auto w = std::chrono::weekday(d);
  return w != std::chrono::Saturday && w != std::chrono::Sunday;
}

std::string Iso(Day d) {
  std::chrono::year_month_day ymd{d};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()));
}

std::string Compact(Day d) { return Iso(d).substr(0, 4) + Iso(d).substr(5, 2) + Iso(d).substr(8, 2); }

// Jira's CSV export: "27/Nov/26 9:15 AM".
std::string Jira(Day d, int minute_of_day) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::chrono::year_month_day ymd{d};
  int h = minute_of_day / 60, m = minute_of_day % 60;
  return fmt::format("{:02}/{}/{:02} {}:{:02} {}", static_cast<unsigned>(ymd.day()),
                     kMonths[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()) % 100,
                     h % 12 == 0 ? 12 : h % 12, m, h < 12 ? "AM" : "PM");
}

// A small deterministic generator, so every demo has the same history.
struct Lcg {
  std::uint64_t s;
  std::uint32_t Next() {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::uint32_t>(s >> 33);
  }
};

// Runs git with `args` in `env` (no shell); true on success.
bool Git(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    for (const auto& e : env) putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> argv = {const_cast<char*>("git")};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (FILE* devnull = std::fopen("/dev/null", "w")) {
      dup2(fileno(devnull), 1);
      dup2(fileno(devnull), 2);
    }
    execvp("git", argv.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

Result<std::string> WriteDemoDeadlines(const std::filesystem::path& dir, TimePoint now) {
  const Day today = std::chrono::floor<days>(now);
  // Day counts with mean 2.2, shuffled per 20-day cycle.
  std::array<int, 20> cycle = {2, 3, 1, 4, 0, 2, 3, 2, 1, 4, 2, 3, 1, 2, 0, 3, 4, 2, 2, 3};
  Lcg rng{20261127};
  static constexpr const char* kSummaries[] = {
      "Checkout: retry failed card payments", "Parcel label PDF, A6 size", "Fix timezone in delivery slots",
      "Courier webhook, signed payloads",     "Bulk import of addresses", "Search: typo tolerance",
      "Invoice numbering per country",        "Track & trace page, \"live\" map", "Rate limits for the public API",
      "Onboarding email, step 2"};
  static constexpr const char* kTypes[] = {"Story", "Story", "Bug", "Task", "Story", "Bug"};
  std::string csv = "Issue key,Summary,Issue Type,Status,Created,Start date,Resolved\n";
  int key = 1000;
  int in_cycle = 0;
  int recent_items = 0, recent_days = 0;  // the 12 weeks the desk will sample
  for (Day d = today - days(26 * 7); d < today; d += days(1)) {
    if (!Working(d)) continue;
    if (in_cycle == 0) {
      for (size_t i = cycle.size() - 1; i > 0; --i) std::swap(cycle[i], cycle[rng.Next() % (i + 1)]);
    }
    const int n = cycle[static_cast<size_t>(in_cycle)];
    in_cycle = (in_cycle + 1) % static_cast<int>(cycle.size());
    if (d >= today - days(12 * 7)) {
      recent_items += n;
      ++recent_days;
    }
    for (int i = 0; i < n; ++i) {
      const int cycle_days = 1 + static_cast<int>(rng.Next() % 9);
      const Day started = d - days(cycle_days);
      const Day created = started - days(static_cast<int>(rng.Next() % 20));
      std::string summary = kSummaries[rng.Next() % std::size(kSummaries)];
      // Some summaries carry a line break, as real exports do.
      if (rng.Next() % 17 == 0) summary += "\n(follow-up)";
      std::string escaped;
      for (char c : summary) escaped += c == '"' ? std::string("\"\"") : std::string(1, c);
      csv += fmt::format("ACME-{},\"{}\",{},Done,{},{},{}\n", ++key, escaped, kTypes[rng.Next() % std::size(kTypes)],
                         Jira(created, 540 + static_cast<int>(rng.Next() % 60)),
                         Jira(started, 600 + static_cast<int>(rng.Next() % 120)),
                         Jira(d, 780 + static_cast<int>(rng.Next() % 240)));
    }
    // Epics finish now and then; the type filter leaves them out.
    if (rng.Next() % 15 == 0) {
      csv += fmt::format("ACME-{},\"Epic: delivery platform\",Epic,Done,{},{},{}\n", ++key, Jira(d - days(90), 540),
                         Jira(d - days(60), 600), Jira(d, 900));
    }
  }
  // In progress: three normal, two stuck for weeks.
  for (int age : {2, 3, 5, 26, 41}) {
    csv += fmt::format("ACME-{},\"{}\",Story,In Progress,{},{},\n", ++key,
                       age > 20 ? "Migrate label printing to the new carrier API" : "Address autocomplete",
                       Jira(today - days(age + 10), 540), Jira(today - days(age), 600));
  }
  if (auto w = Write(dir / "exports" / "jira-done.csv", csv); !w) return Fail(w.error());

  auto working_days = [&](Day to) {
    int n = 0;
    for (Day d = today; d <= to; d += days(1)) n += Working(d) ? 1 : 0;
    return n;
  };
  const Day safe_due = today + days(42);
  const Day risky_due = today + days(25);
  const Day hopeless_due = today + days(20);
  // About even odds: the items the team finishes in that time on average.
  const double per_day = recent_days ? static_cast<double>(recent_items) / recent_days : 2.2;
  const int risky_items = static_cast<int>(per_day * working_days(risky_due));
  return fmt::format(R"toml(
[deadlines]
# Jira: Filters > Export > CSV (all fields); throughput history of finished work.
history = "exports/jira-done.csv"
columns = {{ id = "Issue key", type = "Issue Type", created = "Created", started = "Start date", done = "Resolved" }}
types = ["Story", "Bug", "Task"]
weeks = 12
days_off = ["Sat", "Sun"]
trials = 100000
seed = 1

[[deadlines.commitments]]
name = "Partner API v1"
items = 20
due = "{safe}"
promised_to = "Initech"
promised_by = "CTO"

[[deadlines.commitments]]
name = "Mobile checkout"
items = {risky_items}
due = "{risky}"
promised_to = "marketing launch"
promised_by = "Head of Product"

[[deadlines.commitments]]
name = "Data warehouse migration"
items = 120
due = "{hopeless}"
promised_to = "Globex Corp"
promised_by = "Sales (Dana)"
)toml",
                     fmt::arg("safe", Iso(safe_due)), fmt::arg("risky", Iso(risky_due)),
                     fmt::arg("risky_items", risky_items), fmt::arg("hopeless", Iso(hopeless_due)));
}

Result<std::string> WriteDemoReleases(const std::filesystem::path& dir, TimePoint now) {
  const Day today = std::chrono::floor<days>(now);
  std::string ics =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Acme Parcels//Release calendar//EN\r\n"
      "X-WR-CALNAME:Releases\r\n";
  auto event = [&](const std::string& uid, const std::string& lines) {
    ics += "BEGIN:VEVENT\r\nUID:" + uid + "@acme.example\r\nDTSTAMP:" + Compact(today) + "T060000Z\r\n" + lines +
           "END:VEVENT\r\n";
  };
  event("v2-3-0", "SUMMARY:Release: v2.3.0\r\nDTSTART;VALUE=DATE:" + Compact(today - days(1)) + "\r\n");
  event("v2-4-0", "SUMMARY:Release: v2.4.0 (web app\\, new checkout)\r\nDTSTART;VALUE=DATE:" +
                      Compact(today - days(2)) + "\r\nDESCRIPTION:Tag v2.4.0 when it is out.\r\n");
  event("mobile-1-8", "SUMMARY:Release: mobile app 1.8\r\nDTSTART:" + Compact(today) +
                          "T140000Z\r\nDTEND:" + Compact(today) + "T150000Z\r\nCATEGORIES:Release,Mobile\r\n"
                          "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Mobile release in 1 hour\r\n"
                          "TRIGGER:-PT1H\r\nEND:VALARM\r\n");
  // The weekly web train (no tag: it can be due, never "overdue"), on the
  // first working day after tomorrow, so it is "this week" on both demo mornings.
  static constexpr const char* kByDay[] = {"SU", "MO", "TU", "WE", "TH", "FR", "SA"};
  Day train = today + days(2);
  while (!Working(train)) train += days(1);
  const Day first_train = train - days(70);
  event("train", "SUMMARY:Release: weekly web train\r\nDTSTART;TZID=Europe/Berlin:" + Compact(first_train) +
                     "T100000\r\nRRULE:FREQ=WEEKLY;BYDAY=" +
                     kByDay[std::chrono::weekday(first_train).c_encoding()] +
                     ";COUNT=52\r\nEXDATE;TZID=Europe/Berlin:" + Compact(first_train + days(14)) + "T100000\r\n");
  event("offsite", "SUMMARY:Team offsite\r\nDTSTART;VALUE=DATE:" + Compact(today + days(3)) + "\r\n");
  ics += "END:VCALENDAR\r\n";
  if (auto w = Write(dir / "releases.ics", ics); !w) return Fail(w.error());

  // The release repository: v2.2.0 two weeks ago, v2.3.0 six hours ago.
  const std::filesystem::path repo = dir / "release-repo";
  std::error_code ec;
  std::filesystem::remove_all(repo, ec);
  bool git = Git({"init", "-q", repo.string()}, {});
  auto stamp = [&](TimePoint t) {
    std::string s = FormatTime(t);
    return std::vector<std::string>{"GIT_AUTHOR_NAME=Acme CI", "GIT_AUTHOR_EMAIL=ci@acme.example",
                                    "GIT_COMMITTER_NAME=Acme CI", "GIT_COMMITTER_EMAIL=ci@acme.example",
                                    "GIT_AUTHOR_DATE=" + s, "GIT_COMMITTER_DATE=" + s};
  };
  for (auto [tag, when] : {std::pair{"v2.2.0", now - std::chrono::hours(24 * 14)},
                           std::pair{"v2.3.0", now - std::chrono::hours(6)}}) {
    git = git && Git({"-C", repo.string(), "commit", "-q", "--allow-empty", "-m", std::string("Release ") + tag}, stamp(when));
    git = git && Git({"-C", repo.string(), "tag", "-a", tag, "-m", tag}, stamp(when));
  }
  return fmt::format(R"toml(
[releases]
calendar = "releases.ics"
summary_prefix = "Release:"
{repo}timezone = "UTC"

[[releases.release]]
name = "SSO for enterprise customers"
due = "{sso}"
owner = "Priya"
tag = "sso-1.0"
)toml",
                     fmt::arg("repo", git ? "repo = \"release-repo\"  # a release is shipped when its tag exists\n"
                                          : "# repo: git was not available when the demo was made\n"),
                     fmt::arg("sso", Iso(today + days(3))));
}

}  // namespace ctodesk
