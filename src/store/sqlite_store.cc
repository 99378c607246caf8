// The SQLite store. One connection in WAL mode with synchronous=NORMAL: a
// committed transaction survives a killed process (WAL replays it), and
// readers — the dashboard — never block the morning run. The schema is
// versioned with PRAGMA user_version; each migration runs in its own
// transaction so a failed upgrade leaves the previous version intact.
#include <sqlite3.h>

#include <algorithm>
#include <mutex>
#include <tuple>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "store/store.h"
#include "core/json_text.h"

namespace ctodesk {

namespace {

// Append only: a shipped migration never changes, a new one is added below.
constexpr const char* kMigrations[] = {
    // 1: findings, check history, desk runs, state
    R"sql(
    CREATE TABLE findings (
      id TEXT PRIMARY KEY,
      desk TEXT NOT NULL,
      subject TEXT NOT NULL,
      kind TEXT NOT NULL,
      severity INTEGER NOT NULL,
      title TEXT NOT NULL,
      detail TEXT NOT NULL,
      action TEXT NOT NULL,
      evidence TEXT NOT NULL,
      first_seen INTEGER NOT NULL,
      last_seen INTEGER NOT NULL,
      resolved_at INTEGER
    );
    CREATE INDEX findings_open ON findings(desk) WHERE resolved_at IS NULL;
    CREATE INDEX findings_resolved ON findings(resolved_at) WHERE resolved_at IS NOT NULL;
    CREATE TABLE checks (
      desk TEXT NOT NULL,
      subject TEXT NOT NULL,
      at INTEGER NOT NULL,
      ok INTEGER NOT NULL,
      value REAL NOT NULL,
      detail TEXT NOT NULL
    );
    CREATE INDEX checks_by_subject ON checks(desk, subject, at);
    CREATE TABLE desk_runs (
      desk TEXT NOT NULL,
      started_at INTEGER NOT NULL,
      ok INTEGER NOT NULL,
      duration_ms INTEGER NOT NULL,
      checked INTEGER NOT NULL,
      error TEXT NOT NULL
    );
    CREATE INDEX desk_runs_by_desk ON desk_runs(desk, started_at);
    CREATE TABLE state (
      ns TEXT NOT NULL,
      key TEXT NOT NULL,
      value TEXT NOT NULL,
      PRIMARY KEY (ns, key)
    ) WITHOUT ROWID;
    )sql",
    // 2: findings in plain words, for the CEO's summary
    R"sql(
    ALTER TABLE findings ADD COLUMN concern TEXT NOT NULL DEFAULT 'technology';
    ALTER TABLE findings ADD COLUMN plain_risk TEXT NOT NULL DEFAULT '';
    ALTER TABLE findings ADD COLUMN plain_doing TEXT NOT NULL DEFAULT '';
    ALTER TABLE findings ADD COLUMN plain_ask TEXT NOT NULL DEFAULT '';
    )sql",
    // 3: the keys desk: registry (hashes only), usage events, audit trail.
    // Idempotent (IF NOT EXISTS), so a store whose version number was set
    // back — as tests that rebuild an older schema do — upgrades cleanly.
    R"sql(
    CREATE TABLE IF NOT EXISTS api_keys (
      id TEXT PRIMARY KEY,
      hash TEXT NOT NULL UNIQUE,
      hint TEXT NOT NULL,
      owner TEXT NOT NULL,
      client TEXT NOT NULL,
      scopes TEXT NOT NULL,
      plan TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      expires_at INTEGER,
      revoked_at INTEGER,
      revoke_reason TEXT NOT NULL,
      suspended_at INTEGER,
      suspend_reason TEXT NOT NULL,
      replaced_by TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS api_keys_generation (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
    INSERT OR IGNORE INTO api_keys_generation (id, n) VALUES (1, 0);
    CREATE TRIGGER IF NOT EXISTS api_keys_gen_insert AFTER INSERT ON api_keys
      BEGIN UPDATE api_keys_generation SET n = n + 1 WHERE id = 1; END;
    CREATE TRIGGER IF NOT EXISTS api_keys_gen_update AFTER UPDATE ON api_keys
      BEGIN UPDATE api_keys_generation SET n = n + 1 WHERE id = 1; END;
    CREATE TRIGGER IF NOT EXISTS api_keys_gen_delete AFTER DELETE ON api_keys
      BEGIN UPDATE api_keys_generation SET n = n + 1 WHERE id = 1; END;
    CREATE TABLE IF NOT EXISTS key_usage (
      key_id TEXT NOT NULL,
      at_ms INTEGER NOT NULL,
      ip TEXT NOT NULL,
      method TEXT NOT NULL,
      path TEXT NOT NULL,
      status INTEGER NOT NULL,
      user_agent TEXT NOT NULL,
      source TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS key_usage_by_key ON key_usage(key_id, at_ms);
    CREATE TABLE IF NOT EXISTS audit_log (
      seq INTEGER PRIMARY KEY,
      at INTEGER NOT NULL,
      actor TEXT NOT NULL,
      action TEXT NOT NULL,
      key_id TEXT NOT NULL,
      detail TEXT NOT NULL,
      prev_hash TEXT NOT NULL,
      hash TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL,
                             hash TEXT NOT NULL);
    )sql",
    // 4: incidents and their steps. Self-contained (IF NOT EXISTS, touches no
    // other table).
    R"sql(
    CREATE TABLE IF NOT EXISTS incidents (
      id TEXT PRIMARY KEY,
      kind TEXT NOT NULL,
      subject TEXT NOT NULL,
      status TEXT NOT NULL,
      opened_at INTEGER NOT NULL,
      opened_by TEXT NOT NULL,
      closed_at INTEGER,
      closed_by TEXT NOT NULL,
      summary TEXT NOT NULL,
      params TEXT NOT NULL,
      next_step TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS incident_steps (
      incident_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      name TEXT NOT NULL,
      status TEXT NOT NULL,
      at INTEGER NOT NULL,
      actor TEXT NOT NULL,
      detail TEXT NOT NULL,
      PRIMARY KEY (incident_id, seq)
    ) WITHOUT ROWID;
    )sql",
    // 5: the dashboard: accounts (scrypt hashes), sessions (token hashes),
    // acknowledgements. Self-contained and idempotent, so it can be renumbered
    // when branches merge.
    R"sql(
    CREATE TABLE IF NOT EXISTS users (
      name TEXT PRIMARY KEY,
      role TEXT NOT NULL,
      password_hash TEXT NOT NULL,
      created_at INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS sessions (
      token_hash TEXT PRIMARY KEY,
      user TEXT NOT NULL,
      csrf TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS acknowledgements (
      finding_id TEXT PRIMARY KEY,
      note TEXT NOT NULL,
      by TEXT NOT NULL,
      at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    );
    )sql",
    // 6: usage events in compressed blocks. A log ingest writes millions of
    // events; key_usage stored each as a row with every string in full and
    // kept a second B-tree (key_id, at_ms) in step with it, which made the
    // inserts the cost of an ingest. A block holds up to kBlockEvents events
    // of one key spanning less than kBlockSpanMs, sorted by (at_ms, seq) and
    // encoded compactly (EncodeBlock). Blocks are appended in rowid order
    // (full pages, no splits; a WITHOUT ROWID table would push every block
    // over ~1 KB into a mostly empty overflow page) and found through the
    // small index (key, first_ms), so an audit reads a few blocks. Strings that
    // repeat on every event (key id, method, user agent, source) are stored
    // once in usage_strings. `seq` numbers events in arrival order (what
    // key_usage's rowid did) so ties keep their order; usage_seq holds the
    // next one. key_usage (migration 3) has its rows moved across by
    // ConvertLegacyUsage right after this SQL; the table stays, empty, so a
    // store whose version number was set back (as tests that rebuild an
    // older schema do) still upgrades.
    R"sql(
    CREATE TABLE IF NOT EXISTS usage_strings (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);
    CREATE TABLE IF NOT EXISTS usage_blocks (
      id INTEGER PRIMARY KEY,
      key INTEGER NOT NULL,
      first_ms INTEGER NOT NULL,
      first_seq INTEGER NOT NULL,
      last_ms INTEGER NOT NULL,
      events INTEGER NOT NULL,
      data BLOB NOT NULL
    );
    CREATE INDEX IF NOT EXISTS usage_blocks_by_key ON usage_blocks(key, first_ms);
    CREATE TABLE IF NOT EXISTS usage_seq (id INTEGER PRIMARY KEY CHECK (id = 1), next INTEGER NOT NULL);
    INSERT OR IGNORE INTO usage_seq (id, next) VALUES (1, 1);
    DROP INDEX IF EXISTS key_usage_by_key;
    )sql",
};

// RAII for a prepared statement, with typed binders.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) stmt_ = nullptr;
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  Statement& Bind(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& Bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& Bind(int i, double v) {
    sqlite3_bind_double(stmt_, i, v);
    return *this;
  }
  Statement& BindBlob(int i, std::string_view v) {
    sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& BindNull(int i) {
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(stmt_); }
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string Text(int col) const {
    auto p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }
  std::int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  // Valid until the next Step or Reset.
  std::string_view Blob(int col) const {
    auto p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
    return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : std::string_view();
  }
  double Real(int col) const { return sqlite3_column_double(stmt_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

std::string EvidenceToJson(const Evidence& e) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& [k, v] : e) arr.push_back({k, v});
  return JsonText(arr);
}

Evidence EvidenceFromJson(const std::string& text) {
  Evidence out;
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array()) return out;
  for (const auto& pair : j) {
    if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string()) {
      out.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
    }
  }
  return out;
}

class SqliteStore final : public Store {
 public:
  SqliteStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteStore() override { sqlite3_close_v2(db_); }

  Result<void> Exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      return Fail(Error::Store(fmt::format("{}: {}", path_, msg)));
    }
    return {};
  }

