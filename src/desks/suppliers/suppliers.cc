// A delivery is read once, when it first appears, and from then on lives only
// as its stored record: the schedule view (which slot each delivery answered,
// what is late or missing) is recomputed from the records on every run, so a
// change of schedule or grace in the config re-judges the history without
// re-reading any file. Files are identified by name and mtime, so a supplier
// that overwrites "latest.csv" every day still counts as a new delivery.
#include "desks/suppliers/suppliers.h"
#include "core/json_text.h"

#include <fnmatch.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/progress.h"

namespace ctodesk::suppliers {

namespace {

constexpr const char* kDesk = "suppliers";
constexpr auto kSettle = std::chrono::seconds(30);  // younger files may still be being written
constexpr std::int64_t kProgressBytes = 64 << 20;
constexpr size_t kMaxSlots = 50000;
constexpr size_t kMaxQualityFindings = 6;

std::optional<double> ParsePercent(std::string_view s) {
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.empty() || s.back() != '%') return std::nullopt;
  s.remove_suffix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  std::string text(s);
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(v) || v < 0) return std::nullopt;
  return v / 100.0;
}

std::optional<double> Percent(ConfigTable& t, std::string_view key, double max) {
  auto s = t.String(key);
  if (!s) return std::nullopt;
  auto v = ParsePercent(*s);
  if (!v || *v > max) {
    t.Error(key, fmt::format("expected a percentage such as \"5%\"{}, got \"{}\"",
                             max <= 1.0 ? " from 0% to 100%" : "", *s));
    return std::nullopt;
  }
  return v;
}

TimePoint FileTime(std::filesystem::file_time_type t) {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::file_clock::to_sys(t));
}

std::string JoinList(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) {
    s += i == 0 ? "" : (i + 1 == v.size() ? " and " : ", ");
    s += v[i];
  }
  return s;
}

nlohmann::json ToJson(const Delivery& d) {
  nlohmann::json rules = nlohmann::json::array();
  for (const RuleResult& r : d.rules) {
    rules.push_back({{"rule", r.rule}, {"column", r.column}, {"ok", r.ok}, {"message", r.message},
                     {"rows", r.rows}});
  }
  return {{"file", d.file},     {"size", d.size},       {"rows", d.rows},
          {"format", d.format}, {"compression", d.compression}, {"columns", d.columns},
          {"rules", rules}};
}

}  // namespace

std::string_view SlotStatusName(SlotStatus s) {
  switch (s) {
    case SlotStatus::kOnTime: return "on-time";
    case SlotStatus::kLate: return "late";
    case SlotStatus::kMissing: return "missing";
    case SlotStatus::kPending: return "pending";
  }
  return "pending";
}

std::optional<Delivery> DeliveryFromRecord(const CheckRecord& record) {
  auto j = nlohmann::json::parse(record.detail, nullptr, false);
  if (!j.is_object() || !j.contains("file")) return std::nullopt;
  Delivery d;
  d.arrived = record.at;
  d.ok = record.ok;
  d.file = j.value("file", "");
  d.size = j.value("size", std::int64_t{0});
  d.rows = j.value("rows", std::int64_t{0});
  d.format = j.value("format", "");
  d.compression = j.value("compression", "");
  if (j.contains("columns") && j["columns"].is_array()) {
    for (const auto& c : j["columns"]) {
      if (c.is_string()) d.columns.push_back(c.get<std::string>());
    }
  }
  if (j.contains("rules") && j["rules"].is_array()) {
    for (const auto& r : j["rules"]) {
      if (!r.is_object()) continue;
      RuleResult rr;
      rr.rule = r.value("rule", "");
      rr.column = r.value("column", "");
      rr.ok = r.value("ok", true);
      rr.message = r.value("message", "");
      if (r.contains("rows") && r["rows"].is_array()) {
        for (const auto& n : r["rows"]) {
          if (n.is_number_integer()) rr.rows.push_back(n.get<std::int64_t>());
        }
      }
      d.rules.push_back(std::move(rr));
    }
  }
  return d;
}

