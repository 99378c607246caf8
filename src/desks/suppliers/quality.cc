// The checker does the least work per value that each rule needs, and never
// allocates per row: rows come in batches and are checked a column at a time,
// each rule one tight loop over the batch; type tests by hand over the text,
// 8 bytes at a time; allowed values looked up in a small table built once;
// for uniqueness the value itself when it is a plain integer, else a hash;
// and for freshness only a string comparison — ISO dates and times order
// correctly as text, so only the newest value is parsed, once, at the end.
//
// Uniqueness of values that are not plain integers keeps 128-bit XXH3 hashes
// (24 bytes a row with the line, where a set of strings would hold the whole
// column), not the values: two different values with the same hash would
// count as a duplicate. For n distinct values the odds of any such collision
// are about n^2 / 2^129: 1 in 10^24 for 20 million values — far below the
// odds of a disk error. Plain integers are compared exactly (see IntKeys).
#include "desks/suppliers/quality.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <exception>
#include <iterator>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <xxhash.h>

#include "core/cores.h"

namespace ctodesk::suppliers {

namespace {

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Values are tested 8 bytes at a time ("SWAR": a 64-bit word as 8 lanes).
constexpr std::uint64_t kLanes(std::uint8_t b) { return 0x0101010101010101ULL * b; }

// The first min(n, 8) bytes at `p` as a little-endian word, the other bytes
// zero; n > 0. One 8-byte load when those 8 bytes lie on one page, so the
// load cannot fault even where it reads past the value (into the rest of the
// mapped file or of a buffer); else byte by byte. Reading past the value is
// why AddressSanitizer is off here.
#if defined(__SANITIZE_ADDRESS__)
[[gnu::no_sanitize_address]] inline std::uint64_t LoadUpTo8(const char* p, size_t n) {
#else
[[gnu::always_inline]] inline std::uint64_t LoadUpTo8(const char* p, size_t n) {
#endif
  std::uint64_t x = 0;
  if ((reinterpret_cast<std::uintptr_t>(p) & 4095) <= 4096 - 8) {
    __builtin_memcpy(&x, p, 8);
  } else {
    for (size_t i = 0; i < n && i < 8; ++i) x |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  }
  if (n < 8) x &= (std::uint64_t{1} << (8 * n)) - 1;
  return x;
}

// The lanes of `digits` (byte values after subtracting '0') that are not 0-9,
// as their high bits; only the lanes in `lanes` count. A lane >= 0x80 may
// carry into the next, but is itself flagged, so the answer stays right.
inline std::uint64_t NotDigitLanes(std::uint64_t digits, std::uint64_t lanes) {
  return ((digits + kLanes(0x76)) | digits) & kLanes(0x80) & lanes;
}

// Lane mask of the first n (1..8) lanes.
inline std::uint64_t FirstLanes(size_t n) { return n >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * n)) - 1; }

// All of v's bytes are digits (v not empty).
[[gnu::always_inline]] inline bool AllDigits(std::string_view v) {
  while (v.size() > 8) {
    if (NotDigitLanes(LoadUpTo8(v.data(), 8) ^ kLanes('0'), ~std::uint64_t{0})) return false;
    v.remove_prefix(8);
  }
  return NotDigitLanes(LoadUpTo8(v.data(), v.size()) ^ kLanes('0'), FirstLanes(v.size())) == 0;
}

[[gnu::always_inline]] inline bool IsInt(std::string_view v) {
  if (!v.empty() && (v[0] == '-' || v[0] == '+')) v.remove_prefix(1);
  if (v.empty()) return false;
  return AllDigits(v);
}

// Numbers not of the common shape, as std::from_chars reads them.
[[gnu::noinline]] bool IsOtherNumber(std::string_view v) {
  if (IsInt(v)) return true;
  if (!v.empty() && v[0] == '+') v.remove_prefix(1);
  double d = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  return ec == std::errc() && p == v.data() + v.size() && std::isfinite(d);
}

[[gnu::always_inline]] inline bool IsNumber(std::string_view v) {
  // Up to 8 bytes after the sign in one word: digits with at most one '.',
  // neither first nor last.
  {
    std::string_view u = v;
    if (!u.empty() && (u[0] == '-' || u[0] == '+')) u.remove_prefix(1);
    if (!u.empty() && u.size() <= 8) {
      const std::uint64_t lanes = FirstLanes(u.size());
      const std::uint64_t bad = NotDigitLanes(LoadUpTo8(u.data(), u.size()) ^ kLanes('0'), lanes);
      if (bad == 0) return true;
      if ((bad & (bad - 1)) == 0) {  // one byte not a digit
        const size_t at = static_cast<size_t>(__builtin_ctzll(bad)) / 8;
        if (u[at] == '.' && at > 0 && at + 1 < u.size()) return true;
      }
    }
  }
  // The common shapes by hand: [+-]digits[.digits], at most 300 digits
  // before the point (so the value is finite); anything else (exponents,
  // ".5", "5.") as std::from_chars reads it.
  {
    size_t i = !v.empty() && (v[0] == '-' || v[0] == '+') ? 1 : 0;
    size_t int_digits = 0;
    while (i < v.size() && IsDigit(v[i])) ++i, ++int_digits;
    if (int_digits > 0 && int_digits <= 300) {
      if (i == v.size()) return true;
      if (v[i] == '.' && i + 1 < v.size()) {
        size_t j = i + 1;
        while (j < v.size() && IsDigit(v[j])) ++j;
        if (j == v.size()) return true;
      }
    }
  }
  return IsOtherNumber(v);
}

bool IsBool(std::string_view v) {
  std::string lower(v);
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  return lower == "true" || lower == "false" || lower == "0" || lower == "1" || lower == "yes" ||
         lower == "no" || lower == "t" || lower == "f" || lower == "y" || lower == "n";
}

[[gnu::always_inline]] inline bool IsDate(std::string_view v) {
  if (v.size() != 10) return false;
  // "YYYY-MM-" in one word: the dashes must match exactly, the rest be digits.
  const std::uint64_t t = LoadUpTo8(v.data(), 8) ^ 0x2D30302D30303030ULL;  // "0000-00-", little-endian
  constexpr std::uint64_t kDashes = 0xFF0000FF00000000ULL;
  if ((t & kDashes) != 0 || NotDigitLanes(t, ~kDashes) != 0 || !IsDigit(v[8]) || !IsDigit(v[9])) return false;
  int y = (v[0] - '0') * 1000 + (v[1] - '0') * 100 + (v[2] - '0') * 10 + (v[3] - '0');
  int m = (v[5] - '0') * 10 + (v[6] - '0');
  int d = (v[8] - '0') * 10 + (v[9] - '0');
  if (m < 1 || m > 12 || d < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int max = kDays[m - 1];
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) max = 29;
  return d <= max;
}

std::uint64_t Hash(std::string_view s) {
  std::uint64_t h = XXH3_64bits(s.data(), s.size());
  return h == 0 ? 1 : h;  // 0 marks an empty slot
}

struct Hash128 {
  std::uint64_t slot;   // picks the bucket and the slot; never 0
  std::uint64_t check;  // the other half, compared too
};

Hash128 KeyHash(std::string_view s) {
  XXH128_hash_t h = XXH3_128bits(s.data(), s.size());
  return {h.low64 == 0 ? 1 : h.low64, h.high64};
}

// A 128-bit key for an integer: the value itself as the half compared, so
// equal keys mean equal values, and a mixed copy (never 0) to pick the
// bucket and the slot.
Hash128 ExactKey(std::int64_t v) {
  std::uint64_t x = static_cast<std::uint64_t>(v);
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return {x == 0 ? 1 : x, static_cast<std::uint64_t>(v)};
}

// `v` as a number when it is an integer written the plain way: '-' or
// nothing, then "0" or 1 to 18 digits not starting with 0 ("-0" is not).
// Such text and its value are one-to-one.
inline bool PlainInt(std::string_view v, std::int64_t& out) {
  size_t i = 0;
  const bool negative = !v.empty() && v[0] == '-';
  if (negative) i = 1;
  const size_t digits = v.size() - i;
  if (digits == 0 || digits > 18) return false;
  if (v[i] == '0' && (digits > 1 || negative)) return false;
  if (digits <= 8) {
    // Digit values in lanes, shifted so that leading zero lanes pad them to
    // 8 digits, then combined pairwise: 8 digits in three multiplications.
    std::uint64_t d = LoadUpTo8(v.data() + i, digits) ^ kLanes('0');
    const std::uint64_t lanes = FirstLanes(digits);
    if (NotDigitLanes(d, lanes) != 0) return false;
    d = (d & lanes) << (8 * (8 - digits));
    d = (d * 10) + (d >> 8);
    d = (((d & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32))) +
         (((d >> 16) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32)))) >> 32;
    const auto x = static_cast<std::int64_t>(d & 0xFFFFFFFFULL);
    out = negative ? -x : x;
    return true;
  }
  std::int64_t x = 0;
  for (; i < v.size(); ++i) {
    const unsigned d = static_cast<unsigned char>(v[i]) - unsigned{'0'};
    if (d > 9) return false;
    x = x * 10 + static_cast<std::int64_t>(d);
  }
  out = negative ? -x : x;
  return true;
}