  Error LastError(std::string_view what) const {
    return Error::Store(fmt::format("{}: {}: {}", path_, what, sqlite3_errmsg(db_)));
  }

  Result<Statement*> Prepare(std::unique_ptr<Statement>& slot, const char* sql) {
    if (!slot) {
      slot = std::make_unique<Statement>(db_, sql);
      if (!slot->ok()) {
        slot.reset();
        return Fail(LastError("prepare"));
      }
    }
    slot->Reset();
    return slot.get();
  }

  Result<void> Migrate() {
    int version = 0;
    {
      // Finalized before migrating: a statement left on its row would make
      // a migration's DROP fail with "database table is locked".
      Statement v(db_, "PRAGMA user_version");
      if (!v.ok() || v.Step() != SQLITE_ROW) return Fail(LastError("read schema version"));
      version = static_cast<int>(v.Int(0));
    }
    int latest = static_cast<int>(std::size(kMigrations));
    if (version > latest) {
      return Fail(Error::Store(fmt::format(
          "{}: store schema version {} is newer than this ctodesk understands ({}); upgrade ctodesk",
          path_, version, latest)));
    }
    for (int i = version; i < latest; ++i) {
      if (auto r = Exec("BEGIN IMMEDIATE"); !r) return r;
      auto r = Exec(kMigrations[i]);
      if (r && i + 1 == kBlocksMigration) r = ConvertLegacyUsage();
      if (r) r = Exec(fmt::format("PRAGMA user_version = {}", i + 1).c_str());
      if (!r) {
        (void)Exec("ROLLBACK");
        return Fail(Error::Store(fmt::format("migration to version {} failed: {}", i + 1,
                                             r.error().message)));
      }
      if (auto c = Exec("COMMIT"); !c) return c;
    }
    return {};
  }

  static Finding ReadFinding(const Statement& s) {
    Finding f;
    f.desk = s.Text(0);
    f.subject = s.Text(1);
    f.kind = s.Text(2);
    f.severity = static_cast<Severity>(std::clamp<std::int64_t>(s.Int(3), 0, 3));
    f.title = s.Text(4);
    f.detail = s.Text(5);
    f.action = s.Text(6);
    f.evidence = EvidenceFromJson(s.Text(7));
    f.first_seen = FromUnix(s.Int(8));
    f.last_seen = FromUnix(s.Int(9));
    if (!s.IsNull(10)) f.resolved_at = FromUnix(s.Int(10));
    f.concern = ParseConcern(s.Text(11)).value_or(Concern::kTechnology);
    f.plain = {s.Text(12), s.Text(13), s.Text(14)};
    return f;
  }

  Result<std::vector<Finding>> OpenFindings(std::string_view desk) override {
    static constexpr const char* kSql =
        "SELECT desk, subject, kind, severity, title, detail, action, evidence, first_seen, "
        "last_seen, resolved_at, concern, plain_risk, plain_doing, plain_ask FROM findings WHERE resolved_at IS NULL AND (?1 = '' OR desk = ?1) "
        "ORDER BY severity, first_seen, desk, subject";
    auto s = Prepare(open_findings_, kSql);
    if (!s) return Fail(s.error());
    (*s)->Bind(1, desk);
    std::vector<Finding> out;
    int rc;
    while ((rc = (*s)->Step()) == SQLITE_ROW) out.push_back(ReadFinding(**s));
    if (rc != SQLITE_DONE) return Fail(LastError("read findings"));
    return out;
  }

  Result<void> SaveFindings(const std::vector<Finding>& open,
                            const std::vector<std::string>& resolved_ids, TimePoint now) override {
    static constexpr const char* kUpsert =
        "INSERT INTO findings (id, desk, subject, kind, severity, title, detail, action, evidence, "
        "first_seen, last_seen, resolved_at, concern, plain_risk, plain_doing, plain_ask) "
        "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,NULL,?12,?13,?14,?15) "
        "ON CONFLICT(id) DO UPDATE SET severity=excluded.severity, title=excluded.title, "
        "detail=excluded.detail, action=excluded.action, evidence=excluded.evidence, "
        "first_seen=excluded.first_seen, last_seen=excluded.last_seen, resolved_at=NULL, "
        "concern=excluded.concern, plain_risk=excluded.plain_risk, "
        "plain_doing=excluded.plain_doing, plain_ask=excluded.plain_ask";
    static constexpr const char* kResolve =
        "UPDATE findings SET resolved_at = ?2 WHERE id = ?1 AND resolved_at IS NULL";
    if (auto r = Exec("BEGIN IMMEDIATE"); !r) return r;
    auto fail = [&](Error e) -> Result<void> {
      (void)Exec("ROLLBACK");
      return Fail(std::move(e));
    };
    auto up = Prepare(upsert_, kUpsert);
    if (!up) return fail(up.error());
    for (const Finding& f : open) {
      Statement& s = **up;
      s.Reset();
      s.Bind(1, f.Id()).Bind(2, f.desk).Bind(3, f.subject).Bind(4, f.kind);
      s.Bind(5, static_cast<std::int64_t>(f.severity)).Bind(6, f.title).Bind(7, f.detail);
      s.Bind(8, f.action).Bind(9, EvidenceToJson(f.evidence));
      s.Bind(10, ToUnix(f.first_seen)).Bind(11, ToUnix(f.last_seen));
      s.Bind(12, ConcernName(f.concern)).Bind(13, f.plain.risk).Bind(14, f.plain.doing);
      s.Bind(15, f.plain.ask);
      if (s.Step() != SQLITE_DONE) return fail(LastError("save finding"));
    }
    auto res = Prepare(resolve_, kResolve);
    if (!res) return fail(res.error());
    for (const std::string& id : resolved_ids) {
      Statement& s = **res;
      s.Reset();
      s.Bind(1, id).Bind(2, ToUnix(now));
      if (s.Step() != SQLITE_DONE) return fail(LastError("resolve finding"));
    }
    return Exec("COMMIT");
  }

