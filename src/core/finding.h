// A finding: one thing a desk wants the CTO to know, and what to do about it.
// Its identity is (desk, subject, kind): the same problem on two mornings is the
// same finding, so the store can keep its first_seen. Plain value type.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"

namespace ctodesk {

// In order of urgency: act-now ranks first.
enum class Severity { kActNow = 0, kToday = 1, kThisWeek = 2, kFyi = 3 };

std::string_view SeverityName(Severity s);  // "act-now", "today", "this-week", "fyi"
std::optional<Severity> ParseSeverity(std::string_view name);

// Ordered key/value pairs shown under a finding: what was measured.
using Evidence = std::vector<std::pair<std::string, std::string>>;

// The business concern a finding belongs to; the CEO's summary groups by it.
enum class Concern { kCustomers, kSecurity, kDelivery, kPeople, kSuppliers, kTechnology };
std::string_view ConcernName(Concern c);  // "customers", "security", ...
std::optional<Concern> ParseConcern(std::string_view name);

// The finding in plain words, for people who are not technologists: no
// commit hashes, HTTP codes, file paths or unexplained acronyms. Written by
// the desk; empty fields fall back to a generic sentence.
struct PlainWords {
  std::string risk;   // what is at risk for the business, and how big
  std::string doing;  // what the team is doing about it
  std::string ask;    // what is needed from the CEO (a decision, a call); empty if nothing
};

struct Finding {
  std::string desk;     // "health"
  std::string subject;  // what it is about: "api.example.com/healthz"
  std::string kind;     // what is wrong with it: "down", "cert-expiring"
  Severity severity = Severity::kFyi;
  std::string title;   // one line: "checkout API is down (HTTP 503)"
  std::string detail;  // a few sentences: since when, how bad
  std::string action;  // what to do: "Page the on-call for checkout"
  Evidence evidence;
  Concern concern = Concern::kTechnology;
  PlainWords plain;
  TimePoint first_seen{};  // set by the briefing from the store
  TimePoint last_seen{};
  std::optional<TimePoint> resolved_at;  // set only on resolved findings

  // Stable id derived from (desk, subject, kind): 12 hex characters.
  std::string Id() const;
};

// Stable identity of a (desk, subject, kind) triple: 12 hex characters of SHA-256.
std::string FindingId(std::string_view desk, std::string_view subject, std::string_view kind);

// How many calendar days the finding has been open as of `now`, counting
// today: 1 on the first morning, 3 on the third.
int DaysRunning(const Finding& f, TimePoint now);

// Sorts most urgent first: severity, then the newest (first_seen), then desk
// and subject so the order is deterministic.
void RankFindings(std::vector<Finding>& findings);

}  // namespace ctodesk