Settings ReadSettings(ConfigTable& section) {
  Settings s;
  if (auto d = section.Int("lookback_days", 1, 3650)) s.lookback_days = static_cast<int>(*d);
  if (auto p = section.Bool("progress")) s.progress = *p;
  std::set<std::string> names;
  for (ConfigTable& t : section.TableArray("feeds")) {
    Feed f;
    auto name = t.String("name", true);
    auto supplier = t.String("supplier", true);
    auto folder = t.Path("folder", true);
    if (auto g = t.String("glob")) {
      if (g->empty()) t.Error("glob", "expected a file pattern such as \"orders-*.csv.gz\", got \"\"");
      else f.glob = *g;
    }
    auto expr = t.String("schedule", true);
    std::string zone = "UTC";
    if (auto z = t.String("timezone")) zone = *z;
    if (expr) {
      auto cron = CronSchedule::Parse(*expr, zone);
      if (!cron) {
        bool zone_error = cron.error().message.rfind("unknown time zone", 0) == 0;
        t.Error(zone_error ? "timezone" : "schedule", cron.error().message);
      } else {
        f.schedule = *cron;
      }
    }
    if (auto g = t.DurationValue("grace")) f.grace = *g;
    f.downstream = t.StringList("downstream");
    if (auto fm = t.Choice("format", {"auto", "csv", "jsonl", "json"})) f.format = *ParseFormat(*fm);
    f.rules.min_rows = t.Int("min_rows", 0, INT64_MAX);
    f.rules.max_rows = t.Int("max_rows", 0, INT64_MAX);
    if (f.rules.min_rows && f.rules.max_rows && *f.rules.min_rows > *f.rules.max_rows) {
      t.Error("max_rows", fmt::format("expected at least min_rows ({}), got {}", *f.rules.min_rows,
                                      *f.rules.max_rows));
    }
    f.rules.max_row_change = Percent(t, "max_row_change", 1000.0);
    f.rules.unique_key = t.StringList("unique_key");
    if (auto d = t.Bool("schema_drift")) f.rules.schema_drift = *d;
    std::set<std::string> column_names;
    for (ConfigTable& c : t.TableArray("columns")) {
      ColumnRule r;
      auto cname = c.String("name", true);
      if (auto ty = c.Choice("type", {"string", "int", "number", "bool", "date", "datetime"})) {
        r.type = ParseColumnType(*ty);
      }
      if (auto req = c.Bool("required")) r.required = *req;
      r.max_null_rate = Percent(c, "max_null_rate", 1.0);
      r.allowed = c.StringList("allowed");
      if (auto u = c.Bool("unique")) r.unique = *u;
      r.max_age = c.DurationValue("max_age");
      if (r.max_age && r.type && *r.type != ColumnType::kDate && *r.type != ColumnType::kDateTime) {
        c.Error("max_age", fmt::format("freshness needs a column of type \"date\" or \"datetime\", "
                                       "not \"{}\"", ColumnTypeName(*r.type)));
      }
      if (!cname) continue;
      if (!column_names.insert(*cname).second) {
        c.Error("name", fmt::format("column \"{}\" is already described in this feed", *cname));
      }
      r.name = *cname;
      f.rules.columns.push_back(std::move(r));
    }
    if (!name || !supplier || !folder || !f.schedule) continue;
    if (!names.insert(*name).second) {
      t.Error("name", fmt::format("another feed is already named \"{}\"", *name));
      continue;
    }
    f.name = *name;
    f.supplier = *supplier;
    f.folder = *folder;
    s.feeds.push_back(std::move(f));
  }
  if (s.feeds.empty() && !section.Has("feeds")) {
    section.Error("feeds", "expected at least one [[suppliers.feeds]] table");
  }
  return s;
}

