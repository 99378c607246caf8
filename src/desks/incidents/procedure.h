// Incidents: from a leaked key or an automatic stop to a written record, one
// command each (`ctodesk incident ...`).
//
// A procedure is a fixed list of steps; each step, as it completes (or
// fails), is stored with its time and actor AND appended to the keys desk's
// hash-chained audit trail, in one transaction (Store::RecordIncidentStep).
//   leaked-key:  revoke, exposure, usage, rotate, alert, report
//   data-access: scope, objects, stop, alert, report
// A step that fails leaves the incident open with the steps done so far and
// `next_step` naming the failed one; Resume (or opening the same kind of
// incident for the same key again) continues from there. Steps already done
// never run twice, so a re-run never rotates twice.
//
// Plain keys never reach the store, the audit trail or a report: a rotation's
// new keys come back to the caller once (RunOutcome::rotations) to hand over.
//
// Not thread-safe (uses the store); keeps no state of its own.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/alerts.h"
#include "core/clock.h"
#include "core/error.h"
#include "desks/keys/detector.h"
#include "desks/keys/registry.h"
#include "store/store.h"

namespace ctodesk::incidents {

// [incidents] settings (see incidents.h).
struct Settings {
  // Which path segments are objects (customer records...). Empty: any
  // numeric or UUID path segment, named by the segment before it
  // ("/customers/10001" -> customers/10001).
  std::vector<keys::ObjectPattern> objects;
  Duration unhandled_leak_after = std::chrono::hours(1);
};

// What the procedures need from around them.
struct Context {
  Store& store;
  TimePoint now{};
  std::string actor = "cli";
  std::vector<AlertTarget> alerts;
  std::filesystem::path out_dir;   // reports and CSV files: <config folder>/incidents
  std::string company = "Our company";
  std::string time_zone = "UTC";
  std::string key_prefix = "ck";   // for replacement keys
  Settings settings;
  // Runs with the new keys before a rotation is stored (the CLI writes the
  // hand-over file there); when it fails, nothing is rotated.
  keys::BeforeRotationCommit before_rotation_commit;
};

struct LeakedKeyRequest {
  std::string plain_key;   // --key: looked up by hash, never stored
  std::string finding_id;  // --finding: a leaks finding that names one of our keys
  std::string key_id;      // --key-id
  std::optional<TimePoint> exposed_since;
  std::string rotate;      // "", "owner", "client", "all"
};

struct DataAccessRequest {
  std::string plain_key;
  std::string key_id;
  std::optional<std::int64_t> suspension;  // the audit entry (seq) of a suspension
  std::optional<TimePoint> from, to;
};

struct RunOutcome {
  IncidentRecord incident;
  std::vector<IncidentStep> steps;     // every step recorded so far
  bool continued = false;              // an open incident was continued, not opened
  std::vector<keys::Rotation> rotations;  // new plain keys of THIS run: show once
  std::optional<std::string> failure;  // the failed step's error; the incident stays open
};

// Bad input (unknown key, no exposure start, bad --rotate, ...) is an
// Error::Invalid / NotFound before anything is recorded.
Result<RunOutcome> OpenLeakedKey(Context& ctx, const LeakedKeyRequest& request);
Result<RunOutcome> OpenDataAccess(Context& ctx, const DataAccessRequest& request);
// Runs the remaining steps of an open incident.
Result<RunOutcome> Resume(Context& ctx, std::string_view incident_id);
// Closes an open incident with a summary (recorded as a step and audited).
Result<IncidentRecord> Close(Context& ctx, std::string_view incident_id, std::string_view summary);

// The steps of a kind, in order.
std::vector<std::string> StepsOf(std::string_view kind);

// An incident with its steps and the audit chain's verdict, for reports.
struct IncidentView {
  IncidentRecord incident;
  std::vector<IncidentStep> steps;
  bool chain_ok = false;
  std::int64_t chain_entries = 0;
  std::string chain_head;
  std::string chain_problem;
  std::int64_t audit_entries_for_incident = 0;
};
Result<IncidentView> LoadIncident(Store& store, std::string_view incident_id);

// The timeline report: times in UTC and in `time_zone`.
std::string RenderMarkdown(const IncidentView& view, std::string_view company, std::string_view time_zone);
std::string RenderHtml(const IncidentView& view, std::string_view company, std::string_view time_zone);

// The objects a path names, with the configured patterns or the default
// (a numeric or UUID segment). Exposed for tests.
std::optional<std::string> ObjectOf(const Settings& settings, std::string_view path);

}  // namespace ctodesk::incidents
