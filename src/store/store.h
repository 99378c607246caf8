// The store: everything ctodesk remembers between runs — findings (so a
// problem keeps its first_seen), check history (probe results, backup sizes,
// deliveries), desk runs, small per-desk state (alert deliveries, the last
// scanned commit), and the keys desk's registry (hashes only), usage events
// and hash-chained audit trail. Desks talk to this interface only, never to SQL.
//
// Two implementations: SQLite (WAL mode, versioned migrations; the default, a
// file beside the config) and an in-memory twin for tests. Neither is
// thread-safe: use one Store from one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/finding.h"

namespace ctodesk {

// One result of one check: a probe, a backup seen, a delivery.
struct CheckRecord {
  std::string desk;
  std::string subject;
  TimePoint at{};
  bool ok = false;
  double value = 0;    // what was measured: latency in ms, size in bytes, rows...
  std::string detail;  // desk-specific JSON text
};

struct CheckSummary {
  std::int64_t total = 0;
  std::int64_t ok = 0;
  std::optional<double> Ratio() const {
    if (total == 0) return std::nullopt;
    return static_cast<double>(ok) / static_cast<double>(total);
  }
};

// One run of one desk.
struct DeskRun {
  std::string desk;
  TimePoint started_at{};
  bool ok = false;
  std::int64_t duration_ms = 0;
  std::int64_t checked = 0;
  std::string error;  // empty when ok
};

// --- keys (the keys desk): the registry keeps hashes only, never a plain key ---

// One API key. Times are UTC seconds. A key is usable when it is not revoked
// (revoked_at unset or in the future: a rotation's grace period), not expired
// and not suspended.
struct KeyRecord {
  std::string id;    // "key_" + 12 hex, public
  std::string hash;  // lower-case hex SHA-256 of the plain key
  std::string hint;  // "acme_...x9Qz", safe to show
  std::string owner;
  std::string client;
  std::vector<std::string> scopes;
  std::string plan;
  TimePoint created_at{};
  std::optional<TimePoint> expires_at;
  std::optional<TimePoint> revoked_at;  // may be in the future (grace)
  std::string revoke_reason;
  std::optional<TimePoint> suspended_at;
  std::string suspend_reason;
  std::string replaced_by;  // id of the key that rotation issued in its place
};

// One request made with a key, from the guard or an ingested access log.
struct UsageEvent {
  std::string key_id;
  std::int64_t at_ms = 0;  // unix milliseconds
  std::string ip;
  std::string method;
  std::string path;
  int status = 0;
  std::string user_agent;
  std::string source;  // "guard" or the log file's name
};

// Writes an event into events[count] and counts it, reusing that slot's
// strings' memory when the vector already has it: a batch vector kept from
// one flush to the next then allocates nothing per event (the guard and
// `keys ingest` both fill their batches this way).
inline void PutUsageEvent(std::vector<UsageEvent>& events, std::size_t& count, std::string_view key_id,
                          std::int64_t at_ms, std::string_view ip, std::string_view method,
                          std::string_view path, int status, std::string_view user_agent,
                          std::string_view source) {
  if (count == events.size()) events.emplace_back();
  UsageEvent& e = events[count++];
  e.key_id.assign(key_id);
  e.at_ms = at_ms;
  e.ip.assign(ip);
  e.method.assign(method);
  e.path.assign(path);
  e.status = status;
  e.user_agent.assign(user_agent);
  e.source.assign(source);
}

// One entry of the append-only, hash-chained audit trail. `seq` starts at 1
// and has no gaps; `hash` = AuditEntryHash(entry) covers every other field,
// `prev_hash` included, so editing, inserting or deleting an entry breaks
// the chain (desks/keys/audit.h checks it).
struct AuditEntry {
  std::int64_t seq = 0;
  TimePoint at{};
  std::string actor;   // "cli:alice", "guard", "keys desk"
  std::string action;  // "issue", "revoke", "rotate", "suspend", "limits", ...
  std::string key_id;  // may be empty
  std::string detail;  // JSON text: the evidence
  std::string prev_hash;  // 64 zeros for the first entry
  std::string hash;
};

// --- incidents (desks/incidents): a procedure's record, step by step ---

// One incident: a leaked key or a data access, from `incident open` to
// `incident close`. `next_step` names the step a resume runs next (empty once
// every step is done); an incident stays "open" until closed with a summary.
struct IncidentRecord {
  std::string id;       // "inc-0001", assigned by the caller
  std::string kind;     // "leaked-key" | "data-access"
  std::string subject;  // the key id it is about
  std::string status = "open";  // "open" | "closed"
  TimePoint opened_at{};
  std::string opened_by;
  std::optional<TimePoint> closed_at;
  std::string closed_by;
  std::string summary;    // written at close
  std::string params;     // JSON text: what it was opened with (never a plain key)
  std::string next_step;  // empty when the procedure is complete
};

// One step of an incident's procedure, as it happened. `seq` runs 1, 2, 3...
// per incident. Never holds a plain key.
struct IncidentStep {
  std::string incident_id;
  std::int64_t seq = 0;
  std::string name;    // "revoke", "exposure", "usage", "rotate", "alert", "report", ...
  std::string status;  // "done" | "failed" | "skipped"
  TimePoint at{};
  std::string actor;
  std::string detail;  // JSON text: what the step found or did
};

// The chain hash of an entry: hex SHA-256 over its canonical JSON form
// (every field but `hash`).
std::string AuditEntryHash(const AuditEntry& e);
// Constant-time equality (CRYPTO_memcmp) of two hashes; false when their
// lengths differ.
bool HashesEqual(std::string_view a, std::string_view b);

// --- the dashboard (`ctodesk serve`): accounts, sessions, acknowledgements ---

// A dashboard account. `password_hash` is the self-describing scrypt string of
// dashboard/auth.h ("scrypt$N$r$p$salt$hash"); never a plain password.
struct UserRecord {
  std::string name;
  std::string role;  // "admin" (may act) or "read"
  std::string password_hash;
  TimePoint created_at{};
};

// A logged-in browser. The cookie holds a random token; the store keeps only
// its SHA-256 (`token_hash`), so a copy of the database logs nobody in.
struct SessionRecord {
  std::string token_hash;
  std::string user;
  std::string csrf;  // the token every POST of this session must carry
  TimePoint created_at{};
  TimePoint expires_at{};
};

// "Seen, we are on it": a finding acknowledged until `expires_at`.
struct Acknowledgement {
  std::string finding_id;
  std::string note;
  std::string by;
  TimePoint at{};
  TimePoint expires_at{};
};

// One UTC day of one subject's checks, for uptime strips.
struct CheckDay {
  TimePoint day{};  // midnight UTC
  std::int64_t total = 0;
  std::int64_t ok = 0;
};

// Run counts of one desk over its whole history, for /metrics.
struct DeskRunTotals {
  std::string desk;
  std::int64_t runs = 0;
  std::int64_t failures = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // --- findings ---
  // Open (unresolved) findings of one desk, or of all desks when `desk` is empty.
  virtual Result<std::vector<Finding>> OpenFindings(std::string_view desk) = 0;
  // In one transaction: inserts or updates each of `open` by its id (keeping
  // the caller's first_seen), and marks each of `resolved_ids` resolved at `now`.
  virtual Result<void> SaveFindings(const std::vector<Finding>& open,
                                    const std::vector<std::string>& resolved_ids,
                                    TimePoint now) = 0;
  // Findings resolved at or after `since`, most recent first.
  virtual Result<std::vector<Finding>> ResolvedSince(TimePoint since) = 0;