std::unique_ptr<Desk> Configure(ConfigTable& section) {
  return std::make_unique<SuppliersDesk>(ReadSettings(section));
}

std::vector<Slot> MatchSlots(const CronSchedule& schedule, Duration grace, TimePoint since,
                             TimePoint now, const std::vector<TimePoint>& arrivals) {
  using std::chrono::duration_cast;
  std::vector<TimePoint> dues;
  TimePoint t = since - duration_cast<std::chrono::seconds>(grace) - std::chrono::seconds(1);
  for (;;) {
    TimePoint d = schedule.Next(t);
    if (d == TimePoint::max() || d > now || dues.size() >= kMaxSlots) break;
    dues.push_back(d);
    t = d;
  }
  std::vector<Slot> slots(dues.size());
  if (dues.empty()) return slots;
  // Early allowance of each slot: a quarter of the interval to the next, at most 6 h.
  std::vector<TimePoint> next(dues.begin() + 1, dues.end());
  next.push_back(schedule.Next(dues.back()));
  auto early = [](TimePoint due, TimePoint following) {
    auto quarter = (following - due) / 4;
    return std::min<std::chrono::seconds>(quarter, std::chrono::hours(6));
  };
  std::vector<TimePoint> opens(dues.size());
  for (size_t k = 0; k < dues.size(); ++k) opens[k] = dues[k] - early(dues[k], next[k]);
  const TimePoint last_close =
      next.back() == TimePoint::max() ? TimePoint::max()
                                      : next.back() - early(next.back(), schedule.Next(next.back()));
  size_t a = 0;
  for (size_t k = 0; k < dues.size(); ++k) {
    Slot& s = slots[k];
    s.due = dues[k];
    TimePoint close = k + 1 < dues.size() ? opens[k + 1] : last_close;
    while (a < arrivals.size() && arrivals[a] < opens[k]) ++a;  // before this window: extra
    if (a < arrivals.size() && arrivals[a] < close) {
      s.delivery = a;
      s.lateness = duration_cast<Duration>(arrivals[a] - s.due);
      s.status = s.lateness > grace ? SlotStatus::kLate : SlotStatus::kOnTime;
      while (a < arrivals.size() && arrivals[a] < close) ++a;  // the rest of the window: extra
    } else {
      s.status = s.due + duration_cast<std::chrono::seconds>(grace) <= now ? SlotStatus::kMissing
                                                                         : SlotStatus::kPending;
    }
  }
  return slots;
}

Result<std::vector<Delivery>> SuppliersDesk::Deliveries(DeskContext& ctx, const Feed& feed,
                                                        TimePoint since) {
  auto records = ctx.store.Checks(kDesk, feed.name, since);
  if (!records) return Fail(records.error());
  std::vector<Delivery> out;
  for (const CheckRecord& r : *records) {
    if (auto d = DeliveryFromRecord(r)) out.push_back(std::move(*d));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Delivery& x, const Delivery& y) { return x.arrived < y.arrived; });
  return out;
}

Result<TimePoint> SuppliersDesk::MonitoredSince(DeskContext& ctx, const Feed& feed,
                                                const std::vector<Delivery>& deliveries) {
  const std::string key = "since:" + feed.name;
  auto state = ctx.store.GetState(kDesk, key);
  if (!state) return Fail(state.error());
  TimePoint since = ctx.clock.Now();
  if (*state) {
    since = FromUnix(std::strtoll((*state)->c_str(), nullptr, 10));
  } else if (auto w = ctx.store.PutState(kDesk, key, std::to_string(ToUnix(since))); !w) {
    return Fail(w.error());
  }
  if (!deliveries.empty()) since = std::min(since, deliveries.front().arrived);
  return since;
}