  Result<std::vector<Finding>> ResolvedSince(TimePoint since) override {
    static constexpr const char* kSql =
        "SELECT desk, subject, kind, severity, title, detail, action, evidence, first_seen, "
        "last_seen, resolved_at, concern, plain_risk, plain_doing, plain_ask FROM findings WHERE resolved_at >= ?1 "
        "ORDER BY resolved_at DESC, severity, desk, subject";
    auto s = Prepare(resolved_, kSql);
    if (!s) return Fail(s.error());
    (*s)->Bind(1, ToUnix(since));
    std::vector<Finding> out;
    int rc;
    while ((rc = (*s)->Step()) == SQLITE_ROW) out.push_back(ReadFinding(**s));
    if (rc != SQLITE_DONE) return Fail(LastError("read resolved findings"));
    return out;
  }

  Result<void> AppendChecks(const std::vector<CheckRecord>& records) override {
    static constexpr const char* kSql =
        "INSERT INTO checks (desk, subject, at, ok, value, detail) VALUES (?1,?2,?3,?4,?5,?6)";
    if (records.empty()) return {};
    if (auto r = Exec("BEGIN IMMEDIATE"); !r) return r;
    auto s = Prepare(append_check_, kSql);
    if (!s) {
      (void)Exec("ROLLBACK");
      return Fail(s.error());
    }
    for (const CheckRecord& c : records) {
      Statement& st = **s;
      st.Reset();
      st.Bind(1, c.desk).Bind(2, c.subject).Bind(3, ToUnix(c.at));
      st.Bind(4, static_cast<std::int64_t>(c.ok ? 1 : 0)).Bind(5, c.value).Bind(6, c.detail);
      if (st.Step() != SQLITE_DONE) {
        Error e = LastError("append check");
        (void)Exec("ROLLBACK");
        return Fail(e);
      }
    }
    return Exec("COMMIT");
  }

  Result<std::vector<CheckRecord>> Checks(std::string_view desk, std::string_view subject,
                                          TimePoint since, std::int64_t limit) override {
    static constexpr const char* kSql =
        "SELECT at, ok, value, detail FROM (SELECT rowid, at, ok, value, detail FROM checks "
        "WHERE desk = ?1 AND subject = ?2 AND at >= ?3 ORDER BY at DESC, rowid DESC LIMIT ?4) "
        "ORDER BY at, rowid";
    auto s = Prepare(checks_, kSql);
    if (!s) return Fail(s.error());
    (*s)->Bind(1, desk).Bind(2, subject).Bind(3, ToUnix(since)).Bind(4, limit);
    std::vector<CheckRecord> out;
    int rc;
    while ((rc = (*s)->Step()) == SQLITE_ROW) {
      const Statement& st = **s;
      out.push_back({std::string(desk), std::string(subject), FromUnix(st.Int(0)), st.Int(1) != 0,
                     st.Real(2), st.Text(3)});
    }
    if (rc != SQLITE_DONE) return Fail(LastError("read checks"));
    return out;
  }

  Result<CheckSummary> Summarize(std::string_view desk, std::string_view subject,
                                 TimePoint since) override {
    static constexpr const char* kSql =
        "SELECT count(*), coalesce(sum(ok), 0) FROM checks WHERE desk = ?1 AND subject = ?2 AND "
        "at >= ?3";
    auto s = Prepare(summarize_, kSql);
    if (!s) return Fail(s.error());
    (*s)->Bind(1, desk).Bind(2, subject).Bind(3, ToUnix(since));
    if ((*s)->Step() != SQLITE_ROW) return Fail(LastError("summarize checks"));
    CheckSummary summary{(*s)->Int(0), (*s)->Int(1)};
    (*s)->Reset();  // release the read snapshot (see GetState)
    return summary;
  }

