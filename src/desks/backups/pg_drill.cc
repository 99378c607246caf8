#include "desks/backups/pg_drill.h"

#include <unistd.h>

#include <array>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "desks/backups/command.h"

namespace ctodesk::backups {

namespace {

// libpq keywords a drill may use, and their environment variables.
const std::map<std::string_view, std::string_view>& Keywords() {
  static const std::map<std::string_view, std::string_view> k = {
      {"host", "PGHOST"},         {"hostaddr", "PGHOSTADDR"},
      {"port", "PGPORT"},         {"user", "PGUSER"},
      {"password", "PGPASSWORD"}, {"passfile", "PGPASSFILE"},
      {"sslmode", "PGSSLMODE"},   {"sslrootcert", "PGSSLROOTCERT"},
      {"sslcert", "PGSSLCERT"},   {"sslkey", "PGSSLKEY"},
      {"connect_timeout", "PGCONNECT_TIMEOUT"},
  };
  return k;
}

std::vector<std::pair<std::string, std::string>> Split(std::string_view conninfo) {
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream in{std::string(conninfo)};
  std::string word;
  while (in >> word) {
    auto eq = word.find('=');
    if (eq == std::string::npos) {
      out.emplace_back(word, "");
    } else {
      out.emplace_back(word.substr(0, eq), word.substr(eq + 1));
    }
  }
  return out;
}

std::string Format(const std::filesystem::path& dump) {
  std::ifstream in(dump, std::ios::binary);
  std::array<char, 512> head{};
  in.read(head.data(), head.size());
  const auto n = in.gcount();
  if (n >= 5 && std::string_view(head.data(), 5) == "PGDMP") return "custom";
  if (n >= 262 && std::string_view(head.data() + 257, 5) == "ustar") return "tar";
  return "plain";
}

CommandResult Run(const std::string& command, std::string_view conninfo, std::string_view database,
                  const std::filesystem::path& file, Duration timeout) {
  CommandSpec spec{command, file, "", timeout};
  spec.env = PgEnvironment(conninfo, database);
  return RunCommand(spec);
}

}  // namespace

std::string PgConninfoProblem(std::string_view conninfo) {
  if (conninfo.find("://") != std::string_view::npos) {
    return "use the keyword=value form (\"host=127.0.0.1 port=5432 user=drill\"), not a URI";
  }
  if (conninfo.find_first_of("'\"\\") != std::string_view::npos) {
    return "quotes and backslashes are not supported; put a password in a passfile";
  }
  auto words = Split(conninfo);
  if (words.empty()) return "expected keyword=value pairs such as \"host=127.0.0.1 port=5432 user=drill\"";
  for (const auto& [key, value] : words) {
    if (key == "dbname") return "leave out dbname: the drill creates and drops its own scratch database";
    if (!Keywords().contains(key)) {
      std::string known;
      for (const auto& [k, _] : Keywords()) known += (known.empty() ? "" : ", ") + std::string(k);
      return fmt::format("unknown keyword \"{}\" (expected among {})", key, known);
    }
    if (value.empty()) return fmt::format("\"{}\" has no value (expected {}=...)", key, key);
  }
  return "";
}

std::vector<std::string> PgEnvironment(std::string_view conninfo, std::string_view database) {
  std::vector<std::string> env;
  for (const auto& [key, value] : Split(conninfo)) {
    auto it = Keywords().find(key);
    if (it != Keywords().end()) env.push_back(fmt::format("{}={}", it->second, value));
  }
  if (!database.empty()) env.push_back(fmt::format("PGDATABASE={}", database));
  return env;
}

std::string ScratchDatabaseName(TimePoint now) {
  return fmt::format("ctodesk_drill_{}_{}", ToUnix(now), ::getpid());
}

Result<PgRestore> RestoreIntoScratchDatabase(const std::filesystem::path& dump, std::string_view conninfo,
                                             const std::string& database, Duration timeout) {
  PgRestore r;
  r.database = database;
  r.format = Format(dump);
  const auto started = std::chrono::steady_clock::now();
  const std::string db = ShellQuote(database);
  CommandResult created = Run("createdb -- " + db, conninfo, "", dump, timeout);
  if (!created.ok) {
    return Fail(Error::Io(fmt::format("cannot create the scratch database {}: createdb {}", database,
                                      created.error)));
  }
  const std::string restore =
      r.format == "plain"
          ? "psql -X -q -v ON_ERROR_STOP=1 --dbname=" + db + " -f {file} >/dev/null"
          : "pg_restore --no-owner --no-privileges --exit-on-error --dbname=" + db + " {file}";
  CommandResult restored = Run(restore, conninfo, database, dump, timeout);
  if (!restored.ok) {
    auto dropped = DropScratchDatabase(conninfo, database, timeout);
    return Fail(Error::Invalid(fmt::format("{} failed restoring {} into {}: {}{}",
                                           r.format == "plain" ? "psql" : "pg_restore",
                                           dump.filename().string(), database, restored.error,
                                           dropped ? "" : "; " + dropped.error().message)));
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return r;
}

Result<void> DropScratchDatabase(std::string_view conninfo, const std::string& database, Duration timeout) {
  CommandResult dropped = Run("dropdb --if-exists -- " + ShellQuote(database), conninfo, "", {}, timeout);
  if (!dropped.ok) {
    return Fail(Error::Io(fmt::format("cannot drop the scratch database {}: dropdb {}", database,
                                      dropped.error)));
  }
  return {};
}

}  // namespace ctodesk::backups