Result<std::vector<std::pair<const Feed*, Delivery>>> SuppliersDesk::Scan(DeskContext& ctx) {
  const TimePoint now = ctx.clock.Now();
  const TimePoint horizon = now - std::chrono::days(settings_.lookback_days);
  std::vector<std::pair<const Feed*, Delivery>> fresh;
  for (const Feed& feed : settings_.feeds) {
    auto known_deliveries = Deliveries(ctx, feed, horizon - std::chrono::days(1));
    if (!known_deliveries) return Fail(known_deliveries.error());
    std::set<std::pair<std::string, std::int64_t>> known;
    for (const Delivery& d : *known_deliveries) known.insert({d.file, ToUnix(d.arrived)});

    struct Candidate {
      std::filesystem::path path;
      TimePoint mtime;
      std::int64_t size;
    };
    std::vector<Candidate> candidates;
    std::error_code ec;
    std::filesystem::directory_iterator it(feed.folder, ec);
    if (ec) continue;  // a missing folder shows up as missing deliveries
    for (const auto& entry : it) {
      std::error_code e2;
      if (!entry.is_regular_file(e2)) continue;
      std::string file = entry.path().filename().string();
      if (fnmatch(feed.glob.c_str(), file.c_str(), FNM_PERIOD) != 0) continue;
      TimePoint mtime = FileTime(entry.last_write_time(e2));
      if (e2 || mtime < horizon || mtime > now - kSettle) continue;
      if (known.count({file, ToUnix(mtime)})) continue;
      candidates.push_back({entry.path(), mtime, static_cast<std::int64_t>(entry.file_size(e2))});
    }
    std::sort(candidates.begin(), candidates.end(), [](const Candidate& x, const Candidate& y) {
      return x.mtime != y.mtime ? x.mtime < y.mtime : x.path < y.path;
    });

    std::vector<CheckRecord> records;
    for (const Candidate& c : candidates) {
      // The previous delivery: the latest recorded or read before this one.
      std::optional<PreviousDelivery> previous;
      const Delivery* prev = nullptr;
      for (const Delivery& d : *known_deliveries) {
        if (d.arrived <= c.mtime) prev = &d;
      }
      for (const auto& [f, d] : fresh) {
        if (f == &feed && d.arrived <= c.mtime && (!prev || d.arrived >= prev->arrived)) prev = &d;
      }
      if (prev) previous = PreviousDelivery{prev->columns, prev->rows};

      QualityChecker checker(feed.rules, c.mtime, previous);
      std::unique_ptr<Progress> progress;
      if (settings_.progress && c.size >= kProgressBytes) {
        progress = std::make_unique<Progress>(fmt::format("{}: {}", feed.name, c.path.filename().string()),
                                              c.size);
      }
      auto stats = ReadDelivery(c.path, feed.format, checker, progress.get());
      progress.reset();
      Delivery d;
      d.file = c.path.filename().string();
      d.arrived = c.mtime;
      d.size = c.size;
      std::optional<Error> fatal;
      if (stats) {
        d.rows = stats->rows;
        d.format = FormatName(stats->format);
        d.compression = CompressionName(stats->compression);
        checker.SetColumnsOrdered(stats->format == Format::kCsv);
      } else {
        fatal = stats.error();
        d.rows = checker.records_seen();
      }
      d.rules = checker.Finish(d.rows, fatal);
      d.columns = checker.columns();
      d.ok = std::all_of(d.rules.begin(), d.rules.end(), [](const RuleResult& r) { return r.ok; });
      records.push_back({kDesk, feed.name, d.arrived, d.ok, static_cast<double>(d.rows), JsonText(ToJson(d))});
      fresh.emplace_back(&feed, std::move(d));
    }
    if (auto w = ctx.store.AppendChecks(records); !w) return Fail(w.error());
  }
  return fresh;
}

