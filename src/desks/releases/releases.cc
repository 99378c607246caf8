#include "desks/releases/releases.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

namespace ctodesk::releases {

namespace {

constexpr const char* kDesk = "releases";
using std::chrono::days;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

std::string FormatDay(Day d) {
  std::chrono::year_month_day ymd{d};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

std::string WeekdayName(Day d) {
  static constexpr const char* kNames[] = {"Sunday", "Monday", "Tuesday", "Wednesday",
                                           "Thursday", "Friday", "Saturday"};
  return kNames[std::chrono::weekday(d).c_encoding()];
}

std::string DaysAgo(int n) { return n == 1 ? "1 day ago" : fmt::format("{} days ago", n); }

// Runs git with `args` (no shell) and returns its output, stdout and stderr together.
Result<std::string> RunGit(const std::vector<std::string>& args) {
  int fds[2];
  if (pipe(fds) != 0) return Fail(Error::Io("cannot create a pipe to run git"));
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return Fail(Error::Io("cannot fork to run git"));
  }
  if (pid == 0) {
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>("git"));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execvp("git", argv.data());
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[65536];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0) out.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code == 127) return Fail(Error::Io("git is not installed (needed to read release tags)"));
    std::string first = out.substr(0, out.find('\n'));
    return Fail(Error::Io(first.empty() ? fmt::format("git exited with {}", code) : first));
  }
  return out;
}

// "v2.4.0", "2.4", "mobile-1.3.0", "release-2026.11": a word with a dotted version.
std::string TagIn(const std::string& summary) {
  static const std::regex kVersion(R"(^[A-Za-z0-9_./-]*\d+\.\d+[A-Za-z0-9_.+-]*$)");
  std::istringstream words(summary);
  std::string w;
  while (words >> w) {
    while (!w.empty() && (w.back() == ',' || w.back() == ')' || w.back() == ':')) w.pop_back();
    while (!w.empty() && w.front() == '(') w.erase(0, 1);
    if (std::regex_match(w, kVersion)) return w;
  }
  return "";
}

Day Today(const Settings& s, TimePoint now) { return ics::LocalDate(now, s.timezone); }

}  // namespace

std::string_view StateName(State s) {
  switch (s) {
    case State::kShipped: return "shipped";
    case State::kCancelled: return "cancelled";
    case State::kOverdue: return "overdue";
    case State::kDueToday: return "due today";
    case State::kUpcoming: return "upcoming";
    case State::kPast: return "past";
  }
  return "?";
}

Settings ReadSettings(ConfigTable& section) {
  Settings s;
  s.calendar = section.Path("calendar");
  if (auto p = section.String("summary_prefix")) s.summary_prefix = *p;
  if (auto c = section.String("category")) s.category = *c;
  s.repo = section.Path("repo");
  if (auto tz = section.String("timezone")) {
    if (auto z = ics::ResolveZone(*tz)) {
      s.timezone = *z;
    } else {
      section.Error("timezone", fmt::format("expected an IANA time zone such as \"Europe/Berlin\", got \"{}\"", *tz));
    }
  }
  if (auto l = section.Int("lookback_days", 0, 3650)) s.lookback_days = static_cast<int>(*l);
  if (auto a = section.Int("ahead_days", 1, 3650)) s.ahead_days = static_cast<int>(*a);
  std::set<std::string> names;
  for (ConfigTable& t : section.TableArray("release")) {
    Release r;
    r.source = t.path();
    auto name = t.String("name", true);
    auto due = t.Time("due", true);
    if (auto o = t.String("owner")) r.owner = *o;
    if (auto st = t.Choice("status", {"planned", "shipped", "cancelled"})) r.status = *st;
    if (auto tag = t.String("tag")) r.tag = *tag;
    r.shipped_at = t.Time("shipped");
    if (r.shipped_at && r.status != "shipped") {
      t.Error("shipped", fmt::format("a shipped date needs status = \"shipped\", not \"{}\"", r.status));
    }
    if (!name || !due) continue;
    if (!names.insert(*name).second) {
      t.Error("name", fmt::format("another release is already named \"{}\"", *name));
      continue;
    }
    r.name = *name;
    r.due = std::chrono::floor<days>(*due);
    s.releases.push_back(std::move(r));
  }
  if (!s.calendar && !section.Has("release")) {
    section.Error("calendar", "expected a calendar file or at least one [[releases.release]] table");
  }
  if (!s.calendar && (!s.summary_prefix.empty() || !s.category.empty())) {
    section.Error(s.summary_prefix.empty() ? "category" : "summary_prefix", "filters calendar events, but no \"calendar\" is set");
  }
  return s;
}

