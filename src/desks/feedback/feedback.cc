// How themes are found. Every ticket of the five weeks (this week and the four
// before) is reduced to its distinct key phrases, interned as integer ids; the
// extraction runs on all cores, each thread with its own stem cache and
// phrase table, merged afterwards. Phrases seen in enough of this week's
// tickets are ranked by class-based TF-IDF (the week as the class), which
// favours what is both frequent now and unusual in the other weeks. Themes
// are then grown greedily down that ranking: a phrase whose tickets are
// nearly all (80%, this week and over the five) in an existing theme joins it, one with half or more of
// its tickets there is dropped as ambiguous (joining would chain unrelated
// tickets into the theme), and any other starts a new theme. Phrases in more
// than half of the tickets of every one of the five weeks are boilerplate
// ("contact me", a signature) and never themes. A theme's
// tickets, in every week, are the tickets containing any of its phrases, so
// its trend compares like with like.
#include "desks/feedback/feedback.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "core/cores.h"
#include "desks/feedback/text.h"
#include "desks/suppliers/reader.h"

namespace ctodesk::feedback {

namespace {

constexpr const char* kDesk = "feedback";
constexpr auto kWeek = std::chrono::days(7);
constexpr size_t kMaxCandidates = 300;
constexpr size_t kQuoteChars = 160;
constexpr double kBoilerplateShare = 0.5;
constexpr size_t kSurfaceSample = 400;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// Ticket timestamps as exports write them: ISO 8601 with a space or 'T',
// optional seconds, fraction and offset; or Unix seconds / milliseconds.
std::optional<TimePoint> ParseCreated(std::string_view s) {
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  auto digit = [&](size_t i) { return i < s.size() && s[i] >= '0' && s[i] <= '9'; };
  auto num = [&](size_t i, size_t n) {
    std::int64_t v = 0;
    for (size_t k = i; k < i + n; ++k) v = v * 10 + (s[k] - '0');
    return v;
  };
  if (std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }) && s.size() <= 15) {
    std::int64_t v = num(0, s.size());
    if (v > 100'000'000'000) v /= 1000;  // milliseconds
    return FromUnix(v);
  }
  if (s.size() >= 10 && digit(0) && digit(1) && digit(2) && digit(3) && s[4] == '-' && digit(5) &&
      digit(6) && s[7] == '-' && digit(8) && digit(9)) {
    std::int64_t y = num(0, 4);
    auto mo = static_cast<unsigned>(num(5, 2)), d = static_cast<unsigned>(num(8, 2));
    if (mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
    std::int64_t secs = DaysFromCivil(y, mo, d) * 86400;
    size_t i = 10;
    if (i < s.size() && (s[i] == 'T' || s[i] == ' ') && digit(i + 1) && digit(i + 2) && i + 5 < s.size() + 0 &&
        s[i + 3] == ':' && digit(i + 4) && digit(i + 5)) {
      secs += num(i + 1, 2) * 3600 + num(i + 4, 2) * 60;
      i += 6;
      if (i < s.size() && s[i] == ':' && digit(i + 1) && digit(i + 2)) {
        secs += num(i + 1, 2);
        i += 3;
      }
      if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
        ++i;
        while (digit(i)) ++i;
      }
      if (i < s.size() && s[i] == 'Z') {
        ++i;
      } else if (i < s.size() && (s[i] == '+' || s[i] == '-') && digit(i + 1) && digit(i + 2)) {
        int sign = s[i] == '+' ? 1 : -1;
        std::int64_t off = num(i + 1, 2) * 3600;
        i += 3;
        if (i < s.size() && s[i] == ':') ++i;
        if (digit(i) && digit(i + 1)) {
          off += num(i, 2) * 60;
          i += 2;
        }
        secs -= sign * off;
      } else if (i + 4 <= s.size() && s.substr(i) == " UTC") {
        i += 4;
      }
    }
    if (i == s.size()) return FromUnix(secs);
  }
  return ParseTime(s);
}

std::optional<double> ParseMoney(std::string_view s) {
  std::string clean;
  for (char c : s) {
    if ((c >= '0' && c <= '9') || c == '.' || c == '-') clean.push_back(c);
  }
  if (clean.empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(clean.c_str(), &end);
  if (end != clean.c_str() + clean.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::string Ratio(std::int64_t now, std::int64_t before) {
  if (before == 0) return now == 0 ? "flat" : "new";
  return fmt::format("{:.1f}x", static_cast<double>(now) / static_cast<double>(before));
}

std::string Pct(double r) { return fmt::format("{:.0f}%", r * 100); }

// Ticket rows from the export, mapped by column name.
class TicketSink final : public suppliers::RecordSink {
 public:
  TicketSink(const Settings& s, TimePoint from, TimePoint to) : s_(s), from_(from), to_(to) {}

  void Columns(const std::vector<std::string>& columns) override {
    columns_ = columns;
    auto find = [&](const std::string& name) -> int {
      if (name.empty()) return -1;
      std::string want = Lower(Trim(name));
      for (size_t i = 0; i < columns.size(); ++i) {
        if (Lower(Trim(columns[i])) == want) return static_cast<int>(i);
      }
      return -1;
    };
    const ColumnMap& m = s_.columns;
    idx_ = {find(m.id), find(m.created), find(m.subject), find(m.body),
            find(m.tags), find(m.customer), find(m.plan), find(m.revenue)};
  }
  void Row(std::int64_t line, const std::vector<std::string_view>& v) override {
    ++read_;
    auto get = [&](int i) -> std::string_view { return i < 0 ? std::string_view() : v[static_cast<size_t>(i)]; };
    auto created = idx_[1] < 0 ? std::nullopt : ParseCreated(get(idx_[1]));
    if (!created) {
      Skip(line);
      return;
    }
    if (*created < from_ || *created >= to_) return;
    Ticket t;
    t.line = line;
    t.created = *created;
    t.id = get(idx_[0]);
    t.subject = get(idx_[2]);
    t.body = get(idx_[3]);
    t.tags = get(idx_[4]);
    t.customer = get(idx_[5]);
    t.plan = get(idx_[6]);
    if (idx_[7] >= 0) t.revenue = ParseMoney(get(idx_[7]));
    out_.tickets.push_back(std::move(t));
  }
  void Malformed(std::int64_t line, std::string_view, std::string) override {
    ++read_;
    Skip(line);
  }

  std::optional<std::string> MissingColumn() const {
    auto list = [&] {
      std::string s;
      for (const auto& c : columns_) s += (s.empty() ? "" : ", ") + c;
      return s.empty() ? std::string("none") : s;
    };
    if (read_ == 0) return std::nullopt;  // an empty export has no columns to judge
    if (idx_[1] < 0) {
      return fmt::format("no column \"{}\" for the ticket's creation time (feedback.columns.created); "
                         "the export has: {}",
                         s_.columns.created, list());
    }
    if (idx_[2] < 0 && idx_[3] < 0) {
      return fmt::format("neither \"{}\" nor \"{}\" is a column, so there is no text to read "
                         "(feedback.columns.subject and .body); the export has: {}",
                         s_.columns.subject, s_.columns.body, list());
    }
    return std::nullopt;
  }
  LoadedTickets& result() {
    out_.read = read_;
    return out_;
  }

 private:
  void Skip(std::int64_t line) {
    if (out_.skipped++ == 0) out_.first_skipped_line = line;
  }
  const Settings& s_;
  TimePoint from_, to_;
  std::vector<std::string> columns_;
  std::array<int, 8> idx_{-1, -1, -1, -1, -1, -1, -1, -1};
  std::int64_t read_ = 0;
  LoadedTickets out_;
};

// Phrase ids per ticket, extracted on several threads.
struct PhraseIndex {
  std::vector<std::string> keys;                  // id -> key
  std::vector<std::vector<std::uint32_t>> of;     // ticket -> sorted phrase ids
};

PhraseIndex ExtractAll(const std::vector<const Ticket*>& tickets) {
  const size_t n = tickets.size();
  unsigned threads = std::max(1u, std::min(8u, UsableCores()));
  if (n < 2000) threads = 1;
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Local {
    std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> ids;
    std::vector<std::string> keys;
  };
  std::vector<Local> locals(threads);
  PhraseIndex index;
  index.of.resize(n);
  auto work = [&](unsigned t) {
    PhraseExtractor extractor;
    std::vector<std::string_view> keys;
    std::string text;
    Local& local = locals[t];
    for (size_t i = t * n / threads; i < (t + 1) * n / threads; ++i) {
      text.assign(tickets[i]->subject);
      text += " . ";
      text += tickets[i]->body;
      extractor.Keys(text, keys);
      auto& ids = index.of[i];
      ids.reserve(keys.size());
      for (std::string_view k : keys) {
        auto it = local.ids.find(k);
        if (it == local.ids.end()) {
          it = local.ids.emplace(std::string(k), static_cast<std::uint32_t>(local.keys.size())).first;
          local.keys.emplace_back(k);
        }
        ids.push_back(it->second);
      }
      std::sort(ids.begin(), ids.end());
      ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
      ids.shrink_to_fit();
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();
  // Merge the thread-local tables into one id space.
  std::unordered_map<std::string, std::uint32_t> global;
  for (unsigned t = 0; t < threads; ++t) {
    std::vector<std::uint32_t> remap(locals[t].keys.size());
    for (size_t k = 0; k < locals[t].keys.size(); ++k) {
      auto [it, added] = global.try_emplace(locals[t].keys[k], static_cast<std::uint32_t>(index.keys.size()));
      if (added) index.keys.push_back(locals[t].keys[k]);
      remap[k] = it->second;
    }
    for (size_t i = t * n / threads; i < (t + 1) * n / threads; ++i) {
      for (auto& id : index.of[i]) id = remap[id];
      std::sort(index.of[i].begin(), index.of[i].end());
    }
  }
  return index;
}

}  // namespace

bool Theme::Rising() const {
  // Against the average too: week-over-week alone fires on noise, when a
  // steady theme just had a quiet week.
  const double now = static_cast<double>(count());
  return count() >= 5 && now > 3.0 * static_cast<double>(previous_week()) && now > 3.0 * previous_mean();
}

Settings ReadSettings(ConfigTable& section) {
  Settings s;
  if (auto p = section.Path("source", true)) s.source = *p;
  if (auto f = section.Choice("format", {"auto", "csv", "jsonl", "json"})) s.format = *f;
  if (auto c = section.Table("columns")) {
    ColumnMap& m = s.columns;
    for (auto [key, field] : {std::pair{"id", &m.id}, {"created", &m.created}, {"subject", &m.subject},
                              {"body", &m.body}, {"tags", &m.tags}, {"customer", &m.customer},
                              {"plan", &m.plan}, {"revenue", &m.revenue}}) {
      if (auto v = c->String(key)) *field = *v;
    }
    if (m.created.empty()) c->Error("created", "expected the name of the column with each ticket's creation time");
  }
  if (section.Has("free_plans")) {
    s.free_plans = section.StringList("free_plans");
    for (auto& p : s.free_plans) p = Lower(p);
  }
  if (auto share = section.String("top_revenue_share")) {
    std::string v = Trim(*share);
    char* end = nullptr;
    double pct = v.empty() || v.back() != '%' ? -1 : std::strtod(v.c_str(), &end);
    if (pct <= 0 || pct > 100 || end != v.c_str() + v.size() - 1) {
      section.Error("top_revenue_share",
                    fmt::format("expected a percentage of customers such as \"10%\", got \"{}\"", *share));
    } else {
      s.top_revenue_share = pct / 100.0;
    }
  }
  if (auto m = section.Int("min_theme_tickets", 1, 100000)) s.min_theme_tickets = static_cast<int>(*m);
  if (auto m = section.Int("max_themes", 1, 50)) s.max_themes = static_cast<int>(*m);
  return s;
}

std::unique_ptr<Desk> Configure(ConfigTable& section) {
  return std::make_unique<FeedbackDesk>(ReadSettings(section));
}

TimePoint WeekStart(TimePoint now, std::optional<TimePoint> week_of) {
  if (!week_of) return now - kWeek;
  auto day = std::chrono::floor<std::chrono::days>(*week_of);
  std::int64_t days = day.time_since_epoch().count();
  std::int64_t monday = days - ((days + 3) % 7 + 7) % 7;  // 1970-01-01 was a Thursday
  return TimePoint(std::chrono::days(monday));
}

Result<LoadedTickets> LoadTickets(const Settings& settings, TimePoint from, TimePoint to) {
  TicketSink sink(settings, from, to);
  auto format = suppliers::ParseFormat(settings.format).value_or(suppliers::Format::kAuto);
  auto stats = suppliers::ReadDelivery(settings.source, format, sink);
  if (!stats) {
    // The reader names the file by its base name; the user wants the path.
    std::string message = stats.error().message;
    const std::string base = settings.source.filename().string();
    if (message.rfind(base, 0) == 0) message = settings.source.string() + message.substr(base.size());
    return Fail(Error::Invalid(message));
  }
  if (auto missing = sink.MissingColumn()) {
    return Fail(Error::Invalid(fmt::format("{}: {}", settings.source.string(), *missing)));
  }
  return std::move(sink.result());
}

Digest BuildDigest(const std::vector<Ticket>& all, TimePoint week_start, const Settings& settings) {
  Digest d;
  d.week_start = week_start;
  d.week_end = week_start + kWeek;
  const TimePoint from = week_start - 4 * kWeek;
  std::vector<const Ticket*> tickets;
  std::vector<int> week;
  d.tickets_read = static_cast<std::int64_t>(all.size());
  for (const Ticket& t : all) {
    if (t.created < from || t.created >= d.week_end) continue;
    tickets.push_back(&t);
    int w = static_cast<int>((t.created - from) / kWeek);
    week.push_back(w);
    ++d.weekly[static_cast<size_t>(w)];
  }
  const size_t n = tickets.size();

  // Who pays, and who is among the top customers by revenue.
  std::unordered_map<std::string_view, double> revenue;
  for (const Ticket* t : tickets) {
    if (t->revenue && !t->customer.empty()) {
      double& r = revenue[t->customer];
      r = std::max(r, *t->revenue);
    }
  }
  double threshold = INFINITY;
  if (!revenue.empty()) {
    std::vector<double> values;
    for (const auto& [c, r] : revenue) values.push_back(r);
    std::sort(values.rbegin(), values.rend());
    size_t top = static_cast<size_t>(std::ceil(settings.top_revenue_share * static_cast<double>(values.size())));
    threshold = std::max(values[std::min(values.size(), std::max<size_t>(top, 1)) - 1], 1e-9);
  }
  std::vector<char> paying(n), top_revenue(n);
  std::int64_t week_paying = 0, week_top = 0;
  for (size_t i = 0; i < n; ++i) {
    const Ticket* t = tickets[i];
    std::string plan = Lower(Trim(t->plan));
    bool pays = !plan.empty() ? std::find(settings.free_plans.begin(), settings.free_plans.end(), plan) ==
                                    settings.free_plans.end()
                              : (t->revenue && *t->revenue > 0);
    auto r = revenue.find(t->customer);
    paying[i] = pays;
    top_revenue[i] = r != revenue.end() && r->second >= threshold;
    if (week[i] == 4) {
      week_paying += pays;
      week_top += top_revenue[i];
    }
  }
  if (d.weekly[4] > 0) {
    d.paying_share = static_cast<double>(week_paying) / static_cast<double>(d.weekly[4]);
    d.top_revenue_share = static_cast<double>(week_top) / static_cast<double>(d.weekly[4]);
  }
  if (d.weekly[4] == 0) return d;

  PhraseIndex index = ExtractAll(tickets);
  const size_t phrases = index.keys.size();
  std::vector<std::array<std::int32_t, 5>> counts(phrases, std::array<std::int32_t, 5>{});
  for (size_t i = 0; i < n; ++i) {
    for (std::uint32_t id : index.of[i]) ++counts[id][static_cast<size_t>(week[i])];
  }
  double mean_week = static_cast<double>(n) / 5.0;
  struct Candidate {
    std::uint32_t id;
    double score;
  };
  std::vector<Candidate> candidates;
  for (std::uint32_t id = 0; id < phrases; ++id) {
    const auto& c = counts[id];
    if (c[4] < settings.min_theme_tickets) continue;
    std::int64_t total = c[0] + c[1] + c[2] + c[3] + c[4];
    // Boilerplate ("contact me", a signature) is in most tickets of every week.
    bool boilerplate = true;
    for (size_t w = 0; w < 5 && boilerplate; ++w) {
      boilerplate = static_cast<double>(c[w]) > kBoilerplateShare * static_cast<double>(d.weekly[w]);
    }
    if (boilerplate) continue;
    candidates.push_back({id, ClassTfIdf(c[4], d.weekly[4], total, mean_week)});
  }
  std::sort(candidates.begin(), candidates.end(), [&](const Candidate& a, const Candidate& b) {
    return a.score != b.score ? a.score > b.score : index.keys[a.id] < index.keys[b.id];
  });
  if (candidates.size() > kMaxCandidates) candidates.resize(kMaxCandidates);

  // Postings of the candidates (all weeks).
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> postings;
  for (const Candidate& c : candidates) postings[c.id];
  for (size_t i = 0; i < n; ++i) {
    for (std::uint32_t id : index.of[i]) {
      auto it = postings.find(id);
      if (it != postings.end()) it->second.push_back(static_cast<std::uint32_t>(i));
    }
  }

  struct Group {
    std::vector<std::uint32_t> phrases;
    std::vector<char> member;  // per ticket
    std::int64_t current = 0;  // this week's tickets in the group
    double score = 0;
  };
  std::vector<Group> groups;
  for (const Candidate& c : candidates) {
    const auto& post = postings[c.id];
    std::int64_t mine = counts[c.id][4];
    int merged = -1;
    bool ambiguous = false;
    for (size_t g = 0; g < groups.size(); ++g) {
      std::int64_t shared = 0, shared_all = 0;
      for (std::uint32_t t : post) {
        shared += week[t] == 4 && groups[g].member[t];
        shared_all += groups[g].member[t];
      }
      double overlap = static_cast<double>(shared) / static_cast<double>(mine);
      double overlap_all = static_cast<double>(shared_all) / static_cast<double>(post.size());
      if (overlap >= 0.8 && overlap_all >= 0.8) {
        merged = static_cast<int>(g);
        break;
      }
      if (overlap >= 0.5) ambiguous = true;
    }
    if (merged < 0 && (ambiguous || groups.size() >= static_cast<size_t>(settings.max_themes))) continue;
    if (merged < 0) {
      groups.push_back({{}, std::vector<char>(n, 0), 0, c.score});
      merged = static_cast<int>(groups.size() - 1);
    }
    Group& g = groups[static_cast<size_t>(merged)];
    g.phrases.push_back(c.id);
    for (std::uint32_t t : post) {
      if (!g.member[t]) {
        g.member[t] = 1;
        if (week[t] == 4) ++g.current;
      }
    }
  }

  PhraseExtractor surface_extractor;
  std::vector<Phrase> found;
  for (Group& g : groups) {
    Theme th;
    th.score = g.score;
    std::int64_t pay = 0, top = 0;
    std::vector<size_t> current;
    for (size_t i = 0; i < n; ++i) {
      if (!g.member[i]) continue;
      ++th.weekly[static_cast<size_t>(week[i])];
      if (week[i] == 4) {
        current.push_back(i);
        pay += paying[i];
        top += top_revenue[i];
      }
    }
    if (th.count() == 0) continue;
    th.paying_share = static_cast<double>(pay) / static_cast<double>(th.count());
    th.top_revenue_share = static_cast<double>(top) / static_cast<double>(th.count());
    for (std::uint32_t id : g.phrases) th.phrases.push_back(index.keys[id]);

    // The label: the longest phrase covering most of the anchor's tickets,
    // in the words customers used most often.
    std::uint32_t anchor = g.phrases[0];
    std::uint32_t label = anchor;
    auto words = [&](std::uint32_t id) { return std::count(index.keys[id].begin(), index.keys[id].end(), ' '); };
    for (std::uint32_t id : g.phrases) {
      if (counts[id][4] * 10 >= counts[anchor][4] * 8 && words(id) > words(label)) label = id;
    }
    std::map<std::string, int> surfaces;
    struct Scored {
      size_t ticket;
      int hits;
      size_t length;
    };
    std::vector<Scored> scored;
    size_t sampled = 0;
    for (size_t i : current) {
      const Ticket* t = tickets[i];
      // The wording customers use most: a sample of the theme's tickets is plenty.
      if (sampled++ < kSurfaceSample) {
        surface_extractor.Extract(t->subject + " . " + t->body, found, true);
        for (const Phrase& p : found) {
          if (p.key == index.keys[label]) ++surfaces[p.surface];
        }
      }
      int hits = 0;
      for (std::uint32_t id : g.phrases) hits += std::binary_search(index.of[i].begin(), index.of[i].end(), id);
      scored.push_back({i, hits, t->body.size()});
    }
    th.label = index.keys[label];
    int best = 0;
    for (const auto& [s, c] : surfaces) {
      if (c > best) {
        best = c;
        th.label = s;
      }
    }
    // Quotes: tickets that carry most of the theme's phrases, of a readable length.
    std::sort(scored.begin(), scored.end(), [](const Scored& a, const Scored& b) {
      if (a.hits != b.hits) return a.hits > b.hits;
      auto dist = [](size_t len) { return len > 140 ? len - 140 : 140 - len; };
      if (dist(a.length) != dist(b.length)) return dist(a.length) < dist(b.length);
      return a.ticket < b.ticket;
    });
    std::unordered_set<std::string> seen;
    for (const Scored& s : scored) {
      if (th.quotes.size() >= 3) break;
      const Ticket* t = tickets[s.ticket];
      // Told apart by the body: a template answered under several subjects is one quote.
      if (!seen.insert(Shorten(t->body, 80)).second) continue;
      std::string text = t->body.empty() ? t->subject
                         : t->subject.empty() ? t->body
                                              : t->subject + ": " + t->body;
      std::string quote = Shorten(MaskPersonalData(StripSignature(text)), kQuoteChars);
      th.quotes.push_back({t->id, std::move(quote)});
    }
    d.themes.push_back(std::move(th));
  }
  std::stable_sort(d.themes.begin(), d.themes.end(),
                   [](const Theme& a, const Theme& b) { return a.score > b.score; });
  return d;
}

std::vector<Finding> DigestFindings(const Digest& d) {
  std::vector<Finding> out;
  auto base = [&](std::string subject, std::string kind, Severity sev) {
    Finding f;
    f.desk = kDesk;
    f.subject = std::move(subject);
    f.kind = std::move(kind);
    f.severity = sev;
    f.concern = Concern::kCustomers;
    f.evidence.emplace_back("week", fmt::format("{} to {}", FormatTime(d.week_start), FormatTime(d.week_end)));
    return f;
  };
  auto trend = [](const std::array<std::int64_t, 5>& w) {
    return fmt::format("{}, {}, {}, {} -> {}", w[0], w[1], w[2], w[3], w[4]);
  };
  auto quotes = [](Finding& f, const Theme& t) {
    for (const Quote& q : t.quotes) f.evidence.emplace_back(fmt::format("ticket {}", q.ticket_id), q.text);
  };
  for (const Theme& t : d.themes) {
    const std::string subject = "theme: " + t.label;
    if (t.Rising()) {
      Finding f = base(subject, "rising", Severity::kToday);
      f.title = fmt::format("Support theme rising: \"{}\": {} tickets this week, {} last week ({})", t.label,
                            t.count(), t.previous_week(), Ratio(t.count(), t.previous_week()));
      f.detail = fmt::format("Tickets about \"{}\" per week over the last five weeks: {}. {} of them from "
                             "paying customers.",
                             t.label, trend(t.weekly), Pct(t.paying_share));
      f.action = "Find what changed (a release, an outage, a price change) and who owns the fix; send the "
                 "affected customers a status update.";
      f.plain.risk = fmt::format("More customers are complaining about \"{}\": {} this week against {} the "
                                 "week before.",
                                 t.label, t.count(), t.previous_week());
      f.plain.doing = "The team is finding the cause and will update the customers affected.";
      f.evidence.emplace_back("tickets this week", std::to_string(t.count()));
      f.evidence.emplace_back("weekly trend", trend(t.weekly));
      quotes(f, t);
      out.push_back(std::move(f));
    }
    if (t.count() >= 5 && t.top_revenue_share >= 0.5 && t.top_revenue_share >= 2 * d.top_revenue_share) {
      Finding f = base(subject, "top-revenue", Severity::kToday);
      f.title = fmt::format("\"{}\" comes mostly from top-revenue customers ({} of {} tickets)", t.label,
                            Pct(t.top_revenue_share), t.count());
      f.detail = fmt::format("{} of this week's tickets about \"{}\" come from the top customers by revenue, "
                             "against {} of all tickets.",
                             Pct(t.top_revenue_share), t.label, Pct(d.top_revenue_share));
      f.action = "Have account management call the affected top customers, and put the fix on this "
                 "week's plan.";
      f.plain.risk = fmt::format("Our biggest customers are the ones raising \"{}\". Left alone, it puts "
                                 "our largest accounts at risk.",
                                 t.label);
      f.plain.doing = "The fix is on this week's plan.";
      f.plain.ask = fmt::format("Consider calling the top customers affected by \"{}\" yourself.", t.label);
      f.evidence.emplace_back("top-revenue share", Pct(t.top_revenue_share));
      f.evidence.emplace_back("all tickets", Pct(d.top_revenue_share));
      quotes(f, t);
      out.push_back(std::move(f));
    }
  }
  double mean = (d.weekly[0] + d.weekly[1] + d.weekly[2] + d.weekly[3]) / 4.0;
  if (mean >= 5 && static_cast<double>(d.weekly[4]) > 1.5 * mean) {
    Finding f = base("all tickets", "volume-up", Severity::kThisWeek);
    f.title = fmt::format("Support volume up {:.0f}%: {} tickets this week against {:.0f} a week before",
                          (static_cast<double>(d.weekly[4]) / mean - 1) * 100, d.weekly[4], mean);
    f.detail = fmt::format("Tickets per week over the last five weeks: {}.", trend(d.weekly));
    f.action = "Check support staffing and reply times; the themes in the digest say what drives it.";
    f.plain.risk = fmt::format("Customers wrote to support {:.0f}% more this week than usual, so replies "
                               "may be slower.",
                               (static_cast<double>(d.weekly[4]) / mean - 1) * 100);
    f.plain.doing = "The team is checking support staffing and what drives the rise.";
    f.evidence.emplace_back("weekly trend", trend(d.weekly));
    out.push_back(std::move(f));
  }
  if (d.weekly[4] > 0) {
    Finding f = base("weekly digest", "digest", Severity::kFyi);
    std::string top;
    for (size_t i = 0; i < d.themes.size() && i < 3; ++i) top += (i ? ", " : "") + d.themes[i].label;
    f.title = fmt::format("Support this week: {} tickets{}", d.weekly[4], top.empty() ? "" : "; top themes: " + top);
    f.detail = fmt::format("{} of the tickets came from paying customers. `ctodesk feedback digest` has the "
                           "quotes.",
                           Pct(d.paying_share));
    f.action = "Read the digest before the product meeting.";
    for (const Theme& t : d.themes) {
      f.evidence.emplace_back(t.label, fmt::format("{} tickets, {} on last week, {} paying", t.count(),
                                                   Ratio(t.count(), t.previous_week()), Pct(t.paying_share)));
    }
    out.push_back(std::move(f));
  }
  return out;
}

Result<Digest> FeedbackDesk::MakeDigest(TimePoint week_start) {
  auto loaded = LoadTickets(settings_, week_start - 4 * kWeek, week_start + kWeek);
  if (!loaded) return Fail(loaded.error());
  Digest d = BuildDigest(loaded->tickets, week_start, settings_);
  d.skipped = loaded->skipped;
  d.tickets_read = loaded->read;
  return d;
}

Result<DeskReport> FeedbackDesk::Run(DeskContext& ctx) {
  auto digest = MakeDigest(WeekStart(ctx.clock.Now(), std::nullopt));
  if (!digest) return Fail(digest.error());
  return DeskReport{DigestFindings(*digest), digest->tickets_read};
}

}  // namespace ctodesk::feedback