Result<std::vector<Finding>> SuppliersDesk::Assess(DeskContext& ctx) {
  const TimePoint now = ctx.clock.Now();
  std::vector<Finding> findings;
  for (const Feed& feed : settings_.feeds) {
    auto deliveries = Deliveries(ctx, feed, now - std::chrono::days(settings_.lookback_days));
    if (!deliveries) return Fail(deliveries.error());
    auto since = MonitoredSince(ctx, feed, *deliveries);
    if (!since) return Fail(since.error());
    std::vector<TimePoint> arrivals;
    for (const Delivery& d : *deliveries) arrivals.push_back(d.arrived);
    std::vector<Slot> slots = MatchSlots(*feed.schedule, feed.grace, *since, now, arrivals);

    auto base = [&](std::string kind, Severity sev) {
      Finding f;
      f.desk = kDesk;
      f.subject = feed.name;
      f.kind = std::move(kind);
      f.severity = sev;
      f.concern = Concern::kSuppliers;
      f.evidence.emplace_back("supplier", feed.supplier);
      f.evidence.emplace_back("schedule", fmt::format("{} ({}), grace {}", feed.schedule->expression(),
                                                      feed.schedule->time_zone(),
                                                      FormatDuration(feed.grace)));
      return f;
    };
    const std::string downstream = JoinList(feed.downstream);

    // Missing: the latest slot past its grace has nothing, counting back the streak.
    auto last_due = std::find_if(slots.rbegin(), slots.rend(),
                                 [](const Slot& s) { return s.status != SlotStatus::kPending; });
    if (last_due != slots.rend() && last_due->status == SlotStatus::kMissing) {
      int streak = 0;
      for (auto it = last_due; it != slots.rend() && it->status == SlotStatus::kMissing; ++it) ++streak;
      Finding f = base("missing", feed.downstream.empty() ? Severity::kToday : Severity::kActNow);
      f.title = fmt::format("{} from {} is missing: due {} ago, grace {}", feed.name, feed.supplier,
                            HumanDuration(std::chrono::duration_cast<Duration>(now - last_due->due)),
                            FormatDuration(feed.grace));
      std::error_code ec;
      bool folder_exists = std::filesystem::is_directory(feed.folder, ec);
      f.detail = fmt::format(
          "No file matching {} arrived in {} for the delivery due at {}{}.{}{}",
          feed.glob, feed.folder.string(), FormatTime(last_due->due),
          streak > 1 ? fmt::format(" ({} scheduled deliveries missed in a row)", streak) : "",
          folder_exists ? "" : " The folder does not exist.",
          feed.downstream.empty() ? "" : fmt::format(" {} depend{} on it.", downstream,
                                                     feed.downstream.size() == 1 ? "s" : ""));
      f.action = feed.downstream.empty()
                     ? fmt::format("Chase {} for the delivery.", feed.supplier)
                     : fmt::format("Chase {} for the delivery, and warn the owners of {} that they "
                                   "are running on stale data.",
                                   feed.supplier, downstream);
      f.plain.risk = feed.downstream.empty()
                         ? fmt::format("A regular data delivery from {} has not arrived.", feed.supplier)
                         : fmt::format("A regular data delivery from {} has not arrived, so {} {} running on "
                                       "out-of-date information.",
                                       feed.supplier, downstream, feed.downstream.size() == 1 ? "is" : "are");
      f.plain.doing = fmt::format("The team is chasing {} for it.", feed.supplier);
      if (streak > 2) {
        f.plain.ask = fmt::format("{} has missed {} deliveries in a row: raise it with them at your level.",
                                  feed.supplier, streak);
      }
      f.evidence.emplace_back("due", FormatTime(last_due->due));
      f.evidence.emplace_back("missed in a row", std::to_string(streak));
      if (!feed.downstream.empty()) f.evidence.emplace_back("downstream", downstream);
      if (!deliveries->empty()) f.evidence.emplace_back("last delivery", FormatTime(deliveries->back().arrived));
      findings.push_back(std::move(f));
    }

    // Late: the latest delivered slot, if it came late in the last day;
    // otherwise a pattern of lateness over the week.
    int late_week = 0;
    for (const Slot& s : slots) {
      if (s.status == SlotStatus::kLate && s.due >= now - std::chrono::days(7)) ++late_week;
    }
    auto last_delivered = std::find_if(slots.rbegin(), slots.rend(),
                                       [](const Slot& s) { return s.delivery.has_value(); });
    if (last_delivered != slots.rend() && last_delivered->status == SlotStatus::kLate &&
        (*deliveries)[*last_delivered->delivery].arrived >= now - std::chrono::hours(24)) {
      const Delivery& d = (*deliveries)[*last_delivered->delivery];
      Finding f = base("late", Severity::kToday);
      f.title = fmt::format("{} from {} arrived {} late", feed.name, feed.supplier,
                            HumanDuration(last_delivered->lateness));
      f.detail = fmt::format("{} was due at {} and arrived at {}, past its grace of {}. Late {} "
                             "time{} in the last 7 days.",
                             d.file, FormatTime(last_delivered->due), FormatTime(d.arrived),
                             FormatDuration(feed.grace), late_week, late_week == 1 ? "" : "s");
      f.action = fmt::format("Check that {} ran on the late data; raise the late deliveries with {}.",
                             feed.downstream.empty() ? "the jobs that load it" : downstream,
                             feed.supplier);
      f.evidence.emplace_back("file", d.file);
      f.plain.risk = fmt::format("Data from {} arrived late today, so work that relies on it may have used old information.", feed.supplier);
      f.plain.doing = "The team is checking what ran on the late data.";
      f.evidence.emplace_back("due", FormatTime(last_delivered->due));
      f.evidence.emplace_back("arrived", FormatTime(d.arrived));
      f.evidence.emplace_back("late in 7 days", std::to_string(late_week));
      findings.push_back(std::move(f));
    } else if (late_week >= 2) {
      Finding f = base("often-late", Severity::kThisWeek);
      f.title = fmt::format("{} from {} was late {} times in the last 7 days", feed.name,
                            feed.supplier, late_week);
      f.detail = "The latest delivery was on time, but the feed keeps slipping past its grace.";
      f.action = fmt::format("Take the lateness to {} (see `ctodesk suppliers report`).", feed.supplier);
      f.plain.risk = fmt::format("Data from {} arrived late {} times this week.", feed.supplier, late_week);
      f.plain.doing = fmt::format("The team is raising the delays with {}.", feed.supplier);
      f.evidence.emplace_back("late in 7 days", std::to_string(late_week));
      findings.push_back(std::move(f));
    }

    // Quality of the latest delivery.
    if (deliveries->empty()) continue;
    const Delivery& latest = deliveries->back();
    size_t quality = 0;
    for (const RuleResult& r : latest.rules) {
      if (r.ok) continue;
      if (r.rule == "schema-drift") {
        Finding f = base("schema-drift", Severity::kActNow);
        f.title = fmt::format("{} from {} changed its schema", feed.name, feed.supplier);
        f.detail = fmt::format("{} (arrived {}): {}.", latest.file, FormatTime(latest.arrived), r.message);
        f.action = fmt::format("Hold the load{}; check the import mapping against the new columns "
                               "and ask {} whether the change is intended.",
                               feed.downstream.empty() ? "" : " into " + downstream, feed.supplier);
        f.plain.risk = fmt::format("{} changed the layout of the data they send us without warning. Loading it "
                                   "as it is could put wrong figures into our systems.",
                                   feed.supplier);
        f.plain.doing = "The team has held the data back and is checking the change with the supplier.";
        f.evidence.emplace_back("file", latest.file);
        f.evidence.emplace_back("change", r.message);
        f.evidence.emplace_back("columns now", JoinList(latest.columns));
        findings.push_back(std::move(f));
        continue;
      }
      if (++quality > kMaxQualityFindings) continue;
      std::string kind = "quality:" + r.rule + (r.column.empty() ? "" : ":" + r.column);
      Finding f = base(kind, Severity::kToday);
      f.title = fmt::format("{} from {} failed {}{}", feed.name, feed.supplier, r.rule,
                            r.column.empty() ? "" : fmt::format(" on \"{}\"", r.column));
      f.detail = fmt::format("{} (arrived {}, {} rows): {}.", latest.file, FormatTime(latest.arrived),
                             latest.rows, r.message);
      f.action = fmt::format("Send {} the rule and the sample rows; decide whether {} may use this "
                             "delivery.",
                             feed.supplier, feed.downstream.empty() ? "anything" : downstream);
      f.plain.risk = fmt::format("The latest data from {} failed one of our quality checks, so some of "
                                 "it may be wrong.",
                                 feed.supplier);
      f.plain.doing = fmt::format("The team is sending examples to {} and deciding whether to use it.", feed.supplier);
      f.evidence.emplace_back("file", latest.file);
      f.evidence.emplace_back("rule", r.rule);
      if (!r.column.empty()) f.evidence.emplace_back("column", r.column);
      if (!r.rows.empty()) f.evidence.emplace_back("sample rows", SampleRows(r.rows, 0));
      findings.push_back(std::move(f));
    }
    if (quality > kMaxQualityFindings) {
      findings.back().detail += fmt::format(" {} more rules failed on this delivery.",
                                            quality - kMaxQualityFindings);
    }
  }
  return findings;
}

