// How many distinct objects a key fetched this hour, counted on the guard's
// hot path without an allocation per request.
//
// Objects are 64-bit fingerprints (XXH3 of the pattern and the id: uniform,
// so the sketch uses their bits directly). Up to
// `kExactCap` of them are kept in an open-addressing table: the count is exact
// (two different objects share a fingerprint with odds of about n²/2⁶⁵, and a
// collision can only undercount). Past that the counter turns into a
// HyperLogLog of 2¹⁴ one-byte registers (16 KiB, standard error 0.8%), so a
// key with a very high limit cannot grow without bound. Callers that only
// need "more than L" stop inserting once the count passes L (the detector
// does), so a limit below kExactCap is always judged exactly.
//
// Not thread-safe.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace ctodesk::keys {

class DistinctCounter {
 public:
  static constexpr std::size_t kExactCap = 1 << 16;

  static std::uint64_t Fingerprint(std::size_t pattern, std::string_view id);

  void Insert(std::uint64_t fingerprint);
  // Exact while exact(); the HyperLogLog estimate after.
  std::int64_t count() const;
  bool exact() const { return registers_.empty(); }
  // Forgets everything; keeps a modest table allocated for the next hour.
  void Clear();

 private:
  void Grow();
  void ToSketch();
  void AddToSketch(std::uint64_t fingerprint);

  std::vector<std::uint64_t> slots_;  // 0 = empty (a fingerprint of 0 is stored as 1)
  std::size_t size_ = 0;
  std::vector<std::uint8_t> registers_;  // the HyperLogLog, once past kExactCap
  double inverse_sum_ = 0;               // Σ 2^-register, kept as registers change
  std::size_t zero_registers_ = 0;
};

}  // namespace ctodesk::keys