  Result<std::vector<std::string>> CheckSubjects(std::string_view desk) override {
    // A loose index scan: one seek per subject on checks_by_subject instead
    // of reading every check of the desk (millions with long histories).
    Statement s(db_,
                "WITH RECURSIVE s(subject) AS ("
                "SELECT min(subject) FROM checks WHERE desk = ?1 "
                "UNION ALL SELECT (SELECT min(subject) FROM checks WHERE desk = ?1 AND "
                "subject > s.subject) FROM s WHERE s.subject IS NOT NULL) "
                "SELECT subject FROM s WHERE subject IS NOT NULL");
    if (!s.ok()) return Fail(LastError("prepare"));
    s.Bind(1, desk);
    std::vector<std::string> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) out.push_back(s.Text(0));
    if (rc != SQLITE_DONE) return Fail(LastError("read subjects"));
    return out;
  }

  Result<void> RecordRun(const DeskRun& run) override {
    Statement s(db_,
                "INSERT INTO desk_runs (desk, started_at, ok, duration_ms, checked, error) "
                "VALUES (?1,?2,?3,?4,?5,?6)");
    if (!s.ok()) return Fail(LastError("prepare"));
    s.Bind(1, run.desk).Bind(2, ToUnix(run.started_at)).Bind(3, std::int64_t{run.ok ? 1 : 0});
    s.Bind(4, run.duration_ms).Bind(5, run.checked).Bind(6, run.error);
    if (s.Step() != SQLITE_DONE) return Fail(LastError("record run"));
    return {};
  }

  Result<std::vector<DeskRun>> LatestRuns() override {
    Statement s(db_,
                "SELECT desk, started_at, ok, duration_ms, checked, error FROM desk_runs r "
                "WHERE rowid = (SELECT rowid FROM desk_runs WHERE desk = r.desk "
                "ORDER BY started_at DESC, rowid DESC LIMIT 1) ORDER BY desk");
    if (!s.ok()) return Fail(LastError("prepare"));
    std::vector<DeskRun> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      out.push_back({s.Text(0), FromUnix(s.Int(1)), s.Int(2) != 0, s.Int(3), s.Int(4), s.Text(5)});
    }
    if (rc != SQLITE_DONE) return Fail(LastError("read runs"));
    return out;
  }

  Result<std::optional<std::string>> GetState(std::string_view ns, std::string_view key) override {
    auto s = Prepare(get_state_, "SELECT value FROM state WHERE ns = ?1 AND key = ?2");
    if (!s) return Fail(s.error());
    (*s)->Bind(1, ns).Bind(2, key);
    int rc = (*s)->Step();
    if (rc == SQLITE_ROW) {
      std::optional<std::string> value((*s)->Text(0));
      (*s)->Reset();  // a cached statement left on a row holds its read snapshot: a later write would be BUSY
      return value;
    }
    if (rc != SQLITE_DONE) return Fail(LastError("read state"));
    return std::optional<std::string>();
  }

  Result<void> PutState(std::string_view ns, std::string_view key, std::string_view value) override {
    auto s = Prepare(put_state_,
                     "INSERT INTO state (ns, key, value) VALUES (?1,?2,?3) "
                     "ON CONFLICT(ns, key) DO UPDATE SET value = excluded.value");
    if (!s) return Fail(s.error());
    (*s)->Bind(1, ns).Bind(2, key).Bind(3, value);
    if ((*s)->Step() != SQLITE_DONE) return Fail(LastError("write state"));
    return {};
  }

  // --- key registry, usage, audit ---

  static constexpr const char* kKeyColumns =
      "id, hash, hint, owner, client, scopes, plan, created_at, expires_at, revoked_at, "
      "revoke_reason, suspended_at, suspend_reason, replaced_by";

  static std::optional<TimePoint> OptTime(const Statement& s, int col) {
    if (s.IsNull(col)) return std::nullopt;
    return FromUnix(s.Int(col));
  }

  static KeyRecord ReadKey(const Statement& s) {
    KeyRecord k;
    k.id = s.Text(0);
    k.hash = s.Text(1);
    k.hint = s.Text(2);
    k.owner = s.Text(3);
    k.client = s.Text(4);
    auto scopes = nlohmann::json::parse(s.Text(5), nullptr, false);
    if (scopes.is_array()) {
      for (const auto& v : scopes) {
        if (v.is_string()) k.scopes.push_back(v.get<std::string>());
      }
    }
    k.plan = s.Text(6);
    k.created_at = FromUnix(s.Int(7));
    k.expires_at = OptTime(s, 8);
    k.revoked_at = OptTime(s, 9);
    k.revoke_reason = s.Text(10);
    k.suspended_at = OptTime(s, 11);
    k.suspend_reason = s.Text(12);
    k.replaced_by = s.Text(13);
    return k;
  }

  static void BindOptTime(Statement& s, int i, const std::optional<TimePoint>& t) {
    if (t) s.Bind(i, ToUnix(*t));
    else s.BindNull(i);
  }

  // Appends inside the caller's transaction.
  Result<AuditEntry> AppendAuditInTransaction(AuditEntry e) {
    Statement head(db_, "SELECT seq, hash FROM audit_head WHERE id = 1");
    if (!head.ok()) return Fail(LastError("prepare"));
    int rc = head.Step();
    if (rc == SQLITE_ROW) {
      e.seq = head.Int(0) + 1;
      e.prev_hash = head.Text(1);
    } else if (rc == SQLITE_DONE) {
      e.seq = 1;
      e.prev_hash = std::string(64, '0');
    } else {
      return Fail(LastError("read audit head"));
    }
    e.hash = AuditEntryHash(e);
    Statement ins(db_,
                  "INSERT INTO audit_log (seq, at, actor, action, key_id, detail, prev_hash, hash) "
                  "VALUES (?1,?2,?3,?4,?5,?6,?7,?8)");
    if (!ins.ok()) return Fail(LastError("prepare"));
    ins.Bind(1, e.seq).Bind(2, ToUnix(e.at)).Bind(3, e.actor).Bind(4, e.action);
    ins.Bind(5, e.key_id).Bind(6, e.detail).Bind(7, e.prev_hash).Bind(8, e.hash);
    if (ins.Step() != SQLITE_DONE) return Fail(LastError("append audit entry"));
    Statement up(db_,
                 "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2) "
                 "ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash");
    if (!up.ok()) return Fail(LastError("prepare"));
    up.Bind(1, e.seq).Bind(2, e.hash);
    if (up.Step() != SQLITE_DONE) return Fail(LastError("update audit head"));
    return e;
  }

  Result<std::vector<AuditEntry>> SaveKeys(
      const std::vector<std::pair<KeyRecord, AuditEntry>>& changes) override {
    if (auto r = Exec("BEGIN IMMEDIATE"); !r) return Fail(r.error());
    auto fail = [&](Error e) -> Result<std::vector<AuditEntry>> {
      (void)Exec("ROLLBACK");
      return Fail(std::move(e));
    };
    Statement s(db_,
                "INSERT INTO api_keys (id, hash, hint, owner, client, scopes, plan, created_at, "
                "expires_at, revoked_at, revoke_reason, suspended_at, suspend_reason, replaced_by) "
                "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14) "
                "ON CONFLICT(id) DO UPDATE SET hash=excluded.hash, hint=excluded.hint, "
                "owner=excluded.owner, client=excluded.client, scopes=excluded.scopes, "
                "plan=excluded.plan, created_at=excluded.created_at, "
                "expires_at=excluded.expires_at, revoked_at=excluded.revoked_at, "
                "revoke_reason=excluded.revoke_reason, suspended_at=excluded.suspended_at, "
                "suspend_reason=excluded.suspend_reason, replaced_by=excluded.replaced_by");
    if (!s.ok()) return fail(LastError("prepare"));
    std::vector<AuditEntry> out;
    out.reserve(changes.size());
    for (const auto& [k, why] : changes) {
      s.Reset();
      s.Bind(1, k.id).Bind(2, k.hash).Bind(3, k.hint).Bind(4, k.owner).Bind(5, k.client);
      s.Bind(6, JsonText(nlohmann::json(k.scopes))).Bind(7, k.plan).Bind(8, ToUnix(k.created_at));
      BindOptTime(s, 9, k.expires_at);
      BindOptTime(s, 10, k.revoked_at);
      s.Bind(11, k.revoke_reason);
      BindOptTime(s, 12, k.suspended_at);
      s.Bind(13, k.suspend_reason).Bind(14, k.replaced_by);
      if (s.Step() != SQLITE_DONE) return fail(LastError("save key"));
      auto entry = AppendAuditInTransaction(why);
      if (!entry) return fail(entry.error());
      out.push_back(std::move(*entry));
    }
    if (auto c = Exec("COMMIT"); !c) return fail(c.error());
    return out;
  }

  Result<std::optional<KeyRecord>> GetKey(std::string_view id) override {
    Statement s(db_, fmt::format("SELECT {} FROM api_keys WHERE id = ?1", kKeyColumns).c_str());
    if (!s.ok()) return Fail(LastError("prepare"));
    s.Bind(1, id);
    int rc = s.Step();
    if (rc == SQLITE_ROW) return std::optional<KeyRecord>(ReadKey(s));
    if (rc != SQLITE_DONE) return Fail(LastError("read key"));
    return std::optional<KeyRecord>();
  }

  Result<std::optional<KeyRecord>> FindKeyByHash(std::string_view hash) override {
    auto s = Prepare(find_key_,
                     "SELECT id, hash, hint, owner, client, scopes, plan, created_at, expires_at, "
                     "revoked_at, revoke_reason, suspended_at, suspend_reason, replaced_by "
                     "FROM api_keys WHERE hash = ?1");
    if (!s) return Fail(s.error());
    (*s)->Bind(1, hash);
    int rc = (*s)->Step();
    if (rc == SQLITE_ROW) {
      KeyRecord k = ReadKey(**s);
      (*s)->Reset();  // release the read snapshot (see GetState)
      if (!HashesEqual(k.hash, hash)) return std::optional<KeyRecord>();
      return std::optional<KeyRecord>(std::move(k));
    }
    if (rc != SQLITE_DONE) return Fail(LastError("find key"));
    return std::optional<KeyRecord>();
  }

  Result<std::vector<KeyRecord>> ListKeys() override {
    Statement s(db_, fmt::format("SELECT {} FROM api_keys ORDER BY created_at, id", kKeyColumns)
                         .c_str());
    if (!s.ok()) return Fail(LastError("prepare"));
    std::vector<KeyRecord> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadKey(s));
    if (rc != SQLITE_DONE) return Fail(LastError("list keys"));
    return out;
  }

  Result<std::int64_t> KeysGeneration() override {
    auto s = Prepare(generation_, "SELECT n FROM api_keys_generation WHERE id = 1");
    if (!s) return Fail(s.error());
    int rc = (*s)->Step();
    if (rc != SQLITE_ROW) return Fail(LastError("read keys generation"));
    std::int64_t n = (*s)->Int(0);
    (*s)->Reset();  // ends the read transaction so the next poll sees other writers
    return n;
  }

  // The id of `text` in usage_strings, inserting it when new. Inside the
  // caller's write transaction; ids it assigns go to `pending_strings_` and
  // join the cache only when that transaction commits.
  Result<std::int64_t> InternString(std::string_view text) {
    if (auto it = strings_.find(text); it != strings_.end()) return it->second;
    if (auto it = pending_strings_.find(text); it != pending_strings_.end()) return it->second;
    auto find = Prepare(find_string_, "SELECT id FROM usage_strings WHERE text = ?1");
    if (!find) return Fail(find.error());
    (*find)->Bind(1, text);
    std::int64_t id = 0;
    int rc = (*find)->Step();
    if (rc == SQLITE_ROW) {
      id = (*find)->Int(0);
    } else if (rc == SQLITE_DONE) {
      auto ins = Prepare(insert_string_, "INSERT INTO usage_strings (text) VALUES (?1)");
      if (!ins) return Fail(ins.error());
      (*ins)->Bind(1, text);
      if ((*ins)->Step() != SQLITE_DONE) return Fail(LastError("add usage string"));
      id = sqlite3_last_insert_rowid(db_);
    } else {
      return Fail(LastError("read usage string"));
    }
    (*find)->Reset();
    pending_strings_.emplace(std::string(text), id);
    return id;
  }

  // The text of a usage_strings id (cached; ids never change).
  Result<std::string_view> StringText(std::int64_t id) {
    if (auto it = texts_.find(id); it != texts_.end()) return std::string_view(it->second);
    auto s = Prepare(string_text_, "SELECT text FROM usage_strings WHERE id = ?1");
    if (!s) return Fail(s.error());
    (*s)->Bind(1, id);
    int rc = (*s)->Step();
    if (rc != SQLITE_ROW) {
      return Fail(rc == SQLITE_DONE ? Error::Store(fmt::format("{}: usage string {} is missing", path_, id))
                                    : LastError("read usage string"));
    }
    std::string text = (*s)->Text(0);
    (*s)->Reset();
    if (texts_.size() > kMaxCachedStrings) texts_.clear();
    return std::string_view(texts_.emplace(id, std::move(text)).first->second);
  }

  // Appends inside the caller's write transaction (see AppendUsage).
  Result<void> AppendUsageInTransaction(const std::vector<UsageEvent>& events) {
    auto next = Prepare(usage_seq_, "SELECT next FROM usage_seq WHERE id = 1");
    if (!next) return Fail(next.error());
    if ((*next)->Step() != SQLITE_ROW) return Fail(LastError("read usage sequence"));
    const std::int64_t first_seq = (*next)->Int(0);
    (*next)->Reset();

    std::vector<BlockEvent> rows;
    rows.reserve(events.size());
    std::int64_t seq = first_seq;
    // Consecutive events mostly share the method and source (and often the
    // key and user agent): remember the last string of each field.
    struct Last {
      std::string_view text;
      std::int64_t id = -1;
    };
    Last last[4];
    for (const UsageEvent& e : events) {
      BlockEvent row{0, e.at_ms, seq++, 0, 0, 0, &e};
      std::int64_t* fields[4] = {&row.key, &row.method, &row.user_agent, &row.source};
      const std::string* texts[4] = {&e.key_id, &e.method, &e.user_agent, &e.source};
      for (int f = 0; f < 4; ++f) {
        if (last[f].id >= 0 && last[f].text == *texts[f]) {
          *fields[f] = last[f].id;
          continue;
        }
        auto id = InternString(*texts[f]);
        if (!id) return Fail(id.error());
        *fields[f] = *id;
        last[f] = {*texts[f], *id};
      }
      rows.push_back(row);
    }
    std::sort(rows.begin(), rows.end(), [](const BlockEvent& a, const BlockEvent& b) {
      return std::tie(a.key, a.at_ms, a.seq) < std::tie(b.key, b.at_ms, b.seq);
    });
    auto s = Prepare(append_block_,
                     "INSERT INTO usage_blocks (key, first_ms, first_seq, last_ms, events, data) "
                     "VALUES (?1,?2,?3,?4,?5,?6)");
    if (!s) return Fail(s.error());
    std::string data;
    for (size_t i = 0; i < rows.size();) {
      // One block: the same key, fewer than kBlockEvents, spanning less than kBlockSpanMs.
      size_t j = i + 1;
      while (j < rows.size() && j - i < kBlockEvents && rows[j].key == rows[i].key &&
             rows[j].at_ms - rows[i].at_ms < kBlockSpanMs) {
        ++j;
      }
      EncodeBlock(rows.data() + i, rows.data() + j, &data);
      Statement& st = **s;
      st.Reset();
      st.Bind(1, rows[i].key).Bind(2, rows[i].at_ms).Bind(3, rows[i].seq).Bind(4, rows[j - 1].at_ms);
      st.Bind(5, static_cast<std::int64_t>(j - i)).BindBlob(6, data);
      if (st.Step() != SQLITE_DONE) return Fail(LastError("append usage"));
      i = j;
    }
    auto bump = Prepare(usage_seq_bump_, "UPDATE usage_seq SET next = ?1 WHERE id = 1");
    if (!bump) return Fail(bump.error());
    (*bump)->Bind(1, seq);
    if ((*bump)->Step() != SQLITE_DONE) return Fail(LastError("advance usage sequence"));
    return {};
  }

  Result<void> AppendUsage(const std::vector<UsageEvent>& events) override {
    if (events.empty()) return {};
    if (auto r = Exec("BEGIN IMMEDIATE"); !r) return r;
    pending_strings_.clear();
    auto r = AppendUsageInTransaction(events);
    if (r) r = Exec("COMMIT");
    if (!r) {
      (void)Exec("ROLLBACK");
      pending_strings_.clear();  // their ids were rolled back with the transaction
      return r;
    }
    // Strings never change id once committed, so the cache stays valid even
    // when other processes add more; it is bounded all the same.
    if (strings_.size() + pending_strings_.size() > kMaxCachedStrings) strings_.clear();
    strings_.merge(pending_strings_);
    pending_strings_.clear();
    return {};
  }

  // Migration 6's second half: key_usage's rows into blocks, in their
  // original order (rowid), inside the migration's transaction.
  Result<void> ConvertLegacyUsage() {
    Statement s(db_,
                "SELECT key_id, at_ms, ip, method, path, status, user_agent, source FROM key_usage "
                "ORDER BY rowid");
    if (!s.ok()) return Fail(LastError("prepare"));
    std::vector<UsageEvent> events;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      events.push_back({s.Text(0), s.Int(1), s.Text(2), s.Text(3), s.Text(4), static_cast<int>(s.Int(5)),
                        s.Text(6), s.Text(7)});
    }
    if (rc != SQLITE_DONE) return Fail(LastError("read key_usage"));
    s.Reset();
    if (events.empty()) return {};
    pending_strings_.clear();
    auto r = AppendUsageInTransaction(events);
    pending_strings_.clear();  // the cache fills again after the migration commits
    if (!r) return r;
    return Exec("DELETE FROM key_usage");
  }

  Result<void> BeginBulkUsage() override {
    // A bigger page cache keeps the B-tree pages a long ingest touches in
    // memory; checkpoints wait for EndBulkUsage, so the WAL is copied into
    // the database once instead of every 1000 pages.
    return Exec("PRAGMA cache_size = -16384; PRAGMA wal_autocheckpoint = 0;");
  }

  Result<void> EndBulkUsage() override {
    auto r = Exec("PRAGMA wal_autocheckpoint = 1000; PRAGMA cache_size = -2000;");
    if (!r) return r;
    // PASSIVE: never waits for (or blocks) readers; what it cannot copy now
    // the next automatic checkpoint does.
    return Exec("PRAGMA wal_checkpoint(PASSIVE);");
  }

  Result<std::vector<UsageEvent>> Usage(std::string_view key_id, std::int64_t from_ms,
                                        std::int64_t to_ms, std::int64_t limit) override {
    // Every block with an event in [from_ms, to_ms) starts after
    // from_ms - kBlockSpanMs: a bounded range of usage_blocks_by_key.
    Statement s(db_,
                "SELECT first_ms, first_seq, data FROM usage_blocks "
                "WHERE key = (SELECT id FROM usage_strings WHERE text = ?1) AND first_ms > ?2 "
                "AND first_ms < ?3 AND last_ms >= ?4");
    if (!s.ok()) return Fail(LastError("prepare"));
    const std::int64_t after = from_ms < INT64_MIN + kBlockSpanMs ? INT64_MIN : from_ms - kBlockSpanMs;
    s.Bind(1, key_id).Bind(2, after).Bind(3, to_ms).Bind(4, from_ms);
    std::vector<std::pair<std::int64_t, UsageEvent>> found;  // (seq, event)
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      auto blob = s.Blob(2);
      auto r = DecodeBlock(s.Int(0), s.Int(1), blob, key_id, from_ms, to_ms, &found);
      if (!r) return Fail(r.error());
    }
    if (rc != SQLITE_DONE) return Fail(LastError("read usage"));
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
      return std::tie(a.second.at_ms, a.first) < std::tie(b.second.at_ms, b.first);
    });
    if (limit >= 0 && static_cast<std::int64_t>(found.size()) > limit) found.resize(static_cast<size_t>(limit));
    std::vector<UsageEvent> out;
    out.reserve(found.size());
    for (auto& [seq, e] : found) out.push_back(std::move(e));
    return out;
  }

  Result<std::vector<std::pair<std::string, std::int64_t>>> LastUses() override {
    // A loose scan of usage_blocks_by_key: one seek per key that has usage; its last use is in
    // a block that starts within kBlockSpanMs of its latest block's start.
    Statement s(db_,
                fmt::format(
                    "WITH RECURSIVE k(key) AS ("
                    "SELECT (SELECT min(key) FROM usage_blocks) "
                    "UNION ALL SELECT (SELECT min(key) FROM usage_blocks WHERE key > k.key) FROM k "
                    "WHERE k.key IS NOT NULL) "
                    "SELECT s.text, (SELECT max(b.last_ms) FROM usage_blocks b WHERE b.key = k.key "
                    "AND b.first_ms > (SELECT first_ms FROM usage_blocks WHERE key = k.key "
                    "ORDER BY first_ms DESC LIMIT 1) - {}) "
                    "FROM k JOIN usage_strings s ON s.id = k.key ORDER BY s.text",
                    kBlockSpanMs)
                    .c_str());
    if (!s.ok()) return Fail(LastError("prepare"));
    std::vector<std::pair<std::string, std::int64_t>> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) out.emplace_back(s.Text(0), s.Int(1));
    if (rc != SQLITE_DONE) return Fail(LastError("read last uses"));
    return out;
  }

  // --- usage blocks: encoding ---
  // A block: one format byte, then per event (sorted by at_ms, seq) unsigned
  // varints of: at_ms - previous at_ms (the first against first_ms), the
  // zigzagged seq - previous seq (the first against first_seq), status,
  // method id, user agent id, source id, then ip and path as length-prefixed
  // bytes.
  struct BlockEvent {
    std::int64_t key, at_ms, seq, method, user_agent, source;
    const UsageEvent* event;
  };

  static void PutVarint(std::string* out, std::uint64_t v) {
    while (v >= 0x80) {
      out->push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out->push_back(static_cast<char>(v));
  }
  static std::uint64_t ZigZag(std::int64_t v) {
    return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
  }
  static std::int64_t UnZigZag(std::uint64_t v) {
    return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
  }

  static void EncodeBlock(const BlockEvent* begin, const BlockEvent* end, std::string* out) {
    out->clear();
    out->push_back(static_cast<char>(kBlockFormat));
    std::int64_t prev_ms = begin->at_ms, prev_seq = begin->seq;
    for (const BlockEvent* r = begin; r != end; ++r) {
      PutVarint(out, static_cast<std::uint64_t>(r->at_ms - prev_ms));
      PutVarint(out, ZigZag(r->seq - prev_seq));
      PutVarint(out, static_cast<std::uint64_t>(static_cast<std::uint32_t>(r->event->status)));
      PutVarint(out, static_cast<std::uint64_t>(r->method));
      PutVarint(out, static_cast<std::uint64_t>(r->user_agent));
      PutVarint(out, static_cast<std::uint64_t>(r->source));
      PutVarint(out, r->event->ip.size());
      out->append(r->event->ip);
      PutVarint(out, r->event->path.size());
      out->append(r->event->path);
      prev_ms = r->at_ms;
      prev_seq = r->seq;
    }
  }

  // Appends the block's events with from_ms <= at_ms < to_ms to `out`.
  Result<void> DecodeBlock(std::int64_t first_ms, std::int64_t first_seq, std::string_view data,
                           std::string_view key_id, std::int64_t from_ms, std::int64_t to_ms,
                           std::vector<std::pair<std::int64_t, UsageEvent>>* out) {
    auto corrupt = [&] {
      return Fail(Error::Store(fmt::format("{}: a usage block of {} at {} is corrupt", path_, key_id, first_ms)));
    };
    size_t i = 0;
    auto varint = [&](std::uint64_t* v) {
      std::uint64_t x = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (i >= data.size()) return false;
        auto b = static_cast<unsigned char>(data[i++]);
        x |= static_cast<std::uint64_t>(b & 0x7f) << shift;
        if (!(b & 0x80)) {
          *v = x;
          return true;
        }
      }
      return false;
    };
    auto bytes = [&](std::string_view* v) {
      std::uint64_t n = 0;
      if (!varint(&n) || n > data.size() - i) return false;
      *v = data.substr(i, n);
      i += n;
      return true;
    };
    if (data.empty() || static_cast<unsigned char>(data[0]) != kBlockFormat) return corrupt();
    i = 1;
    std::int64_t at_ms = first_ms, seq = first_seq;
    while (i < data.size()) {
      std::uint64_t dt, dseq, status, method, agent, source;
      std::string_view ip, path;
      if (!varint(&dt) || !varint(&dseq) || !varint(&status) || !varint(&method) || !varint(&agent) ||
          !varint(&source) || !bytes(&ip) || !bytes(&path)) {
        return corrupt();
      }
      at_ms += static_cast<std::int64_t>(dt);
      seq += UnZigZag(dseq);
      if (at_ms < from_ms || at_ms >= to_ms) continue;
      auto m = StringText(static_cast<std::int64_t>(method));
      if (!m) return Fail(m.error());
      auto a = StringText(static_cast<std::int64_t>(agent));
      if (!a) return Fail(a.error());
      auto src = StringText(static_cast<std::int64_t>(source));
      if (!src) return Fail(src.error());
      out->emplace_back(seq, UsageEvent{std::string(key_id), at_ms, std::string(ip), std::string(*m),
                                        std::string(path), static_cast<int>(static_cast<std::uint32_t>(status)),
                                        std::string(*a), std::string(*src)});
    }
    return {};
  }

  Result<AuditEntry> AppendAudit(const AuditEntry& entry) override {
    if (auto r = Exec("BEGIN IMMEDIATE"); !r) return Fail(r.error());
    auto e = AppendAuditInTransaction(entry);
    if (!e) {
      (void)Exec("ROLLBACK");
      return e;
    }
    if (auto c = Exec("COMMIT"); !c) {
      (void)Exec("ROLLBACK");
      return Fail(c.error());
    }
    return e;
  }

  Result<std::vector<AuditEntry>> AuditTrail() override {
    Statement s(db_,
                "SELECT seq, at, actor, action, key_id, detail, prev_hash, hash FROM audit_log "
                "ORDER BY seq");
    if (!s.ok()) return Fail(LastError("prepare"));
    std::vector<AuditEntry> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      out.push_back({s.Int(0), FromUnix(s.Int(1)), s.Text(2), s.Text(3), s.Text(4), s.Text(5),
                     s.Text(6), s.Text(7)});
    }
    if (rc != SQLITE_DONE) return Fail(LastError("read audit trail"));
    return out;
  }

  Result<std::optional<std::pair<std::int64_t, std::string>>> AuditHead() override {
    Statement s(db_, "SELECT seq, hash FROM audit_head WHERE id = 1");
    if (!s.ok()) return Fail(LastError("prepare"));
    int rc = s.Step();
    if (rc == SQLITE_ROW) {
      return std::optional<std::pair<std::int64_t, std::string>>(std::pair(s.Int(0), s.Text(1)));
    }
    if (rc != SQLITE_DONE) return Fail(LastError("read audit head"));
    return std::optional<std::pair<std::int64_t, std::string>>();
  }

  // --- incidents ---

  static constexpr const char* kIncidentColumns =
      "id, kind, subject, status, opened_at, opened_by, closed_at, closed_by, summary, params, next_step";

  static IncidentRecord ReadIncident(const Statement& s) {
    IncidentRecord r;
    r.id = s.Text(0);
    r.kind = s.Text(1);
    r.subject = s.Text(2);
    r.status = s.Text(3);
    r.opened_at = FromUnix(s.Int(4));
    r.opened_by = s.Text(5);
    r.closed_at = OptTime(s, 6);
    r.closed_by = s.Text(7);
    r.summary = s.Text(8);
    r.params = s.Text(9);
    r.next_step = s.Text(10);
    return r;
  }

  Result<void> SaveIncidentNoTransaction(const IncidentRecord& r) {
    Statement s(db_,
                "INSERT INTO incidents (id, kind, subject, status, opened_at, opened_by, closed_at, closed_by, "
                "summary, params, next_step) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11) "
                "ON CONFLICT(id) DO UPDATE SET kind=excluded.kind, subject=excluded.subject, "
                "status=excluded.status, opened_at=excluded.opened_at, opened_by=excluded.opened_by, "
                "closed_at=excluded.closed_at, closed_by=excluded.closed_by, summary=excluded.summary, "
                "params=excluded.params, next_step=excluded.next_step");
    if (!s.ok()) return Fail(LastError("prepare"));
    s.Bind(1, r.id).Bind(2, r.kind).Bind(3, r.subject).Bind(4, r.status).Bind(5, ToUnix(r.opened_at));
    s.Bind(6, r.opened_by);
    BindOptTime(s, 7, r.closed_at);
    s.Bind(8, r.closed_by).Bind(9, r.summary).Bind(10, r.params).Bind(11, r.next_step);
    if (s.Step() != SQLITE_DONE) return Fail(LastError("save incident"));
    return {};
  }

  Result<void> SaveIncident(const IncidentRecord& incident) override {
    return SaveIncidentNoTransaction(incident);
  }

  Result<std::optional<IncidentRecord>> GetIncident(std::string_view id) override {
    Statement s(db_, fmt::format("SELECT {} FROM incidents WHERE id = ?1", kIncidentColumns).c_str());
    if (!s.ok()) return Fail(LastError("prepare"));
    s.Bind(1, id);
    int rc = s.Step();
    if (rc == SQLITE_ROW) return std::optional<IncidentRecord>(ReadIncident(s));
    if (rc != SQLITE_DONE) return Fail(LastError("read incident"));
    return std::optional<IncidentRecord>();
  }

  Result<std::vector<IncidentRecord>> ListIncidents() override {
    Statement s(db_, fmt::format("SELECT {} FROM incidents ORDER BY opened_at, id", kIncidentColumns).c_str());
    if (!s.ok()) return Fail(LastError("prepare"));
    std::vector<IncidentRecord> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadIncident(s));
    if (rc != SQLITE_DONE) return Fail(LastError("list incidents"));
    return out;
  }

  Result<IncidentStep> RecordIncidentStep(const IncidentRecord& incident, const IncidentStep& step,
                                          const AuditEntry& why) override {
    if (auto r = Exec("BEGIN IMMEDIATE"); !r) return Fail(r.error());
    auto fail = [&](Error e) -> Result<IncidentStep> {
      (void)Exec("ROLLBACK");
      return Fail(std::move(e));
    };
    IncidentStep st = step;
    st.incident_id = incident.id;
    Statement last(db_, "SELECT coalesce(max(seq), 0) FROM incident_steps WHERE incident_id = ?1");
    if (!last.ok()) return fail(LastError("prepare"));
    last.Bind(1, incident.id);
    if (last.Step() != SQLITE_ROW) return fail(LastError("read incident steps"));
    st.seq = last.Int(0) + 1;
    Statement ins(db_,
                  "INSERT INTO incident_steps (incident_id, seq, name, status, at, actor, detail) "
                  "VALUES (?1,?2,?3,?4,?5,?6,?7)");
    if (!ins.ok()) return fail(LastError("prepare"));
    ins.Bind(1, st.incident_id).Bind(2, st.seq).Bind(3, st.name).Bind(4, st.status).Bind(5, ToUnix(st.at));
    ins.Bind(6, st.actor).Bind(7, st.detail);
    if (ins.Step() != SQLITE_DONE) return fail(LastError("append incident step"));
    if (auto e = AppendAuditInTransaction(why); !e) return fail(e.error());
    if (auto r = SaveIncidentNoTransaction(incident); !r) return fail(r.error());
    if (auto c = Exec("COMMIT"); !c) return fail(c.error());
    return st;
  }

  Result<std::vector<IncidentStep>> IncidentSteps(std::string_view incident_id) override {
    Statement s(db_,
                "SELECT incident_id, seq, name, status, at, actor, detail FROM incident_steps "
                "WHERE incident_id = ?1 ORDER BY seq");
    if (!s.ok()) return Fail(LastError("prepare"));
    s.Bind(1, incident_id);
    std::vector<IncidentStep> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      out.push_back({s.Text(0), s.Int(1), s.Text(2), s.Text(3), FromUnix(s.Int(4)), s.Text(5), s.Text(6)});
    }
    if (rc != SQLITE_DONE) return Fail(LastError("read incident steps"));
    return out;
  }

  // --- desk run history ---

  Result<std::vector<DeskRun>> Runs(std::string_view desk, std::int64_t limit) override {
    Statement s(db_,
                "SELECT desk, started_at, ok, duration_ms, checked, error FROM desk_runs "
                "WHERE desk = ?1 ORDER BY started_at DESC, rowid DESC LIMIT ?2");
    if (!s.ok()) return Fail(LastError("prepare"));
    s.Bind(1, desk).Bind(2, limit);
    std::vector<DeskRun> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      out.push_back({s.Text(0), FromUnix(s.Int(1)), s.Int(2) != 0, s.Int(3), s.Int(4), s.Text(5)});
    }
    if (rc != SQLITE_DONE) return Fail(LastError("read runs"));
    return out;
  }

  Result<std::vector<DeskRunTotals>> RunTotals() override {
    Statement s(db_,
                "SELECT desk, count(*), coalesce(sum(ok = 0), 0) FROM desk_runs GROUP BY desk "
                "ORDER BY desk");
    if (!s.ok()) return Fail(LastError("prepare"));
    std::vector<DeskRunTotals> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) out.push_back({s.Text(0), s.Int(1), s.Int(2)});
    if (rc != SQLITE_DONE) return Fail(LastError("read run totals"));
    return out;
  }

  Result<std::vector<CheckDay>> DailyChecks(std::string_view desk, std::string_view subject,
                                            TimePoint since) override {
    auto s = Prepare(daily_checks_,
                     "SELECT at - (at % 86400) AS d, count(*), coalesce(sum(ok), 0) FROM checks "
                     "WHERE desk = ?1 AND subject = ?2 AND at >= ?3 GROUP BY d ORDER BY d");
    if (!s) return Fail(s.error());
    (*s)->Bind(1, desk).Bind(2, subject).Bind(3, ToUnix(since));
    std::vector<CheckDay> out;
    int rc;
    while ((rc = (*s)->Step()) == SQLITE_ROW) {
      out.push_back({FromUnix((*s)->Int(0)), (*s)->Int(1), (*s)->Int(2)});
    }
    if (rc != SQLITE_DONE) return Fail(LastError("count checks per day"));
    return out;
  }

  // --- dashboard accounts, sessions, acknowledgements ---

  Result<void> SaveUser(const UserRecord& u) override {
    if (auto r = Exec("BEGIN IMMEDIATE"); !r) return r;
    auto saved = SaveUserInTransaction(u);
    if (!saved) {
      (void)Exec("ROLLBACK");
      return saved;
    }
    return Exec("COMMIT");
  }

  Result<void> SaveUserInTransaction(const UserRecord& u) {
    Statement end(db_,
                  "DELETE FROM sessions WHERE user = ?1 AND EXISTS (SELECT 1 FROM users "
                  "WHERE name = ?1 AND password_hash != ?2)");
    if (!end.ok()) return Fail(LastError("prepare"));
    end.Bind(1, u.name).Bind(2, u.password_hash);
    if (end.Step() != SQLITE_DONE) return Fail(LastError("end sessions"));
    Statement s(db_,
                "INSERT INTO users (name, role, password_hash, created_at) VALUES (?1,?2,?3,?4) "
                "ON CONFLICT(name) DO UPDATE SET role = excluded.role, "
                "password_hash = excluded.password_hash");
    if (!s.ok()) return Fail(LastError("prepare"));
    s.Bind(1, u.name).Bind(2, u.role).Bind(3, u.password_hash).Bind(4, ToUnix(u.created_at));
    if (s.Step() != SQLITE_DONE) return Fail(LastError("save user"));
    return {};
  }

  Result<std::optional<UserRecord>> GetUser(std::string_view name) override {
    Statement s(db_, "SELECT name, role, password_hash, created_at FROM users WHERE name = ?1");
    if (!s.ok()) return Fail(LastError("prepare"));
    s.Bind(1, name);
    int rc = s.Step();
    if (rc == SQLITE_ROW) {
      return std::optional<UserRecord>(UserRecord{s.Text(0), s.Text(1), s.Text(2), FromUnix(s.Int(3))});
    }
    if (rc != SQLITE_DONE) return Fail(LastError("read user"));
    return std::optional<UserRecord>();
  }

  Result<std::vector<UserRecord>> ListUsers() override {
    Statement s(db_, "SELECT name, role, password_hash, created_at FROM users ORDER BY name");
    if (!s.ok()) return Fail(LastError("prepare"));
    std::vector<UserRecord> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      out.push_back({s.Text(0), s.Text(1), s.Text(2), FromUnix(s.Int(3))});
    }
    if (rc != SQLITE_DONE) return Fail(LastError("list users"));
    return out;
  }

  Result<void> SaveSession(const SessionRecord& r) override {
    Statement s(db_,
                "INSERT OR REPLACE INTO sessions (token_hash, user, csrf, created_at, expires_at) "
                "VALUES (?1,?2,?3,?4,?5)");
    if (!s.ok()) return Fail(LastError("prepare"));
    s.Bind(1, r.token_hash).Bind(2, r.user).Bind(3, r.csrf).Bind(4, ToUnix(r.created_at));
    s.Bind(5, ToUnix(r.expires_at));
    if (s.Step() != SQLITE_DONE) return Fail(LastError("save session"));
    return {};
  }

  Result<std::optional<SessionRecord>> GetSession(std::string_view token_hash,
                                                  TimePoint now) override {
    Statement s(db_,
                "SELECT token_hash, user, csrf, created_at, expires_at FROM sessions "
                "WHERE token_hash = ?1 AND expires_at > ?2");
    if (!s.ok()) return Fail(LastError("prepare"));
    s.Bind(1, token_hash).Bind(2, ToUnix(now));
    int rc = s.Step();
    if (rc == SQLITE_ROW) {
      return std::optional<SessionRecord>(
          SessionRecord{s.Text(0), s.Text(1), s.Text(2), FromUnix(s.Int(3)), FromUnix(s.Int(4))});
    }
    if (rc != SQLITE_DONE) return Fail(LastError("read session"));
    return std::optional<SessionRecord>();
  }

  Result<void> DeleteSession(std::string_view token_hash) override {
    Statement s(db_, "DELETE FROM sessions WHERE token_hash = ?1");
    if (!s.ok()) return Fail(LastError("prepare"));
    s.Bind(1, token_hash);
    if (s.Step() != SQLITE_DONE) return Fail(LastError("delete session"));
    return {};
  }

  Result<void> SaveAcknowledgement(const Acknowledgement& a) override {
    Statement s(db_,
                "INSERT OR REPLACE INTO acknowledgements (finding_id, note, by, at, expires_at) "
                "VALUES (?1,?2,?3,?4,?5)");
    if (!s.ok()) return Fail(LastError("prepare"));
    s.Bind(1, a.finding_id).Bind(2, a.note).Bind(3, a.by).Bind(4, ToUnix(a.at));
    s.Bind(5, ToUnix(a.expires_at));
    if (s.Step() != SQLITE_DONE) return Fail(LastError("save acknowledgement"));
    return {};
  }

  Result<std::vector<Acknowledgement>> Acknowledgements(TimePoint now) override {
    Statement s(db_,
                "SELECT finding_id, note, by, at, expires_at FROM acknowledgements "
                "WHERE expires_at > ?1 ORDER BY finding_id");
    if (!s.ok()) return Fail(LastError("prepare"));
    s.Bind(1, ToUnix(now));
    std::vector<Acknowledgement> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      out.push_back({s.Text(0), s.Text(1), s.Text(2), FromUnix(s.Int(3)), FromUnix(s.Int(4))});
    }
    if (rc != SQLITE_DONE) return Fail(LastError("read acknowledgements"));
    return out;
  }

 private:
  sqlite3* db_;
  std::string path_;
  std::unique_ptr<Statement> open_findings_, upsert_, resolve_, resolved_, append_check_, checks_,
      summarize_, get_state_, put_state_, find_key_, generation_, append_usage_, daily_checks_,
      find_string_, insert_string_, string_text_, usage_seq_, usage_seq_bump_, append_block_;
  static constexpr int kBlocksMigration = 6;
  static constexpr unsigned char kBlockFormat = 1;
  static constexpr size_t kBlockEvents = 2048;
  // Never raise: Usage and LastUses rely on every stored block spanning less.
  static constexpr std::int64_t kBlockSpanMs = 3'600'000;
  std::unordered_map<std::int64_t, std::string> texts_;
  // usage_strings ids by text (committed ones, and this transaction's).
  static constexpr size_t kMaxCachedStrings = 1 << 20;
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using StringIds = std::unordered_map<std::string, std::int64_t, StringHash, std::equal_to<>>;
  StringIds strings_, pending_strings_;
};

}  // namespace