Result<std::vector<Reliability>> SuppliersDesk::ReliabilityOver(DeskContext& ctx, int days) {
  const TimePoint now = ctx.clock.Now();
  const TimePoint from = now - std::chrono::days(days);
  std::vector<Reliability> out;
  std::map<std::string, size_t> index;
  std::map<std::string, Duration> late_total;
  for (const Feed& feed : settings_.feeds) {
    auto all = Deliveries(ctx, feed, now - std::chrono::days(std::max(days, settings_.lookback_days)));
    if (!all) return Fail(all.error());
    auto since = MonitoredSince(ctx, feed, *all);
    if (!since) return Fail(since.error());
    std::vector<TimePoint> arrivals;
    for (const Delivery& d : *all) arrivals.push_back(d.arrived);
    auto slots = MatchSlots(*feed.schedule, feed.grace, *since, now, arrivals);

    auto [it, inserted] = index.try_emplace(feed.supplier, out.size());
    if (inserted) out.push_back(Reliability{feed.supplier, {}, days});
    Reliability& r = out[it->second];
    r.feeds.push_back(feed.name);
    for (const Slot& s : slots) {
      if (s.due < from || s.status == SlotStatus::kPending) continue;
      ++r.due;
      if (s.status == SlotStatus::kOnTime) ++r.on_time;
      if (s.status == SlotStatus::kMissing) ++r.missing;
      if (s.status == SlotStatus::kLate) {
        ++r.late;
        late_total[feed.supplier] += s.lateness;
      }
    }
    for (const Delivery& d : *all) {
      if (d.arrived < from) continue;
      ++r.deliveries;
      if (d.ok) ++r.passed;
    }
  }
  for (Reliability& r : out) {
    if (r.due > 0) r.on_time_rate = static_cast<double>(r.on_time) / static_cast<double>(r.due);
    if (r.deliveries > 0) r.pass_rate = static_cast<double>(r.passed) / static_cast<double>(r.deliveries);
    if (r.late > 0) r.mean_lateness = late_total[r.supplier] / r.late;
  }
  return out;
}

Result<DeskReport> SuppliersDesk::Run(DeskContext& ctx) {
  auto fresh = Scan(ctx);
  if (!fresh) return Fail(fresh.error());
  auto findings = Assess(ctx);
  if (!findings) return Fail(findings.error());
  return DeskReport{std::move(*findings), static_cast<std::int64_t>(settings_.feeds.size())};
}

}  // namespace ctodesk::suppliers