  // --- check history ---
  // Appends all records in one transaction.
  virtual Result<void> AppendChecks(const std::vector<CheckRecord>& records) = 0;
  // Records of one subject with at >= since, oldest first, at most `limit` of
  // the most recent ones.
  virtual Result<std::vector<CheckRecord>> Checks(std::string_view desk, std::string_view subject,
                                                  TimePoint since, std::int64_t limit = 100000) = 0;
  virtual Result<CheckSummary> Summarize(std::string_view desk, std::string_view subject,
                                         TimePoint since) = 0;
  // Distinct subjects with history for a desk, sorted.
  virtual Result<std::vector<std::string>> CheckSubjects(std::string_view desk) = 0;

  // --- desk runs ---
  virtual Result<void> RecordRun(const DeskRun& run) = 0;
  // The latest run of each desk that has run, sorted by desk.
  virtual Result<std::vector<DeskRun>> LatestRuns() = 0;

  // --- small state per namespace ---
  virtual Result<std::optional<std::string>> GetState(std::string_view ns, std::string_view key) = 0;
  virtual Result<void> PutState(std::string_view ns, std::string_view key, std::string_view value) = 0;

  // --- key registry, usage, audit (the keys desk and the guard) ---
  // Inserts or replaces keys by id, each with its audit entry, in one
  // transaction: all or none (a rotation must never leave new keys nobody
  // received). Returns the entries as stored (seq, hashes set), in order.
  virtual Result<std::vector<AuditEntry>> SaveKeys(
      const std::vector<std::pair<KeyRecord, AuditEntry>>& changes) = 0;
  // One key and its audit entry: SaveKeys of one.
  Result<AuditEntry> SaveKey(const KeyRecord& key, const AuditEntry& why) {
    auto saved = SaveKeys({{key, why}});
    if (!saved) return Fail(saved.error());
    return std::move(saved->front());
  }
  virtual Result<std::optional<KeyRecord>> GetKey(std::string_view id) = 0;
  // The key whose stored hash equals `hash` (hex SHA-256); the match is
  // confirmed with a constant-time comparison.
  virtual Result<std::optional<KeyRecord>> FindKeyByHash(std::string_view hash) = 0;
  // All keys, oldest first.
  virtual Result<std::vector<KeyRecord>> ListKeys() = 0;
  // A number that changes whenever any key changes, from any process; cheap
  // to poll (the guard reloads its snapshot when it moves).
  virtual Result<std::int64_t> KeysGeneration() = 0;