inline bool HasType(std::string_view v, ColumnType type) {
  switch (type) {
    case ColumnType::kString: return true;
    case ColumnType::kInt: return IsInt(v);
    case ColumnType::kNumber: return IsNumber(v);
    case ColumnType::kBool: return IsBool(v);
    case ColumnType::kDate: return IsDate(v);
    case ColumnType::kDateTime: return ParseTime(v).has_value();
  }
  return false;
}

// a > b as bytes, without a library call for the short values compared here.
inline bool Greater(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  if (n >= 8) {  // the first 8 bytes as big-endian words
    const std::uint64_t wa = __builtin_bswap64(LoadUpTo8(a.data(), 8));
    const std::uint64_t wb = __builtin_bswap64(LoadUpTo8(b.data(), 8));
    if (wa != wb) return wa > wb;
    if (a.size() == b.size() && n <= 16) {  // then the last 8 (overlapping bytes are equal)
      const std::uint64_t ea = __builtin_bswap64(LoadUpTo8(a.data() + n - 8, 8));
      const std::uint64_t eb = __builtin_bswap64(LoadUpTo8(b.data() + n - 8, 8));
      return ea > eb;
    }
    i = 8;
  }
  for (; i < n; ++i) {
    if (a[i] != b[i]) return static_cast<unsigned char>(a[i]) > static_cast<unsigned char>(b[i]);
  }
  return a.size() > b.size();
}

