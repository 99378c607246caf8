#include "core/finding.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>
#include <openssl/sha.h>

namespace ctodesk {

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::kActNow: return "act-now";
    case Severity::kToday: return "today";
    case Severity::kThisWeek: return "this-week";
    case Severity::kFyi: return "fyi";
  }
  return "fyi";
}

std::optional<Severity> ParseSeverity(std::string_view name) {
  for (Severity s : {Severity::kActNow, Severity::kToday, Severity::kThisWeek, Severity::kFyi}) {
    if (SeverityName(s) == name) return s;
  }
  return std::nullopt;
}

std::string_view ConcernName(Concern c) {
  switch (c) {
    case Concern::kCustomers: return "customers";
    case Concern::kSecurity: return "security";
    case Concern::kDelivery: return "delivery";
    case Concern::kPeople: return "people";
    case Concern::kSuppliers: return "suppliers";
    case Concern::kTechnology: return "technology";
  }
  return "technology";
}

std::optional<Concern> ParseConcern(std::string_view name) {
  for (Concern c : {Concern::kCustomers, Concern::kSecurity, Concern::kDelivery, Concern::kPeople,
                    Concern::kSuppliers, Concern::kTechnology}) {
    if (ConcernName(c) == name) return c;
  }
  return std::nullopt;
}

std::string FindingId(std::string_view desk, std::string_view subject, std::string_view kind) {
  // A unit separator between parts so ("a", "bc") and ("ab", "c") differ.
  std::string key = fmt::format("{}\x1f{}\x1f{}", desk, subject, kind);
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest.data());
  std::string out;
  for (int i = 0; i < 6; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

std::string Finding::Id() const { return FindingId(desk, subject, kind); }

int DaysRunning(const Finding& f, TimePoint now) {
  using std::chrono::days;
  auto first_day = std::chrono::floor<days>(f.first_seen);
  auto today = std::chrono::floor<days>(now);
  return static_cast<int>((today - first_day).count()) + 1;
}

void RankFindings(std::vector<Finding>& findings) {
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    if (a.severity != b.severity) return a.severity < b.severity;
    // Within a severity, what is new comes first: yesterday's problems are
    // already known to someone, today's may not be.
    if (a.first_seen != b.first_seen) return a.first_seen > b.first_seen;
    if (a.desk != b.desk) return a.desk < b.desk;
    if (a.subject != b.subject) return a.subject < b.subject;
    return a.kind < b.kind;
  });
}

}  // namespace ctodesk
