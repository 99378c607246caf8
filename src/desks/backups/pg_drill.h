// Restore drills of PostgreSQL dumps into a scratch database. The drill never
// touches an existing database: it creates a fresh one with a name of its own
// ("ctodesk_drill_<time>_<pid>"), restores the dump into it (custom and tar
// formats with pg_restore, plain SQL with psql, both stopping at the first
// error), lets the user's drill_check query it, and drops it afterwards.
//
// The server is named by `drill_postgres`, a libpq keyword=value string
// without dbname ("host=127.0.0.1 port=5432 user=drill passfile=/etc/ctodesk/pgpass").
// Its keywords are passed to the PostgreSQL client programs as PG* environment
// variables (PGHOST, PGPORT, ...), never on a command line, so a password
// does not show in `ps`. Needs the client programs (Debian: postgresql-client).
//
// Thread-safe: no shared state.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"

namespace ctodesk::backups {

// Checks a drill_postgres value; returns why it cannot be used, or "".
std::string PgConninfoProblem(std::string_view conninfo);

// The PG* environment ("PGHOST=...") for `conninfo`, and PGDATABASE=`database`
// when it is not empty.
std::vector<std::string> PgEnvironment(std::string_view conninfo, std::string_view database);

// A new scratch database name, unique to this process and moment.
std::string ScratchDatabaseName(TimePoint now);

struct PgRestore {
  std::string database;      // the scratch database restored into
  std::string format;        // "custom", "tar" or "plain"
  double seconds = 0;        // time to create and restore
};

// Creates `database` on the server and restores `dump` into it. On failure
// the error names the step and the client's last line; the scratch database
// is dropped again unless it was never created.
Result<PgRestore> RestoreIntoScratchDatabase(const std::filesystem::path& dump, std::string_view conninfo,
                                             const std::string& database, Duration timeout);

// Drops `database` (IF EXISTS).
Result<void> DropScratchDatabase(std::string_view conninfo, const std::string& database, Duration timeout);

}  // namespace ctodesk::backups
