// bench/dashboard: builds a store with FINDINGS open findings and PROBES
// health probes with DAYS days of history (CHECKS_PER_DAY each), then times
// what `ctodesk serve` does for one request, in process:
//   briefing   LoadBriefView (all open findings from SQLite, rank, filter)
//              + RenderBriefPage (the first 100) + gzip
//   api        LoadBriefView + BriefJson (limit 100)
//   health     LoadDeskView (one page: 50 probes x 90 days) + RenderDeskPage
// Median and worst of ROUNDS runs each. The store and a ctodesk.toml are left
// in DIR so run.sh can serve them to a browser.
//
//   dashboard_bench DIR [FINDINGS=5000] [PROBES=2000] [DAYS=90] [CHECKS_PER_DAY=24] [ROUNDS=20]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "dashboard/api.h"
#include "dashboard/html.h"
#include "dashboard/view.h"
#include "server/server.h"
#include "store/store.h"

using namespace ctodesk;
using Wall = std::chrono::steady_clock;

namespace {

double Ms(Wall::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

struct Stats {
  double median, worst;
};
Stats Summarize(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v.back()};
}

const char* kDesks[] = {"health", "backups", "leaks", "keys", "knowledge", "deadlines", "releases", "suppliers", "feedback"};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: dashboard_bench DIR [FINDINGS] [PROBES] [DAYS] [CHECKS_PER_DAY] [ROUNDS]\n");
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  const int findings = argc > 2 ? std::atoi(argv[2]) : 5000;
  const int probes = argc > 3 ? std::atoi(argv[3]) : 2000;
  const int days = argc > 4 ? std::atoi(argv[4]) : 90;
  const int per_day = argc > 5 ? std::atoi(argv[5]) : 24;
  const int rounds = argc > 6 ? std::atoi(argv[6]) : 20;
  const TimePoint now = FromUnix(ToUnix(*ParseTime("2026-11-27T08:00:00Z")));