  // Appends usage events in one transaction (group commit).
  virtual Result<void> AppendUsage(const std::vector<UsageEvent>& events) = 0;
  // Around a long run of AppendUsage calls (a log ingest): tunes the store
  // for bulk writes (SQLite: a bigger page cache, WAL checkpoints deferred to
  // EndBulkUsage). Optional; what is appended is the same either way.
  virtual Result<void> BeginBulkUsage() { return {}; }
  virtual Result<void> EndBulkUsage() { return {}; }
  // Events of one key with from_ms <= at_ms < to_ms, oldest first (ties in
  // the order they were appended), at most `limit`.
  virtual Result<std::vector<UsageEvent>> Usage(std::string_view key_id, std::int64_t from_ms,
                                                std::int64_t to_ms,
                                                std::int64_t limit = 1000000) = 0;
  // The latest use of each key that has any, by key id.
  virtual Result<std::vector<std::pair<std::string, std::int64_t>>> LastUses() = 0;

  // Appends one entry (seq, prev_hash and hash are assigned here, atomically
  // with respect to other writers) and returns it as stored.
  virtual Result<AuditEntry> AppendAudit(const AuditEntry& entry) = 0;
  // The whole trail in seq order, as stored (not verified), and the head
  // (seq, hash) recorded with the last append; nullopt before the first.
  virtual Result<std::vector<AuditEntry>> AuditTrail() = 0;
  virtual Result<std::optional<std::pair<std::int64_t, std::string>>> AuditHead() = 0;

  // --- incidents ---
  // Inserts or replaces an incident by id.
  virtual Result<void> SaveIncident(const IncidentRecord& incident) = 0;
  virtual Result<std::optional<IncidentRecord>> GetIncident(std::string_view id) = 0;
  // All incidents, oldest first.
  virtual Result<std::vector<IncidentRecord>> ListIncidents() = 0;
  // In one transaction: appends `step` (its seq assigned: one past the
  // incident's last), appends `why` to the audit trail, and saves `incident`
  // (its next_step moved on). Returns the step as stored.
  virtual Result<IncidentStep> RecordIncidentStep(const IncidentRecord& incident, const IncidentStep& step,
                                                  const AuditEntry& why) = 0;
  // The steps of one incident in seq order.
  virtual Result<std::vector<IncidentStep>> IncidentSteps(std::string_view incident_id) = 0;

  // --- desk run history ---
  // The latest `limit` runs of one desk, newest first.
  virtual Result<std::vector<DeskRun>> Runs(std::string_view desk, std::int64_t limit) = 0;
  // Runs and failures per desk that has run, sorted by desk.
  virtual Result<std::vector<DeskRunTotals>> RunTotals() = 0;
  // Checks of one subject with at >= since, counted per UTC day, oldest
  // first; days without checks are absent.
  virtual Result<std::vector<CheckDay>> DailyChecks(std::string_view desk, std::string_view subject,
                                                    TimePoint since) = 0;

  // --- dashboard accounts, sessions, acknowledgements ---
  // Inserts or replaces by name; a changed password ends the user's sessions.
  virtual Result<void> SaveUser(const UserRecord& user) = 0;
  virtual Result<std::optional<UserRecord>> GetUser(std::string_view name) = 0;
  // Sorted by name.
  virtual Result<std::vector<UserRecord>> ListUsers() = 0;
  virtual Result<void> SaveSession(const SessionRecord& session) = 0;
  // The session with this token hash, if it exists and has not expired at `now`.
  virtual Result<std::optional<SessionRecord>> GetSession(std::string_view token_hash,
                                                          TimePoint now) = 0;
  virtual Result<void> DeleteSession(std::string_view token_hash) = 0;
  // Inserts or replaces the acknowledgement of one finding.
  virtual Result<void> SaveAcknowledgement(const Acknowledgement& ack) = 0;
  // Acknowledgements that have not expired at `now`, by finding id.
  virtual Result<std::vector<Acknowledgement>> Acknowledgements(TimePoint now) = 0;
};

// Opens (creating if needed, parent folders included) the SQLite store at
// `path`, in WAL mode, and brings its schema up to date. Fails with an Error
// naming the file when it cannot be opened, is not a ctodesk store, or was
// written by a newer ctodesk.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::filesystem::path& path);

// A store that lives in memory only, for tests.
std::unique_ptr<Store> NewMemoryStore();

// The schema version this build writes.
int StoreSchemaVersion();
// The SQL of one migration (1-based), for tests that build a store as an
// older release wrote it.
std::string_view StoreMigrationSql(int version);

}  // namespace ctodesk