std::unique_ptr<Desk> Configure(ConfigTable& section) {
  return std::make_unique<ReleasesDesk>(ReadSettings(section));
}

Result<std::map<std::string, TimePoint>> ReadTags(const std::filesystem::path& repo) {
  auto out = RunGit({"-C", repo.string(), "for-each-ref",
                     "--format=%(refname:strip=2)%09%(creatordate:unix)", "refs/tags"});
  if (!out) return Fail(Error::Io(fmt::format("{}: cannot read tags: {}", repo.string(), out.error().message)));
  std::map<std::string, TimePoint> tags;
  std::istringstream lines(*out);
  std::string line;
  while (std::getline(lines, line)) {
    size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    std::int64_t when = 0;
    try {
      when = std::stoll(line.substr(tab + 1));
    } catch (const std::exception&) {
      continue;
    }
    tags[line.substr(0, tab)] = FromUnix(when);
  }
  return tags;
}

std::vector<Release> FromCalendar(const ics::Calendar& cal, const Settings& s, const std::string& source,
                                  TimePoint from, TimePoint to) {
  std::vector<Release> out;
  const std::string prefix = Lower(s.summary_prefix);
  const std::string category = Lower(s.category);
  for (const ics::Occurrence& o : ics::Expand(cal, from, to)) {
    const ics::Event& e = *o.event;
    std::string name = e.summary;
    if (!prefix.empty()) {
      if (Lower(name).rfind(prefix, 0) != 0) continue;
      name = Trim(name.substr(prefix.size()));
    }
    if (!category.empty() &&
        std::none_of(e.categories.begin(), e.categories.end(),
                     [&](const std::string& c) { return Lower(Trim(c)) == category; })) {
      continue;
    }
    Release r;
    r.name = name.empty() ? "(untitled release)" : name;
    r.from_calendar = true;
    r.source = fmt::format("{}:{}", source, e.line);
    r.tag = TagIn(name);
    if (e.status == "CANCELLED") r.status = "cancelled";
    if (o.start.kind == ics::DateTime::Kind::kDate) {
      r.due = std::chrono::floor<days>(o.start.wall);
    } else {
      r.due_at = o.start.Instant();
      r.due = ics::LocalDate(*r.due_at, s.timezone);
    }
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::vector<Status>> Collect(const Settings& s, TimePoint now, std::vector<std::string>* warnings) {
  const Day today = Today(s, now);
  std::vector<Release> all = s.releases;
  if (s.calendar) {
    std::ifstream in(*s.calendar, std::ios::binary);
    if (!in) return Fail(Error::Io(fmt::format("{}: cannot read the release calendar", s.calendar->string())));
    std::ostringstream text;
    text << in.rdbuf();
    auto cal = ics::Parse(text.str(), s.calendar->string());
    if (!cal) return Fail(cal.error());
    if (warnings) warnings->insert(warnings->end(), cal->warnings.begin(), cal->warnings.end());
    // A day of slack either side: "today" is a local date, the window is UTC.
    const TimePoint from = TimePoint(today - days(s.lookback_days + 1));
    const TimePoint to = TimePoint(today + days(s.ahead_days + 2));
    auto events = FromCalendar(*cal, s, s.calendar->string(), from, to);
    all.insert(all.end(), std::make_move_iterator(events.begin()), std::make_move_iterator(events.end()));
  }
  std::map<std::string, TimePoint> tags;
  if (s.repo) {
    auto t = ReadTags(*s.repo);
    if (!t) return Fail(t.error());
    tags = std::move(*t);
  }
  std::vector<Status> out;
  for (Release& r : all) {
    if (r.from_calendar && (r.due < today - days(s.lookback_days) || r.due > today + days(s.ahead_days))) continue;
    if (!r.tag.empty()) {
      if (auto it = tags.find(r.tag); it != tags.end()) {
        r.status = "shipped";
        if (!r.shipped_at) r.shipped_at = it->second;
      }
    }
    State st;
    if (r.status == "shipped") st = State::kShipped;
    else if (r.status == "cancelled") st = State::kCancelled;
    else if (r.due == today) st = State::kDueToday;
    else if (r.due > today) st = State::kUpcoming;
    // Past and never seen to ship: overdue, unless a calendar entry has no
    // tag to look for (then nothing could tell us it shipped).
    else if (r.from_calendar && (r.tag.empty() || !s.repo)) st = State::kPast;
    else st = State::kOverdue;
    out.push_back({std::move(r), st});
  }
  std::stable_sort(out.begin(), out.end(), [](const Status& a, const Status& b) {
    return a.release.due != b.release.due ? a.release.due < b.release.due : a.release.name < b.release.name;
  });
  return out;
}

std::vector<Finding> Assess(const std::vector<Status>& statuses, const Settings& s, TimePoint now) {
  const Day today = Today(s, now);
  std::vector<Finding> findings;
  for (const Status& st : statuses) {
    const Release& r = st.release;
    Finding f;
    f.desk = kDesk;
    f.subject = fmt::format("{} {}", r.name, FormatDay(r.due));
    f.concern = Concern::kDelivery;
    const std::string owner = r.owner.empty() ? "its owner" : r.owner;
    const int days_to = static_cast<int>((r.due - today).count());
    switch (st.state) {
      case State::kOverdue:
        if (-days_to > s.lookback_days) continue;
        f.kind = "overdue";
        f.severity = Severity::kActNow;
        f.title = fmt::format("Release {} was due {} ({}) and has not shipped", r.name, FormatDay(r.due), DaysAgo(-days_to));
        f.detail = fmt::format("{} was planned for {}{}. {}", r.name, FormatDay(r.due),
                               r.owner.empty() ? "" : fmt::format(" (owner: {})", r.owner),
                               r.tag.empty() ? "Nothing marks it shipped."
                                             : fmt::format("The tag {} does not exist in the repository.", r.tag));
        f.action = fmt::format("Ask {} for a new date today and tell everyone waiting on it; if it did ship, {}.",
                               owner, r.tag.empty() ? "mark it status = \"shipped\"" : fmt::format("push the tag {}", r.tag));
        f.plain.risk = fmt::format("The {} release was planned for {} and has not gone out. Customers "
                                   "and colleagues waiting for it may not know.",
                                   r.name, FormatDay(r.due));
        f.plain.doing = fmt::format("The team is asking {} for a new date today.", owner);
        f.plain.ask = fmt::format("Tell any customer promised the {} release about the new date once the team has it.", r.name);
        break;
      case State::kDueToday:
        // One kind for "due": the same finding moves from this-week to today.
        f.kind = "due";
        f.severity = Severity::kToday;
        f.title = fmt::format("Release {} is due today{}", r.name,
                              r.due_at ? fmt::format(" ({} UTC)", FormatTime(*r.due_at).substr(11, 5)) : "");
        f.detail = fmt::format("{} is planned for today, {}{}.", r.name, FormatDay(r.due),
                               r.owner.empty() ? "" : fmt::format("; owner: {}", r.owner));
        f.action = fmt::format("Check with {} that it is on track: release notes, rollback plan, who is on call.", owner);
        f.plain.risk = fmt::format("The {} release goes out today.", r.name);
        f.plain.doing = "The team is checking it is ready and can be undone if something goes wrong.";
        break;
      case State::kUpcoming:
        if (days_to > 6) continue;
        f.kind = "due";
        f.severity = Severity::kThisWeek;
        f.title = fmt::format("Release {} is due {} {}", r.name, WeekdayName(r.due), FormatDay(r.due));
        f.detail = fmt::format("{} is planned in {} days{}.", r.name, days_to,
                               r.owner.empty() ? "" : fmt::format("; owner: {}", r.owner));
        f.action = "Make sure sales, support and marketing know the date, and that nothing blocks it.";
        f.plain.risk = fmt::format("The {} release is planned for {} {}.", r.name, WeekdayName(r.due), FormatDay(r.due));
        f.plain.doing = "The team is making sure sales, support and marketing know the date.";
        break;
      case State::kShipped:
        if (!r.shipped_at || *r.shipped_at > now || *r.shipped_at < now - std::chrono::hours(24)) continue;
        f.kind = "shipped";
        f.severity = Severity::kFyi;
        f.title = fmt::format("Release {} shipped{}", r.name, r.tag.empty() ? "" : fmt::format(" (tag {})", r.tag));
        f.detail = fmt::format("{} shipped at {}, {} its planned date of {}.", r.name, FormatTime(*r.shipped_at),
                               ics::LocalDate(*r.shipped_at, s.timezone) <= r.due ? "on or before" : "after",
                               FormatDay(r.due));
        f.action = "Tell customers and the team; watch errors and support tickets for a day.";
        break;
      case State::kCancelled:
      case State::kPast:
        continue;
    }
    f.evidence.emplace_back("due", FormatDay(r.due));
    if (!r.owner.empty()) f.evidence.emplace_back("owner", r.owner);
    if (!r.tag.empty()) f.evidence.emplace_back("tag", r.tag);
    f.evidence.emplace_back("source", r.source);
    findings.push_back(std::move(f));
  }
  return findings;
}

Result<DeskReport> ReleasesDesk::Run(DeskContext& ctx) {
  const TimePoint now = ctx.clock.Now();
  std::vector<std::string> warnings;
  auto statuses = Collect(settings_, now, &warnings);
  if (!statuses) return Fail(statuses.error());
  DeskReport report;
  report.findings = Assess(*statuses, settings_, now);
  report.checked = static_cast<std::int64_t>(statuses->size());
  // One record per release due within the last week, so the weekly summary
  // can tell promises kept from promises missed.
  std::vector<CheckRecord> records;
  const Day today = ics::LocalDate(now, settings_.timezone);
  for (const Status& st : *statuses) {
    const Release& r = st.release;
    if (r.due > today || r.due < today - days(7)) continue;
    if (st.state != State::kShipped && st.state != State::kOverdue && st.state != State::kDueToday) continue;
    const bool shipped = st.state == State::kShipped;
    const bool on_time = shipped && r.shipped_at && ics::LocalDate(*r.shipped_at, settings_.timezone) <= r.due;
    records.push_back({kDesk, r.name, now, on_time, shipped ? 1.0 : 0.0,
                       fmt::format(R"({{"due":"{}","state":"{}"}})", FormatDay(r.due), StateName(st.state))});
  }
  if (!records.empty()) {
    if (auto w = ctx.store.AppendChecks(records); !w) return Fail(w.error());
  }
  if (!warnings.empty()) {
    Finding f;
    f.desk = kDesk;
    f.subject = settings_.calendar ? settings_.calendar->filename().string() : "calendar";
    f.kind = "calendar-skipped";
    f.concern = Concern::kDelivery;
    f.severity = Severity::kThisWeek;
    f.title = fmt::format("{} event{} in the release calendar could not be read", warnings.size(),
                          warnings.size() == 1 ? "" : "s");
    f.detail = warnings.front() + (warnings.size() > 1 ? fmt::format(" (and {} more)", warnings.size() - 1) : "");
    f.action = "Simplify the recurrence of these events, or list the releases in [[releases.release]].";
    f.plain.risk = "Some planned releases could not be read from the shared calendar, so they may be missing from this report.";
    f.plain.doing = "The team is fixing the calendar entries.";
    for (size_t i = 0; i < warnings.size() && i < 5; ++i) f.evidence.emplace_back("skipped", warnings[i]);
    report.findings.push_back(std::move(f));
  }
  return report;
}

}  // namespace ctodesk::releases