  std::filesystem::create_directories(dir);
  std::ofstream(dir / "ctodesk.toml") << "[company]\nname = \"Bench Corp\"\n\n[serve]\nlisten = \"127.0.0.1:0\"\n";
  std::filesystem::remove_all(dir / ".ctodesk");
  auto store = OpenSqliteStore(dir / ".ctodesk" / "desk.db");
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().message.c_str());
    return 1;
  }
  std::mt19937 rng(42);
  auto t0 = Wall::now();
  std::vector<Finding> open;
  for (int i = 0; i < findings; ++i) {
    Finding f;
    f.desk = kDesks[i % 9];
    f.subject = fmt::format("subject-{}", i);
    f.kind = "bench";
    int r = static_cast<int>(rng() % 100);
    f.severity = r < 5 ? Severity::kActNow : r < 20 ? Severity::kToday : r < 60 ? Severity::kThisWeek : Severity::kFyi;
    f.title = fmt::format("{} {} needs attention: measured value {} is over its limit", f.desk, f.subject, rng() % 1000);
    f.detail = "A few sentences of detail, as desks write them: since when, how bad, and what was seen. "
               "The last check failed and the one before it too; the trend is getting worse.";
    f.action = "Look at it today and tell the owner.";
    f.evidence = {{"measured", std::to_string(rng() % 1000)}, {"limit", "500"}, {"source", "bench"}};
    f.concern = static_cast<Concern>(rng() % 6);
    f.first_seen = now - std::chrono::days(rng() % 30);
    f.last_seen = now;
    open.push_back(std::move(f));
  }
  if (!(*store)->SaveFindings(open, {}, now)) return 1;
  for (const char* d : kDesks) {
    if (!(*store)->RecordRun({d, now - std::chrono::minutes(30), true, 1234, 100, ""})) return 1;
  }
  const TimePoint first = now - std::chrono::days(days);
  std::vector<CheckRecord> batch;
  std::int64_t rows = 0;
  for (int p = 0; p < probes; ++p) {
    std::string subject = fmt::format("probe-{:04}", p);
    for (int c = 0; c < days * per_day; ++c) {
      TimePoint at = first + std::chrono::seconds(static_cast<std::int64_t>(c) * 86400 / per_day);
      bool ok = (rng() % 1000) != 0;
      batch.push_back({"health", subject, at, ok, 20.0 + static_cast<double>(rng() % 200), "{}"});
    }
    if (batch.size() > 200000 || p + 1 == probes) {
      rows += static_cast<std::int64_t>(batch.size());
      if (!(*store)->AppendChecks(batch)) return 1;
      batch.clear();
    }
  }
  std::printf("store: %d open findings, %d probes x %d days x %d checks/day = %lld check rows, built in %.1f s\n",
              findings, probes, days, per_day, static_cast<long long>(rows), Ms(Wall::now() - t0) / 1000);
  std::printf("store file: %.1f MB\n",
              static_cast<double>(std::filesystem::file_size(dir / ".ctodesk" / "desk.db")) / 1e6);

  std::vector<std::string> desks(std::begin(kDesks), std::end(kDesks));
  dashboard::PageContext ctx;
  ctx.desks = desks;
  std::vector<double> load, render, gzip, api, health;
  size_t html_bytes = 0, gz_bytes = 0, api_bytes = 0, health_bytes = 0, health_gz = 0;
  for (int r = 0; r < rounds; ++r) {
    auto a = Wall::now();
    auto view = dashboard::LoadBriefView(**store, desks, "Bench Corp", now, {});
    auto b = Wall::now();
    std::string html = dashboard::RenderBriefPage(*view, {}, {0, 100}, ctx);
    auto c = Wall::now();
    std::string gz = Gzip(html);
    auto d = Wall::now();
    load.push_back(Ms(b - a));
    render.push_back(Ms(c - b));
    gzip.push_back(Ms(d - c));
    html_bytes = html.size();
    gz_bytes = gz.size();

    a = Wall::now();
    auto v2 = dashboard::LoadBriefView(**store, desks, "Bench Corp", now, {});
    std::string json = dashboard::BriefJson(*v2, {}, 0, 100);
    api.push_back(Ms(Wall::now() - a));
    api_bytes = json.size();

    a = Wall::now();
    dashboard::DeskViewOptions o;
    auto dv = dashboard::LoadDeskView(**store, desks, "health", now, o);
    std::string page = dashboard::RenderDeskPage(*dv, ctx);
    health.push_back(Ms(Wall::now() - a));
    health_bytes = page.size();
    health_gz = Gzip(page).size();
  }
  auto s_load = Summarize(load), s_render = Summarize(render), s_gzip = Summarize(gzip);
  std::vector<double> total;
  for (size_t i = 0; i < load.size(); ++i) total.push_back(load[i] + render[i] + gzip[i]);
  auto s_total = Summarize(total), s_api = Summarize(api), s_health = Summarize(health);
  std::printf("briefing page (first 100 of %d findings), median / worst of %d:\n", findings, rounds);
  std::printf("  read + rank + filter %.1f / %.1f ms\n", s_load.median, s_load.worst);
  std::printf("  render HTML          %.1f / %.1f ms\n", s_render.median, s_render.worst);
  std::printf("  gzip                 %.1f / %.1f ms\n", s_gzip.median, s_gzip.worst);
  std::printf("  total                %.1f / %.1f ms   (%zu bytes, %zu gzipped)\n", s_total.median, s_total.worst,
              html_bytes, gz_bytes);
  std::printf("/api/brief?limit=100   %.1f / %.1f ms   (%zu bytes)\n", s_api.median, s_api.worst, api_bytes);
  std::printf("health desk page (50 of %d probes, %d days): %.1f / %.1f ms   (%zu bytes, %zu gzipped)\n", probes,
              days, s_health.median, s_health.worst, health_bytes, health_gz);
  return 0;
}
