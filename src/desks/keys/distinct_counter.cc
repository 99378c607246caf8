#include "desks/keys/distinct_counter.h"

#include <bit>
#include <cmath>

#include <xxhash.h>

namespace ctodesk::keys {

namespace {

constexpr int kPrecision = 14;
constexpr std::size_t kRegisters = std::size_t{1} << kPrecision;

// Fibonacci hashing spreads the fingerprint's bits over the table index.
std::size_t SlotOf(std::uint64_t fingerprint, std::size_t mask) {
  return static_cast<std::size_t>((fingerprint * 0x9E3779B97F4A7C15ULL) >> 32) & mask;
}

}  // namespace

std::uint64_t DistinctCounter::Fingerprint(std::size_t pattern, std::string_view id) {
  return XXH3_64bits_withSeed(id.data(), id.size(), pattern);
}

void DistinctCounter::Insert(std::uint64_t fingerprint) {
  if (!registers_.empty()) {
    AddToSketch(fingerprint);
    return;
  }
  if (fingerprint == 0) fingerprint = 1;
  if ((size_ + 1) * 2 > slots_.size()) Grow();
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = SlotOf(fingerprint, mask);; i = (i + 1) & mask) {
    if (slots_[i] == fingerprint) return;
    if (slots_[i] == 0) {
      slots_[i] = fingerprint;
      ++size_;
      break;
    }
  }
  if (size_ > kExactCap) ToSketch();
}

void DistinctCounter::Grow() {
  std::vector<std::uint64_t> old = std::move(slots_);
  slots_.assign(old.empty() ? 64 : old.size() * 2, 0);
  const std::size_t mask = slots_.size() - 1;
  for (std::uint64_t f : old) {
    if (f == 0) continue;
    std::size_t i = SlotOf(f, mask);
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = f;
  }
}

void DistinctCounter::ToSketch() {
  registers_.assign(kRegisters, 0);
  inverse_sum_ = static_cast<double>(kRegisters);
  zero_registers_ = kRegisters;
  for (std::uint64_t f : slots_) {
    if (f != 0) AddToSketch(f);
  }
  std::vector<std::uint64_t>().swap(slots_);
  size_ = 0;
}

void DistinctCounter::AddToSketch(std::uint64_t fingerprint) {
  const std::uint64_t h = fingerprint;  // XXH3 output: uniform already
  const std::size_t index = static_cast<std::size_t>(h >> (64 - kPrecision));
  const std::uint64_t rest = (h << kPrecision) | (std::uint64_t{1} << (kPrecision - 1));
  const auto rank = static_cast<std::uint8_t>(std::countl_zero(rest) + 1);
  std::uint8_t& r = registers_[index];
  if (rank <= r) return;
  if (r == 0) --zero_registers_;
  inverse_sum_ += std::ldexp(1.0, -rank) - std::ldexp(1.0, -r);
  r = rank;
}

std::int64_t DistinctCounter::count() const {
  if (registers_.empty()) return static_cast<std::int64_t>(size_);
  const double m = static_cast<double>(kRegisters);
  const double alpha = 0.7213 / (1 + 1.079 / m);
  double estimate = alpha * m * m / inverse_sum_;
  if (estimate <= 2.5 * m && zero_registers_ > 0) {
    estimate = m * std::log(m / static_cast<double>(zero_registers_));  // linear counting
  }
  return std::llround(estimate);
}

void DistinctCounter::Clear() {
  std::vector<std::uint8_t>().swap(registers_);
  inverse_sum_ = 0;
  zero_registers_ = 0;
  if (slots_.size() > 4096) std::vector<std::uint64_t>().swap(slots_);
  else std::fill(slots_.begin(), slots_.end(), 0);
  size_ = 0;
}

}  // namespace ctodesk::keys
