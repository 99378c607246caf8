// The simulation loop is the hot path: 100 commitments at 100,000 trials each
// must take under a second on two cores. Each trial draws one throughput per
// simulated day from the observed array and adds until the target is reached.
// One xoshiro256** output serves two days: each 32-bit half picks an index by
// Lemire's multiply-shift (no division, no rejection; the bias is size/2^32,
// under 1e-7 for a year of working days). Work is
// cut into blocks of kBlock trials; threads take blocks from a shared counter
// and each block writes its own histogram, so the result does not depend on
// how blocks were scheduled.
#include "desks/deadlines/forecast.h"

#include "core/cores.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <numeric>
#include <thread>

#include <fmt/format.h>

namespace ctodesk::deadlines {

namespace {

constexpr std::int64_t kBlock = 8192;

__extension__ typedef unsigned __int128 Uint128;

std::uint64_t SplitMix(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class Xoshiro256 {
 public:
  explicit Xoshiro256(std::uint64_t seed) {
    for (auto& w : s_) w = SplitMix(seed);
  }
  std::uint64_t operator()() {
    const std::uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n).
  std::uint32_t Below(std::uint32_t n) {
    return static_cast<std::uint32_t>((static_cast<Uint128>((*this)()) * n) >> 64);
  }

 private:
  static std::uint64_t Rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

std::uint64_t BlockSeed(std::uint64_t seed, std::uint64_t job, std::uint64_t block) {
  std::uint64_t x = seed;
  std::uint64_t a = SplitMix(x);
  x = a ^ (job * 0xd1b54a32d192ed03ULL);
  std::uint64_t b = SplitMix(x);
  x = b ^ (block * 0x8cb92ba72f3d8dd7ULL);
  return SplitMix(x);
}

Result<void> CheckDaily(std::span<const int> daily) {
  if (daily.empty()) return Fail(Error::Invalid("no working days of throughput history to sample"));
  if (std::all_of(daily.begin(), daily.end(), [](int v) { return v <= 0; })) {
    return Fail(Error::Invalid(fmt::format(
        "no item was finished on any of the {} working days sampled; nothing to forecast from",
        daily.size())));
  }
  if (std::any_of(daily.begin(), daily.end(), [](int v) { return v < 0; })) {
    return Fail(Error::Invalid("negative daily throughput"));
  }
  return {};
}

// Runs fn(job, block, rng) for every block of every job on a pool of threads.
template <typename Fn>
void ForEachBlock(size_t jobs, std::int64_t trials, const SimulationOptions& o, Fn fn) {
  const std::int64_t blocks = (trials + kBlock - 1) / kBlock;
  const std::int64_t total = static_cast<std::int64_t>(jobs) * blocks;
  int threads = o.threads > 0 ? o.threads : static_cast<int>(UsableCores());
  threads = static_cast<int>(std::clamp<std::int64_t>(threads, 1, std::max<std::int64_t>(total, 1)));
  std::atomic<std::int64_t> next{0};
  auto worker = [&] {
    for (std::int64_t t = next++; t < total; t = next++) {
      const size_t job = static_cast<size_t>(t / blocks);
      const std::int64_t block = t % blocks;
      const std::int64_t n = std::min(kBlock, trials - block * kBlock);
      Xoshiro256 rng(BlockSeed(o.seed, job, static_cast<std::uint64_t>(block)));
      fn(job, block, n, rng);
    }
  };
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back(worker);
  worker();
  for (auto& th : pool) th.join();
}

}  // namespace

WorkCalendar::WorkCalendar() {
  off_[0] = true;  // Sunday
  off_[6] = true;  // Saturday
}

WorkCalendar::WorkCalendar(std::vector<std::chrono::weekday> days_off, std::vector<Day> holidays)
    : holidays_(std::move(holidays)) {
  for (auto w : days_off) off_[w.c_encoding()] = true;
  std::sort(holidays_.begin(), holidays_.end());
  holidays_.erase(std::unique(holidays_.begin(), holidays_.end()), holidays_.end());
}

bool WorkCalendar::IsWorking(Day d) const {
  if (off_[std::chrono::weekday(d).c_encoding()]) return false;
  return !std::binary_search(holidays_.begin(), holidays_.end(), d);
}

Day WorkCalendar::NthWorkingDay(Day start, int k) const {
  // A calendar with every weekday off has no working days; callers validate
  // that, but never loop forever.
  if (std::all_of(std::begin(off_), std::end(off_), [](bool b) { return b; })) return start;
  Day d = start;
  int seen = 0;
  for (;; d += std::chrono::days(1)) {
    if (IsWorking(d) && ++seen >= k) return d;
  }
}

int WorkCalendar::WorkingDaysBetween(Day from, Day to) const {
  int n = 0;
  for (Day d = from; d <= to; d += std::chrono::days(1)) n += IsWorking(d) ? 1 : 0;
  return n;
}

std::optional<int> DaysDistribution::Quantile(double p) const {
  if (trials <= 0) return std::nullopt;
  // Integer arithmetic so that "at least 85% of 100 trials" is exactly 85.
  const auto need = static_cast<std::int64_t>(std::ceil(p * static_cast<double>(trials) - 1e-9));
  std::int64_t acc = 0;
  for (size_t k = 0; k < counts.size(); ++k) {
    acc += counts[k];
    if (acc >= need && acc > 0) return static_cast<int>(k);
  }
  return std::nullopt;
}

double DaysDistribution::ProbabilityWithin(int k) const {
  if (trials <= 0 || k < 0) return 0.0;
  std::int64_t acc = 0;
  for (size_t i = 0; i < counts.size() && static_cast<int>(i) <= k; ++i) acc += counts[i];
  return static_cast<double>(acc) / static_cast<double>(trials);
}

int ItemsDistribution::AtLeast(double p) const {
  if (sorted_totals.empty()) return 0;
  // P(total >= x) >= p  <=>  x <= the value at rank floor((1-p) * n).
  const auto n = static_cast<double>(sorted_totals.size());
  auto idx = static_cast<size_t>(std::floor((1.0 - p) * n + 1e-9));
  idx = std::min(idx, sorted_totals.size() - 1);
  return sorted_totals[idx];
}

Result<std::vector<DaysDistribution>> SimulateDays(std::span<const int> daily,
                                                   std::span<const int> items,
                                                   const SimulationOptions& options) {
  if (auto ok = CheckDaily(daily); !ok) return Fail(ok.error());
  if (options.trials <= 0) return Fail(Error::Invalid("trials must be at least 1"));
  for (int n : items) {
    if (n < 1) return Fail(Error::Invalid(fmt::format("items must be at least 1, got {}", n)));
  }
  const std::int64_t trials = options.trials;
  const std::int64_t blocks = (trials + kBlock - 1) / kBlock;
  const int horizon = options.horizon_days;
  const auto size = static_cast<std::uint32_t>(daily.size());
  const int* sample = daily.data();

  // One histogram per block, merged in block order afterwards.
  std::vector<std::vector<std::int64_t>> block_counts(items.size() * static_cast<size_t>(blocks));
  std::vector<std::int64_t> block_never(block_counts.size(), 0);
  ForEachBlock(items.size(), trials, options,
               [&](size_t job, std::int64_t block, std::int64_t n, Xoshiro256& rng) {
                 const int target = items[job];
                 const size_t slot = job * static_cast<size_t>(blocks) + static_cast<size_t>(block);
                 std::vector<std::int64_t>& counts = block_counts[slot];
                 std::int64_t never = 0;
                 for (std::int64_t t = 0; t < n; ++t) {
                   int done = 0;
                   int day = 0;
                   // Two days per 64-bit draw: each half indexes the array
                   // by multiply-shift (bias under size / 2^32).
                   while (done < target && day < horizon) {
                     const std::uint64_t r = rng();
                     done += sample[((r & 0xffffffffULL) * size) >> 32];
                     ++day;
                     if (done >= target || day >= horizon) break;
                     done += sample[((r >> 32) * size) >> 32];
                     ++day;
                   }
                   if (done < target) {
                     ++never;
                     continue;
                   }
                   if (counts.size() <= static_cast<size_t>(day)) counts.resize(day + 16, 0);
                   ++counts[day];
                 }
                 block_never[slot] = never;
               });

  std::vector<DaysDistribution> out(items.size());
  for (size_t job = 0; job < items.size(); ++job) {
    DaysDistribution& d = out[job];
    d.trials = trials;
    for (std::int64_t b = 0; b < blocks; ++b) {
      const size_t slot = job * static_cast<size_t>(blocks) + static_cast<size_t>(b);
      const auto& c = block_counts[slot];
      if (d.counts.size() < c.size()) d.counts.resize(c.size(), 0);
      for (size_t k = 0; k < c.size(); ++k) d.counts[k] += c[k];
      d.never += block_never[slot];
    }
    while (!d.counts.empty() && d.counts.back() == 0) d.counts.pop_back();
  }
  return out;
}

Result<ItemsDistribution> SimulateItems(std::span<const int> daily, int days,
                                        const SimulationOptions& options) {
  if (auto ok = CheckDaily(daily); !ok) return Fail(ok.error());
  if (options.trials <= 0) return Fail(Error::Invalid("trials must be at least 1"));
  ItemsDistribution out;
  out.sorted_totals.assign(static_cast<size_t>(options.trials), 0);
  const auto size = static_cast<std::uint32_t>(daily.size());
  const int* sample = daily.data();
  ForEachBlock(1, options.trials, options,
               [&](size_t, std::int64_t block, std::int64_t n, Xoshiro256& rng) {
                 int* totals = out.sorted_totals.data() + block * kBlock;
                 for (std::int64_t t = 0; t < n; ++t) {
                   int done = 0;
                   for (int day = 0; day < days; ++day) done += sample[rng.Below(size)];
                   totals[t] = done;
                 }
               });
  std::sort(out.sorted_totals.begin(), out.sorted_totals.end());
  return out;
}

}  // namespace ctodesk::deadlines