inline bool SameBytes(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

std::string Percent(double r) {
  if (r == 0) return "0%";
  if (r < 0.001) return fmt::format("{:.3f}%", r * 100);
  return fmt::format("{:.1f}%", r * 100);
}

void Sample(std::vector<std::int64_t>& rows, std::int64_t line) {
  if (rows.size() < QualityChecker::kSampleRows) rows.push_back(line);
}

// The first kSampleRows lines of two sorted samples, in order.
std::vector<std::int64_t> MergeSamples(const std::vector<std::int64_t>& a, const std::vector<std::int64_t>& b) {
  std::vector<std::int64_t> out;
  std::merge(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  if (out.size() > QualityChecker::kSampleRows) out.resize(QualityChecker::kSampleRows);
  return out;
}

// The allowed values of a column. Values of up to 7 bytes (codes, states,
// countries: the usual case) are packed with their length into one 64-bit
// word each and found in a table without collisions (a multiplier picked at
// construction sends every allowed word to a slot of its own, so a lookup is
// one multiplication and one comparison), or by binary search when no such
// multiplier turns up; longer ones by a list searched by length and bytes
// when short, or an open-addressing table when long.
class AllowedSet {
 public:
  explicit AllowedSet(const std::vector<std::string>& values) {
    for (const std::string& v : values) {
      if (v.size() <= 7) short_.push_back(Pack(v));
      else long_.push_back(v);
    }
    std::sort(short_.begin(), short_.end());
    short_.erase(std::unique(short_.begin(), short_.end()), short_.end());
    std::sort(long_.begin(), long_.end());
    long_.erase(std::unique(long_.begin(), long_.end()), long_.end());
    PlaceShort();
    if (long_.size() > kLinear) {
      size_t n = 16;
      while (n < long_.size() * 2) n *= 2;
      slots_.assign(n, -1);
      for (size_t i = 0; i < long_.size(); ++i) {
        size_t s = Hash(long_[i]) & (n - 1);
        while (slots_[s] >= 0) s = (s + 1) & (n - 1);
        slots_[s] = static_cast<int>(i);
      }
    }
  }
  bool Contains(std::string_view v) const {
    if (v.size() <= 7) {
      const std::uint64_t k = Pack(v);
      if (!table_.empty()) return table_[(k * multiplier_) >> shift_] == k;
      return std::binary_search(short_.begin(), short_.end(), k);
    }
    if (slots_.empty()) {
      for (const std::string& a : long_) {
        if (SameBytes(a, v)) return true;
      }
      return false;
    }
    size_t mask = slots_.size() - 1;
    for (size_t s = Hash(v) & mask; slots_[s] >= 0; s = (s + 1) & mask) {
      if (long_[static_cast<size_t>(slots_[s])] == v) return true;
    }
    return false;
  }

 private:
  static std::uint64_t Pack(std::string_view v) {
    if (v.empty()) return 0;
    return LoadUpTo8(v.data(), v.size()) | static_cast<std::uint64_t>(v.size()) << 56;
  }
  // Looks for a multiplier that gives every short value a slot of its own,
  // in tables of 4 to 32 times as many slots as values.
  void PlaceShort() {
    std::uint64_t multiplier = 0x9E3779B97F4A7C15ULL;
    for (int bits = 3; bits <= 20; ++bits) {
      const size_t size = size_t{1} << bits;
      if (size < short_.size() * 4) continue;
      if (size > short_.size() * 32 + 8) break;
      for (int attempt = 0; attempt < 64; ++attempt) {
        multiplier = multiplier * 6364136223846793005ULL + 1442695040888963407ULL;
        const std::uint64_t m = multiplier | 1;
        const int shift = 64 - bits;
        std::vector<std::uint64_t> table(size, kEmpty);
        bool clash = false;
        for (std::uint64_t k : short_) {
          std::uint64_t& slot = table[(k * m) >> shift];
          if (slot != kEmpty) {
            clash = true;
            break;
          }
          slot = k;
        }
        if (!clash) {
          table_ = std::move(table);
          multiplier_ = m;
          shift_ = shift;
          return;
        }
      }
    }
  }
  static constexpr size_t kLinear = 12;
  // No packed value has all bits set: its top byte is its length, at most 7.
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
  std::vector<std::uint64_t> short_;
  std::vector<std::uint64_t> table_;  // short_ placed by multiplier_, or empty
  std::uint64_t multiplier_ = 0;
  int shift_ = 64;
  std::vector<std::string> long_;
  std::vector<int> slots_;
};

}  // namespace

// Uniqueness over 64-bit hashes without a big hash table: one table of
// tens of millions of slots touched at random costs a cache and a TLB miss
// per row. Instead each (hash, line) is appended to one of 256 buckets by the
// hash's top byte: sequential writes. Count() then takes the buckets one at a
// time, each small enough that its own table stays in cache, and finds the
// repeats: the entries whose hash came earlier in the bucket. Buckets keep
// file order (a later part's entries are appended after the earlier part's),
// so "earlier" means earlier in the file, as in one pass. 24 bytes a row.
// A later part's lines stay as its fork counted them (from its own start);
// the part's line offset is added only to the few sampled repeats.
struct QualityChecker::KeySet {
  static constexpr int kBucketBits = 8;
  static constexpr size_t kBuckets = size_t{1} << kBucketBits;
  struct Entry {
    std::uint64_t hash;
    std::uint64_t check;
    std::int64_t line;
  };
  using Buckets = std::vector<std::vector<Entry>>;
  struct Joined {
    Buckets buckets;
    std::int64_t line_offset;  // added to the entries' lines
  };
  Buckets buckets = Buckets(kBuckets);
  // Later parts' buckets, in file order, appended by Join() without copying.
  std::vector<Joined> joined;
  std::int64_t repeats = 0;
  std::vector<std::int64_t> repeat_rows;  // the first kSampleRows
  bool counted = false;
  std::uint64_t expect = 0;  // rows to reserve for at the first Add

  void Reserve(std::uint64_t n) {
    size_t per = static_cast<size_t>(n / kBuckets + n / kBuckets / 8 + 16);
    for (auto& b : buckets) b.reserve(per);
  }
  void Add(Hash128 h, std::int64_t line) {
    if (expect != 0) [[unlikely]] {
      Reserve(expect);
      expect = 0;
    }
    buckets[h.slot >> (64 - kBucketBits)].push_back({h.slot, h.check, line});
  }
  // Takes a later part's entries (neither counted yet), whose lines are
  // `line_offset` short.
  void Join(KeySet& later, std::int64_t line_offset) {
    joined.push_back({std::move(later.buckets), line_offset});
    for (auto& more : later.joined) joined.push_back({std::move(more.buckets), more.line_offset + line_offset});
    later.buckets.assign(kBuckets, {});
    later.joined.clear();
  }
  // Counts the repeats, on two threads when there are many entries.
  void Count() {
    if (counted) return;
    counted = true;
    size_t total = 0;
    for (const auto& b : buckets) total += b.size();
    for (const auto& part : joined) {
      for (const auto& b : part.buckets) total += b.size();
    }
    std::int64_t reps[2] = {0, 0};
    std::vector<std::int64_t> rows[2];
    if (total > (1u << 20) && UsableCores() > 1) {
      std::exception_ptr failed[2];
      std::thread other([&] {
        try {
          CountBuckets(kBuckets / 2, kBuckets, reps[1], rows[1]);
        } catch (...) {
          failed[1] = std::current_exception();
        }
      });
      try {
        CountBuckets(0, kBuckets / 2, reps[0], rows[0]);
      } catch (...) {
        failed[0] = std::current_exception();
      }
      other.join();
      for (auto& f : failed) {
        if (f) std::rethrow_exception(f);
      }
    } else {
      CountBuckets(0, kBuckets, reps[0], rows[0]);
    }
    repeats = reps[0] + reps[1];
    rows[0].insert(rows[0].end(), rows[1].begin(), rows[1].end());
    std::sort(rows[0].begin(), rows[0].end());
    if (rows[0].size() > QualityChecker::kSampleRows) rows[0].resize(QualityChecker::kSampleRows);
    repeat_rows = std::move(rows[0]);
    buckets.assign(kBuckets, {});
    joined.clear();
  }

 private:
  void CountBuckets(size_t from, size_t to, std::int64_t& reps, std::vector<std::int64_t>& rows) const {
    struct Slot {
      std::uint64_t hash = 0;  // 0: empty; cleared after each bucket
      std::uint64_t check = 0;
    };
    std::vector<Slot> table;
    for (size_t b = from; b < to; ++b) {
      size_t size = buckets[b].size();
      for (const auto& part : joined) size += part.buckets[b].size();
      if (size == 0) continue;
      size_t n = 16;
      while (n < size * 2) n *= 2;
      if (table.size() < n) table.assign(n, Slot{});
      const size_t mask = n - 1;
      size_t sampled = 0;
      auto count = [&](const std::vector<Entry>& v, std::int64_t line_offset) {
        for (const Entry& e : v) {
          size_t i = e.hash & mask;
          while (table[i].hash != 0 && (table[i].hash != e.hash || table[i].check != e.check)) i = (i + 1) & mask;
          if (table[i].hash != 0) {
            ++reps;
            // A bucket's first repeats are in file order; the overall first
            // ones are among the buckets' first ones.
            if (sampled++ < QualityChecker::kSampleRows) rows.push_back(e.line + line_offset);
          } else {
            table[i] = {e.hash, e.check};
          }
        }
      };
      auto clear = [&](const std::vector<Entry>& v) {
        for (const Entry& e : v) {
          for (size_t i = e.hash & mask; table[i].hash != 0; i = (i + 1) & mask) table[i] = Slot{};
        }
      };
      count(buckets[b], 0);
      for (const auto& part : joined) count(part.buckets[b], part.line_offset);
      // Every occupied slot lies in a run that starts at some entry's home.
      clear(buckets[b]);
      for (const auto& part : joined) clear(part.buckets[b]);
    }
  }
};

// Uniqueness of the values that are integers written the plain way ("0",
// "42", "-7": no sign but '-', no leading zero, at most 18 digits): such
// text and its value are one-to-one, so these values are compared exactly,
// as numbers, without hashing. Every other value of the column goes to the
// hashed KeySet; the two kinds can never be equal to each other.
//
// Keys often come in runs — 1, 2, 3, ... on consecutive lines (ids counted
// up by the exporting database) — so they are kept as runs (first value,
// first line, length), file order: a whole run costs 24 bytes. When the runs,
// taken in file order or sorted by value, never overlap, no value repeats
// and nothing more is done; otherwise (shuffled or repeated keys) the runs
// are spelled out value by value into a KeySet keyed by the exact value and
// counted like hashes. A part whose keys prove to come in no order goes
// straight to such a KeySet after its first runs.
struct QualityChecker::IntKeys {
  struct Run {
    std::int64_t first;  // values first, first + 1, ...
    std::int64_t line;   // on lines line, line + 1, ...
    std::int64_t count;
  };
  // One part of the file (a fork's share): its runs, then, once its first
  // kProbe runs turned out to hold fewer than 4 values each on average (keys
  // in no order), its further values one by one in a KeySet keyed by the
  // exact value, without building runs of one to spell out later.
  struct Part {
    std::vector<Run> runs;
    std::unique_ptr<KeySet> direct;
    std::int64_t line_offset = 0;  // added to the lines of both (see Join())
  };
  static constexpr size_t kProbe = 1024;
  Part own;
  std::vector<Part> joined;  // later parts, file order
  std::uint64_t expect = 0;  // rows to reserve for once runs get many
  std::int64_t repeats = 0;
  std::vector<std::int64_t> repeat_rows;
  bool counted = false;

  void Add(std::int64_t v, std::int64_t line) {
    if (own.direct) {
      own.direct->Add(ExactKey(v), line);
      return;
    }
    std::vector<Run>& runs = own.runs;
    if (!runs.empty()) {
      Run& r = runs.back();
      if (v == r.first + r.count && line == r.line + r.count) {
        ++r.count;
        return;
      }
      if (runs.size() == kProbe) {
        std::uint64_t values = 0;
        for (const Run& run : runs) values += static_cast<std::uint64_t>(run.count);
        if (values < 4 * kProbe) {
          own.direct = std::make_unique<KeySet>();
          own.direct->Reserve(expect > values ? expect - values : kProbe);
          own.direct->Add(ExactKey(v), line);
          return;
        }
        if (expect > runs.size()) runs.reserve(expect);
      }
    }
    runs.push_back({v, line, 1});
  }
  // Takes a later part's values, whose lines are `line_offset` short.
  void Join(IntKeys& later, std::int64_t line_offset) {
    later.own.line_offset += line_offset;
    joined.push_back(std::move(later.own));
    for (auto& more : later.joined) {
      more.line_offset += line_offset;
      joined.push_back(std::move(more));
    }
    later.own = Part{};
    later.joined.clear();
  }
  template <class F>
  void ForEachRuns(F&& f) const {
    f(own.runs);
    for (const auto& part : joined) f(part.runs);
  }
  void Count() {
    if (counted) return;
    counted = true;
    bool direct = own.direct != nullptr;
    for (const auto& part : joined) direct = direct || part.direct != nullptr;
    if (!direct) {
      size_t total = 0;
      bool increasing = true;
      bool any = false;
      std::int64_t last = 0;
      ForEachRuns([&](const std::vector<Run>& part) {
        total += part.size();
        for (const Run& r : part) {
          if (any && r.first <= last) increasing = false;
          last = r.first + r.count - 1;
          any = true;
        }
      });
      if (increasing) return;
      if (total <= (size_t{1} << 20)) {
        std::vector<Run> sorted;
        sorted.reserve(total);
        ForEachRuns([&](const std::vector<Run>& part) { sorted.insert(sorted.end(), part.begin(), part.end()); });
        std::sort(sorted.begin(), sorted.end(), [](const Run& a, const Run& b) { return a.first < b.first; });
        bool overlap = false;
        for (size_t i = 1; i < sorted.size() && !overlap; ++i) {
          overlap = sorted[i].first <= sorted[i - 1].first + sorted[i - 1].count - 1;
        }
        if (!overlap) return;
      }
    }
    // Values may repeat: value by value, in file order — each part's runs
    // spelled out, then its direct values. Only the first part's runs are
    // added to `exact`; everything after is joined behind them in order.
    auto spell = [](std::vector<Run>& runs, KeySet& into) {
      std::uint64_t values = 0;
      for (const Run& r : runs) values += static_cast<std::uint64_t>(r.count);
      into.Reserve(values);
      for (const Run& r : runs) {
        for (std::int64_t k = 0; k < r.count; ++k) into.Add(ExactKey(r.first + k), r.line + k);
      }
      std::vector<Run>().swap(runs);  // free as we go
    };
    KeySet exact;
    spell(own.runs, exact);
    if (own.direct) exact.Join(*own.direct, own.line_offset);
    for (auto& part : joined) {
      if (!part.runs.empty()) {
        KeySet spelled;
        spell(part.runs, spelled);
        exact.Join(spelled, part.line_offset);
      }
      if (part.direct) exact.Join(*part.direct, part.line_offset);
    }
    exact.Count();
    repeats = exact.repeats;
    repeat_rows = std::move(exact.repeat_rows);
  }
};

struct QualityChecker::ColumnState {
  int index = -1;          // in columns_, -1 while absent
  ColumnType type = ColumnType::kString;  // the rule's type, kString: untested
  std::int64_t rows_before = 0;  // rows seen before the column appeared (JSON)
  std::int64_t nulls = 0;
  std::int64_t bad_type = 0;
  std::vector<std::int64_t> bad_type_rows;
  std::int64_t not_allowed = 0;
  std::vector<std::int64_t> not_allowed_rows;
  std::vector<std::int64_t> null_rows;
  std::string newest;  // greatest value as text (freshness)
  std::int64_t newest_line = 0;
  std::unique_ptr<AllowedSet> allowed;  // null: anything goes
  std::unique_ptr<KeySet> seen;   // unique: values other than plain integers, hashed
  std::unique_ptr<IntKeys> ints;  // unique: plain integers, exactly
};

std::string_view ColumnTypeName(ColumnType t) {
  switch (t) {
    case ColumnType::kString: return "string";
    case ColumnType::kInt: return "int";
    case ColumnType::kNumber: return "number";
    case ColumnType::kBool: return "bool";
    case ColumnType::kDate: return "date";
    case ColumnType::kDateTime: return "datetime";
  }
  return "string";
}

std::optional<ColumnType> ParseColumnType(std::string_view name) {
  for (ColumnType t : {ColumnType::kString, ColumnType::kInt, ColumnType::kNumber, ColumnType::kBool,
                       ColumnType::kDate, ColumnType::kDateTime}) {
    if (ColumnTypeName(t) == name) return t;
  }
  return std::nullopt;
}

bool ValueHasType(std::string_view v, ColumnType type) { return HasType(v, type); }

std::string SampleRows(const std::vector<std::int64_t>& rows, std::int64_t total) {
  std::string out;
  for (std::int64_t r : rows) {
    if (!out.empty()) out += ", ";
    out += std::to_string(r);
  }
  if (total > static_cast<std::int64_t>(rows.size())) out += ", ...";
  return out;
}

QualityChecker::QualityChecker(const Rules& rules, TimePoint arrival,
                               std::optional<PreviousDelivery> previous)
    : rules_(rules), arrival_(arrival), previous_(std::move(previous)) {
  states_.resize(rules_.columns.size());
  for (size_t i = 0; i < rules_.columns.size(); ++i) {
    const ColumnRule& r = rules_.columns[i];
    if (r.type) states_[i].type = *r.type;
    if (!r.allowed.empty()) states_[i].allowed = std::make_unique<AllowedSet>(r.allowed);
    if (r.unique) {
      states_[i].seen = std::make_unique<KeySet>();
      states_[i].ints = std::make_unique<IntKeys>();
    }
  }
  key_index_.assign(rules_.unique_key.size(), -1);
  if (!rules_.unique_key.empty()) key_seen_ = std::make_unique<KeySet>();
}

void QualityChecker::ExpectRows(std::int64_t rows) {
  if (rows <= 0) return;
  // Not past a billion rows on a guess: the table grows when it has to.
  auto n = static_cast<std::uint64_t>(std::min<std::int64_t>(rows, 1'000'000'000));
  for (ColumnState& s : states_) {
    // Reserved at the first value: a column of plain integers never uses its hashed set.
    if (s.seen) s.seen->expect = n;
    if (s.ints) s.ints->expect = n;
  }
  if (key_seen_) key_seen_->Reserve(n);
}

std::unique_ptr<RecordSink> QualityChecker::Fork() const {
  auto fork = std::make_unique<QualityChecker>(rules_, arrival_, previous_);
  fork->ordered_ = ordered_;
  return fork;
}

void QualityChecker::Join(RecordSink& later_sink, std::int64_t line_offset) {
  auto& later = dynamic_cast<QualityChecker&>(later_sink);
  auto shifted = [line_offset](std::vector<std::int64_t> lines) {
    for (std::int64_t& l : lines) l += line_offset;
    return lines;
  };
  if (columns_.empty()) Columns(later.columns_);
  for (size_t i = 0; i < states_.size(); ++i) {
    ColumnState& s = states_[i];
    ColumnState& t = later.states_[i];
    if (s.index < 0 && t.index >= 0) {
      s.index = t.index;
      s.rows_before = rows_seen_ + t.rows_before;
    }
    s.nulls += t.nulls;
    s.null_rows = MergeSamples(s.null_rows, shifted(t.null_rows));
    s.bad_type += t.bad_type;
    s.bad_type_rows = MergeSamples(s.bad_type_rows, shifted(t.bad_type_rows));
    s.not_allowed += t.not_allowed;
    s.not_allowed_rows = MergeSamples(s.not_allowed_rows, shifted(t.not_allowed_rows));
    if (s.seen && t.seen) s.seen->Join(*t.seen, line_offset);
    if (s.ints && t.ints) s.ints->Join(*t.ints, line_offset);
    if (t.newest_line != 0 && (s.newest_line == 0 || t.newest > s.newest)) {
      s.newest = t.newest;
      s.newest_line = t.newest_line + line_offset;
    }
  }
  if (key_seen_ && later.key_seen_) key_seen_->Join(*later.key_seen_, line_offset);
  rows_seen_ += later.rows_seen_;
  if (malformed_ == 0 && later.malformed_ > 0) {
    first_malformed_file_ = later.first_malformed_file_;
    first_malformed_what_ = later.first_malformed_what_;
    first_malformed_line_ = later.first_malformed_line_ + line_offset;
  }
  malformed_ += later.malformed_;
  malformed_rows_ = MergeSamples(malformed_rows_, shifted(later.malformed_rows_));
}

QualityChecker::~QualityChecker() = default;

void QualityChecker::Columns(const std::vector<std::string>& columns) {
  columns_ = columns;
  auto find = [&](const std::string& name) {
    auto it = std::find(columns_.begin(), columns_.end(), name);
    return it == columns_.end() ? -1 : static_cast<int>(it - columns_.begin());
  };
  for (size_t i = 0; i < rules_.columns.size(); ++i) {
    ColumnState& s = states_[i];
    if (s.index >= 0) continue;
    s.index = find(rules_.columns[i].name);
    if (s.index >= 0) {
      // Rows before the column appeared had no value for it.
      s.rows_before = rows_seen_;
      s.nulls += rows_seen_;
    }
  }
  for (size_t k = 0; k < rules_.unique_key.size(); ++k) {
    if (key_index_[k] < 0) key_index_[k] = find(rules_.unique_key[k]);
  }
}

void QualityChecker::Row(std::int64_t line, const std::vector<std::string_view>& values) {
  Rows(&line, values.data(), 1, values.size());
}

namespace {

// Counts the non-empty values of one column of a batch that fail `ok`,
// sampling the first lines; returns the number of empty values. `col`
// points at row 0's value, rows are `width` values apart.
template <class Ok>
inline size_t CountFailing(const std::int64_t* lines, const std::string_view* col, size_t rows, size_t width,
                           Ok&& ok, std::int64_t& count, std::vector<std::int64_t>& sample) {
  size_t empty = 0;
  for (size_t r = 0; r < rows; ++r) {
    const std::string_view v = col[r * width];
    empty += v.empty();
    if (!v.empty() && !ok(v)) [[unlikely]] {
      ++count;
      Sample(sample, lines[r]);
    }
  }
  return empty;
}

}  // namespace

// Column at a time: each rule of a column is one tight loop over the batch,
// its test chosen once per batch rather than once per value.
void QualityChecker::Rows(const std::int64_t* lines, const std::string_view* values, size_t rows,
                          size_t width) {
  rows_seen_ += static_cast<std::int64_t>(rows);
  for (size_t i = 0; i < states_.size(); ++i) {
    ColumnState& s = states_[i];
    if (s.index < 0) continue;
    const std::string_view* col = values + s.index;
    // Empty values are counted by the first test that passes over the column.
    size_t empty = 0;
    bool counted = true;
    switch (s.type) {
      case ColumnType::kString: counted = false; break;
      // Lambdas rather than function pointers, so each test is inlined into its loop.
      case ColumnType::kInt:
        empty = CountFailing(
            lines, col, rows, width, [](std::string_view v) { return IsInt(v); }, s.bad_type, s.bad_type_rows);
        break;
      case ColumnType::kNumber:
        empty = CountFailing(
            lines, col, rows, width, [](std::string_view v) { return IsNumber(v); }, s.bad_type, s.bad_type_rows);
        break;
      case ColumnType::kBool:
        empty = CountFailing(
            lines, col, rows, width, [](std::string_view v) { return IsBool(v); }, s.bad_type, s.bad_type_rows);
        break;
      case ColumnType::kDate:
        empty = CountFailing(
            lines, col, rows, width, [](std::string_view v) { return IsDate(v); }, s.bad_type, s.bad_type_rows);
        break;
      case ColumnType::kDateTime:
        empty = CountFailing(
            lines, col, rows, width, [](std::string_view v) { return ParseTime(v).has_value(); }, s.bad_type,
            s.bad_type_rows);
        break;
    }
    if (s.allowed) {
      const AllowedSet& allowed = *s.allowed;
      const size_t e = CountFailing(
          lines, col, rows, width, [&](std::string_view v) { return allowed.Contains(v); }, s.not_allowed,
          s.not_allowed_rows);
      if (!counted) empty = e, counted = true;
    }
    if (!counted) {
      for (size_t r = 0; r < rows; ++r) empty += col[r * width].empty();
    }
    if (empty > 0) {
      s.nulls += static_cast<std::int64_t>(empty);
      for (size_t r = 0; r < rows && s.null_rows.size() < kSampleRows; ++r) {
        if (col[r * width].empty()) s.null_rows.push_back(lines[r]);
      }
    }
    if (s.seen) {
      for (size_t r = 0; r < rows; ++r) {
        const std::string_view v = col[r * width];
        if (v.empty()) continue;
        std::int64_t number;
        if (PlainInt(v, number)) s.ints->Add(number, lines[r]);
        else s.seen->Add(KeyHash(v), lines[r]);
      }
    }
    if (rules_.columns[i].max_age) {
      // The batch's greatest value (the first of equal ones), then against the newest so far.
      size_t best = rows;
      for (size_t r = 0; r < rows; ++r) {
        const std::string_view v = col[r * width];
        if (!v.empty() && (best == rows || Greater(v, col[best * width]))) best = r;
      }
      if (best < rows && Greater(col[best * width], s.newest)) {
        s.newest = col[best * width];
        s.newest_line = lines[best];
      }
    }
  }
  if (key_seen_) {
    for (size_t r = 0; r < rows; ++r) {
      key_buffer_.clear();
      for (int k : key_index_) {
        if (k >= 0) key_buffer_ += values[r * width + static_cast<size_t>(k)];
        key_buffer_.push_back('\x1f');
      }
      key_seen_->Add(KeyHash(key_buffer_), lines[r]);
    }
  }
}

void QualityChecker::Malformed(std::int64_t line, std::string_view file, std::string what) {
  if (malformed_++ == 0) {
    first_malformed_file_ = file;
    first_malformed_what_ = std::move(what);
    first_malformed_line_ = line;
  }
  Sample(malformed_rows_, line);
}

std::vector<RuleResult> QualityChecker::Finish(std::int64_t rows, const std::optional<Error>& fatal) {
  std::vector<RuleResult> out;
  // Format first: everything after it is measured on what could be read.
  {
    RuleResult r{"format", "", true, "", {}};
    if (fatal) {
      r.ok = false;
      r.message = fatal->message;
    } else if (malformed_ > 0) {
      r.ok = false;
      r.message = fmt::format("{} malformed record{}; first: {}", malformed_, malformed_ == 1 ? "" : "s",
                              MalformedMessage(first_malformed_file_, first_malformed_line_, first_malformed_what_));
      r.rows = malformed_rows_;
    } else {
      r.message = "all records well-formed";
    }
    out.push_back(std::move(r));
  }
  const std::int64_t checked = rows_seen_;
  for (size_t i = 0; i < rules_.columns.size(); ++i) {
    const ColumnRule& rule = rules_.columns[i];
    const ColumnState& s = states_[i];
    if (s.index < 0) {
      if (rule.required) {
        out.push_back({"required-column", rule.name, false,
                       fmt::format("column \"{}\" is missing", rule.name), {}});
      }
      continue;
    }
    if (rule.required) {
      out.push_back({"required-column", rule.name, true, "present", {}});
    }
    if (rule.type && *rule.type != ColumnType::kString) {
      RuleResult r{"type", rule.name, s.bad_type == 0, "", s.bad_type_rows};
      r.message = s.bad_type == 0
                      ? fmt::format("all values are {}", ColumnTypeName(*rule.type))
                      : fmt::format("{} value{} in \"{}\" {} not {} (rows {})", s.bad_type,
                                    s.bad_type == 1 ? "" : "s", rule.name,
                                    s.bad_type == 1 ? "is" : "are", ColumnTypeName(*rule.type),
                                    SampleRows(s.bad_type_rows, s.bad_type));
      out.push_back(std::move(r));
    }
    if (rule.max_null_rate) {
      double rate = checked == 0 ? 0.0 : static_cast<double>(s.nulls) / static_cast<double>(checked);
      bool ok = rate <= *rule.max_null_rate + 1e-12;
      RuleResult r{"null-rate", rule.name, ok, "", ok ? std::vector<std::int64_t>{} : s.null_rows};
      r.message = fmt::format("{} of \"{}\" empty ({} of {} rows), limit {}{}", Percent(rate),
                              rule.name, s.nulls, checked, Percent(*rule.max_null_rate),
                              ok || s.null_rows.empty()
                                  ? ""
                                  : fmt::format(" (rows {})", SampleRows(s.null_rows, s.nulls)));
      out.push_back(std::move(r));
    }
    if (rule.unique) {
      s.seen->Count();
      s.ints->Count();
      const std::int64_t duplicates = s.seen->repeats + s.ints->repeats;
      const std::vector<std::int64_t> samples = MergeSamples(s.seen->repeat_rows, s.ints->repeat_rows);
      RuleResult r{"unique", rule.name, duplicates == 0, "", samples};
      r.message = duplicates == 0
                      ? fmt::format("all values of \"{}\" unique", rule.name)
                      : fmt::format("{} duplicate value{} in \"{}\" (rows {})", duplicates,
                                    duplicates == 1 ? "" : "s", rule.name,
                                    SampleRows(samples, duplicates));
      out.push_back(std::move(r));
    }
    if (!rule.allowed.empty()) {
      RuleResult r{"allowed-values", rule.name, s.not_allowed == 0, "", s.not_allowed_rows};
      r.message = s.not_allowed == 0
                      ? fmt::format("all values of \"{}\" allowed", rule.name)
                      : fmt::format("{} value{} in \"{}\" outside the allowed list (rows {})",
                                    s.not_allowed, s.not_allowed == 1 ? "" : "s", rule.name,
                                    SampleRows(s.not_allowed_rows, s.not_allowed));
      out.push_back(std::move(r));
    }
    if (rule.max_age) {
      RuleResult r{"freshness", rule.name, true, "", {}};
      auto newest = s.newest.empty() ? std::nullopt : ParseTime(s.newest);
      if (!newest) {
        r.ok = false;
        r.message = s.newest.empty() ? fmt::format("no dates in \"{}\"", rule.name)
                                     : fmt::format("newest value of \"{}\" is not a date", rule.name);
        if (s.newest_line) r.rows = {s.newest_line};
      } else {
        auto age = std::chrono::duration_cast<Duration>(arrival_ - *newest);
        r.ok = age <= *rule.max_age;
        r.message = fmt::format("newest \"{}\" is {} ({} before arrival), limit {}", rule.name,
                                s.newest, age.count() < 0 ? "0s" : HumanDuration(age),
                                FormatDuration(*rule.max_age));
        if (!r.ok) r.rows = {s.newest_line};
      }
      out.push_back(std::move(r));
    }
  }
  if (!rules_.unique_key.empty()) {
    std::string key;
    for (const auto& k : rules_.unique_key) key += (key.empty() ? "" : "+") + k;
    key_seen_->Count();
    const std::int64_t duplicates = key_seen_->repeats;
    const std::vector<std::int64_t>& samples = key_seen_->repeat_rows;
    RuleResult r{"unique", key, duplicates == 0, "", samples};
    r.message = duplicates == 0
                    ? fmt::format("key ({}) unique", key)
                    : fmt::format("{} duplicate key{} ({}) (rows {})", duplicates, duplicates == 1 ? "" : "s",
                                  key, SampleRows(samples, duplicates));
    out.push_back(std::move(r));
  }
  if (rules_.min_rows || rules_.max_rows) {
    bool ok = (!rules_.min_rows || rows >= *rules_.min_rows) &&
              (!rules_.max_rows || rows <= *rules_.max_rows);
    std::string range = rules_.min_rows && rules_.max_rows
                            ? fmt::format("{} to {}", *rules_.min_rows, *rules_.max_rows)
                        : rules_.min_rows ? fmt::format("at least {}", *rules_.min_rows)
                                          : fmt::format("at most {}", *rules_.max_rows);
    out.push_back({"row-count", "", ok, fmt::format("{} rows, expected {}", rows, range), {}});
  }
  if (rules_.max_row_change && previous_) {
    RuleResult r{"row-change", "", true, "", {}};
    if (previous_->rows == 0) {
      r.message = fmt::format("{} rows; the previous delivery had none", rows);
    } else {
      double change = static_cast<double>(rows - previous_->rows) / static_cast<double>(previous_->rows);
      r.ok = std::abs(change) <= *rules_.max_row_change + 1e-12;
      r.message = fmt::format("rows moved from {} to {} ({}{}), limit {}", previous_->rows, rows,
                              change >= 0 ? "+" : "-", Percent(std::abs(change)),
                              Percent(*rules_.max_row_change));
    }
    out.push_back(std::move(r));
  }
  if (rules_.schema_drift && previous_ && !previous_->columns.empty() && !fatal) {
    RuleResult r{"schema-drift", "", true, "same columns as the previous delivery", {}};
    std::vector<std::string> added, removed;
    for (const auto& c : columns_) {
      if (std::find(previous_->columns.begin(), previous_->columns.end(), c) == previous_->columns.end()) {
        added.push_back(c);
      }
    }
    for (const auto& c : previous_->columns) {
      if (std::find(columns_.begin(), columns_.end(), c) == columns_.end()) removed.push_back(c);
    }
    auto list = [](const std::vector<std::string>& v) {
      std::string s;
      for (const auto& x : v) s += (s.empty() ? "\"" : ", \"") + x + "\"";
      return s;
    };
    if (!added.empty() || !removed.empty()) {
      r.ok = false;
      std::vector<std::string> parts;
      if (!removed.empty()) parts.push_back("removed " + list(removed));
      if (!added.empty()) parts.push_back("added " + list(added));
      r.message = fmt::format("columns changed since the previous delivery: {}",
                              parts.size() == 2 ? parts[0] + "; " + parts[1] : parts[0]);
    } else if (ordered_ && columns_ != previous_->columns) {
      r.ok = false;
      r.message = "the same columns as the previous delivery, in a different order";
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace ctodesk::suppliers
