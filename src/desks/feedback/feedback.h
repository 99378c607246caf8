// The feedback desk: what are customers telling support, and what is rising?
// It reads a support-ticket export (CSV, JSON lines or a JSON array, from
// Zendesk, Intercom, Freshdesk...; gzip or zstd too) with its columns mapped
// in [feedback.columns], and builds the weekly digest: themes found without
// any external service — key phrases (text.h) scored with class-based TF-IDF
// of this week against the four before, grouped where they share tickets —
// each with its volume, its trend, the share of paying and of top-revenue
// customers, and 2-3 quotes with personal data masked. Findings:
//   a theme up more than 3x week over week (and on its 4-week
//   average), with 5+ tickets                                 today
//   a theme concentrated on top-revenue customers             today
//   overall volume up more than 50% on the 4-week average     this-week
//   the digest itself (top themes)                            fyi
//
// Not thread-safe.
#pragma once

#include <array>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "desks/desk.h"

namespace ctodesk::feedback {

// Which column of the export holds what; empty: not in the export.
struct ColumnMap {
  std::string id = "id";
  std::string created = "created_at";
  std::string subject = "subject";
  std::string body = "body";
  std::string tags = "tags";
  std::string customer = "customer";
  std::string plan = "plan";
  std::string revenue = "revenue";
};

struct Settings {
  std::filesystem::path source;
  std::string format = "auto";  // auto, csv, jsonl, json
  ColumnMap columns;
  std::vector<std::string> free_plans = {"free", "trial", "freemium"};
  double top_revenue_share = 0.1;  // the top 10% of customers by revenue
  int min_theme_tickets = 3;       // a theme needs this many tickets this week
  int max_themes = 8;
};

// Reads [feedback]; records config errors on the table. Exposed for tests.
Settings ReadSettings(ConfigTable& section);

struct Ticket {
  std::int64_t line = 0;
  std::string id;
  TimePoint created{};
  std::string subject, body, tags, customer, plan;
  std::optional<double> revenue;
};

struct Quote {
  std::string ticket_id;
  std::string text;  // masked and shortened
};

struct Theme {
  std::string label;                 // the phrase as customers write it: "export to csv"
  std::vector<std::string> phrases;  // stemmed key phrases grouped into it
  std::array<std::int64_t, 5> weekly{};  // tickets per week, oldest first; [4] = this week
  double score = 0;                  // class-based TF-IDF of this week
  double paying_share = 0;           // of this week's tickets
  double top_revenue_share = 0;
  std::vector<Quote> quotes;
  std::int64_t count() const { return weekly[4]; }
  std::int64_t previous_week() const { return weekly[3]; }
  double previous_mean() const { return (weekly[0] + weekly[1] + weekly[2] + weekly[3]) / 4.0; }
  bool Rising() const;  // 5+ tickets, > 3x last week and > 3x the 4-week average
};

struct Digest {
  TimePoint week_start{}, week_end{};    // this week: [start, end)
  std::array<std::int64_t, 5> weekly{};  // all tickets per week, oldest first
  double paying_share = 0, top_revenue_share = 0;  // this week, all tickets
  std::int64_t tickets_read = 0, skipped = 0;      // skipped: no parseable date
  std::vector<Theme> themes;  // ranked by score
};

// The digest of `tickets` for the week [week_start, week_start + 7 days).
Digest BuildDigest(const std::vector<Ticket>& tickets, TimePoint week_start, const Settings& settings);

// Reads the export. Rows without a parseable creation time are counted in
// `skipped`; a missing mapped column or an unreadable file is an Error that
// names the file (and line) and the column.
struct LoadedTickets {
  std::vector<Ticket> tickets;
  std::int64_t read = 0;     // rows in the export
  std::int64_t skipped = 0;  // rows without a usable creation time, or malformed
  std::int64_t first_skipped_line = 0;
};
Result<LoadedTickets> LoadTickets(const Settings& settings, TimePoint from, TimePoint to);

// The default week: the 7 days up to `now`; with `week_of`, the Monday-to-
// Sunday week (UTC) that contains it.
TimePoint WeekStart(TimePoint now, std::optional<TimePoint> week_of);

// Findings for a digest.
std::vector<Finding> DigestFindings(const Digest& d);

class FeedbackDesk final : public Desk {
 public:
  explicit FeedbackDesk(Settings settings) : settings_(std::move(settings)) {}
  Result<DeskReport> Run(DeskContext& ctx) override;
  // Loads the export and builds the digest for the week starting at `week_start`.
  Result<Digest> MakeDigest(TimePoint week_start);
  const Settings& settings() const { return settings_; }

 private:
  Settings settings_;
};

std::unique_ptr<Desk> Configure(ConfigTable& section);

}  // namespace ctodesk::feedback
