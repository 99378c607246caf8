// Alerts: webhooks that receive Slack-compatible JSON ({"text": ...}).
//
// Without storms: an alert-worthy finding (act-now by default) is sent once
// when it appears, again only when its severity, title or detail changes, and
// once when it resolves. A daily digest (the briefing's summary) goes out with
// the first notification of each day. What was delivered is remembered in the
// store per target; a delivery that fails is retried with exponential backoff,
// reported to the caller, and tried again on the next run — never fatal.
//
// Not thread-safe (uses the store).
#pragma once

#include <string>
#include <vector>

#include "core/briefing.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/finding.h"
#include "store/store.h"

namespace ctodesk {

struct AlertTarget {
  std::string name;  // shown in reports; the URL is not (it is often a secret)
  std::string url;
  Severity min_severity = Severity::kActNow;
  Duration timeout = std::chrono::seconds(5);
  int attempts = 3;
  Duration backoff = std::chrono::milliseconds(500);  // doubled after each failure
};

// Reads [[alerts]] from the root table; errors are recorded on the table.
std::vector<AlertTarget> ReadAlertTargets(ConfigTable& root);

struct DeliveryReport {
  std::string target;
  bool delivered = false;
  bool skipped = false;  // nothing new to say
  int attempts = 0;
  int findings = 0;      // how many findings the message announced
  std::string error;     // last error when not delivered
};

// Sends what is new since the last delivery to each target.
std::vector<DeliveryReport> Notify(const Briefing& briefing,
                                   const std::vector<AlertTarget>& targets, Store& store);

// Posts one JSON body; retries with backoff. Returns the empty string on
// success, else the last error. Exposed for tests.
std::string PostJson(const AlertTarget& target, const std::string& body, int* attempts_made);

}  // namespace ctodesk
