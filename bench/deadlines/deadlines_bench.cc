// The deadlines desk's hot path: 100 commitments at 100,000 Monte Carlo
// trials each, from a generated 26-week history (Poisson(3) items per working
// day). Prints wall and CPU time for the library call the desk makes
// (AssessCommitments), on all hardware threads and on one, and the cost per
// simulated day, the loop's unit of work. Built by bench/deadlines/run.sh.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "desks/deadlines/deadlines.h"

using namespace ctodesk;
using namespace ctodesk::deadlines;

namespace {

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  const int commitments = argc > 1 ? std::atoi(argv[1]) : 100;
  const std::int64_t trials = argc > 2 ? std::atoll(argv[2]) : 100000;
  const Day today = ToDay(*ParseTime("2026-11-30"));
  History h;
  h.source = "generated";
  std::mt19937_64 rng(1);
  std::poisson_distribution<int> per_day(3.0);
  Settings s;
  int n = 0;
  for (Day d = today - std::chrono::days(26 * 7); d < today; d += std::chrono::days(1)) {
    if (!s.calendar.IsWorking(d)) continue;
    for (int k = per_day(rng); k > 0; --k) {
      WorkItem w;
      w.id = std::to_string(++n);
      w.done = d;
      h.items.push_back(w);
    }
  }
  // Sizes from 10 to 300 items, due dates from 2 to 20 weeks out.
  for (int i = 0; i < commitments; ++i) {
    Commitment c;
    c.name = "commitment " + std::to_string(i);
    c.items = 10 + (i * 37) % 291;
    c.due = today + std::chrono::days(14 + (i * 13) % 126);
    s.commitments.push_back(c);
  }
  std::int64_t item_sum = 0;
  for (const auto& c : s.commitments) item_sum += c.items;
  const double per_day_mean = 3.0;
  const double simulated_days = static_cast<double>(trials) * static_cast<double>(item_sum) / per_day_mean;

  std::printf("commitments=%d trials=%lld items=%lld hardware_threads=%u\n", commitments,
              static_cast<long long>(trials), static_cast<long long>(item_sum),
              std::thread::hardware_concurrency());
  for (int threads : {0, 1}) {
    SimulationOptions o;
    o.trials = trials;
    o.seed = 1;
    o.threads = threads;
    double best_wall = 1e9, best_cpu = 0;
    for (int rep = 0; rep < 3; ++rep) {
      const double cpu0 = CpuSeconds();
      const auto t0 = std::chrono::steady_clock::now();
      auto r = AssessCommitments(h, s, today, o);
      const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const double cpu = CpuSeconds() - cpu0;
      if (!r) {
        std::fprintf(stderr, "%s\n", r.error().message.c_str());
        return 1;
      }
      if (wall < best_wall) {
        best_wall = wall;
        best_cpu = cpu;
      }
    }
    std::printf("threads=%s wall=%.3fs cpu=%.3fs simulated_days=%.3g ns_per_day_cpu=%.2f\n",
                threads == 0 ? "all" : "1", best_wall, best_cpu, simulated_days, best_cpu / simulated_days * 1e9);
  }
  return 0;
}