int StoreSchemaVersion() { return static_cast<int>(std::size(kMigrations)); }

std::string_view StoreMigrationSql(int version) {
  if (version < 1 || version > StoreSchemaVersion()) return {};
  return kMigrations[version - 1];
}

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::filesystem::path& path) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) {
    return Fail(Error::Io(fmt::format("{}: cannot create the store's folder: {}", path.string(),
                                      ec.message())));
  }
  // No memory statistics: they take a global mutex on every allocation,
  // which a bulk ingest does millions of times. Only effective before
  // SQLite's first use; later calls fail harmlessly.
  static std::once_flag configured;
  std::call_once(configured, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  sqlite3* db = nullptr;
  // NOMUTEX: a Store is used from one thread at a time (store.h), so the
  // connection needs no lock of its own around every call.
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return Fail(Error::Store(fmt::format("{}: cannot open the store: {}", path.string(), msg)));
  }
  sqlite3_busy_timeout(db, 5000);
  auto store = std::make_unique<SqliteStore>(db, path.string());
  // journal_mode answers with a row; a file that is not a database fails here.
  if (auto r = store->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                           "PRAGMA foreign_keys=ON;");
      !r) {
    return Fail(Error::Store(fmt::format("{} (is it a ctodesk store?)", r.error().message)));
  }
  if (auto r = store->Migrate(); !r) return Fail(r.error());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace ctodesk
