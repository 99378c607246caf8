#include "demo/demo_backups.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <random>
#include <vector>

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include "desks/backups/backups.h"

namespace ctodesk {

namespace {

namespace fs = std::filesystem;

std::string Bytes(size_t n, std::mt19937& rng) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

std::string Day(TimePoint t) { return FormatTime(t).substr(0, 10); }

Result<void> SetMtime(const fs::path& p, TimePoint t) {
  timespec times[2] = {{ToUnix(t), 0}, {ToUnix(t), 0}};
  if (::utimensat(AT_FDCWD, p.c_str(), times, 0) != 0) {
    return Fail(Error::Io(fmt::format("{}: cannot set its time", p.string())));
  }
  return {};
}

Result<void> WriteText(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) return Fail(Error::Io(fmt::format("{}: cannot write", p.string())));
  return {};
}

// A tar archive of `files` (name, contents), compressed with `filter`.
Result<void> WriteTar(const fs::path& p, int filter,
                      const std::vector<std::pair<std::string, std::string>>& files, TimePoint t) {
  std::unique_ptr<archive, decltype(&archive_write_free)> a(archive_write_new(), &archive_write_free);
  archive_write_set_format_pax_restricted(a.get());
  if (archive_write_add_filter(a.get(), filter) != ARCHIVE_OK ||
      archive_write_open_filename(a.get(), p.c_str()) != ARCHIVE_OK) {
    return Fail(Error::Io(fmt::format("{}: {}", p.string(), archive_error_string(a.get()))));
  }
  for (const auto& [name, data] : files) {
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> e(archive_entry_new(), &archive_entry_free);
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0644);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(data.size()));
    archive_entry_set_mtime(e.get(), ToUnix(t), 0);
    archive_write_header(a.get(), e.get());
    archive_write_data(a.get(), data.data(), data.size());
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) {
    return Fail(Error::Io(fmt::format("{}: {}", p.string(), archive_error_string(a.get()))));
  }
  return SetMtime(p, t);
}

std::string Sha256Of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::string PgDump(int orders, std::mt19937& rng) {
  std::string s =
      "--\n-- PostgreSQL database dump\n--\n\nSET statement_timeout = 0;\n"
      "CREATE TABLE public.orders (id bigint, customer text, total numeric);\n"
      "COPY public.orders (id, customer, total) FROM stdin;\n";
  for (int i = 0; i < orders; ++i) {
    s += fmt::format("{}\tcustomer-{:06}\t{}.{:02}\n", i + 1, rng() % 100000, rng() % 900 + 10, rng() % 100);
  }
  s += "\\.\n\n--\n-- PostgreSQL database dump complete\n--\n\n";
  return s;
}

Result<void> WriteSqlite(const fs::path& p, int rows, TimePoint t) {
  std::error_code ec;
  fs::remove(p, ec);
  sqlite3* db = nullptr;
  if (sqlite3_open(p.c_str(), &db) != SQLITE_OK) {
    sqlite3_close(db);
    return Fail(Error::Io(fmt::format("{}: cannot create", p.string())));
  }
  std::string sql = "BEGIN; CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT, email TEXT);"
                    "CREATE TABLE deals (id INTEGER PRIMARY KEY, contact INTEGER, stage TEXT);";
  for (int i = 0; i < rows; ++i) {
    sql += fmt::format("INSERT INTO contacts VALUES ({0}, 'Contact {0}', 'c{0}@example.com');", i + 1);
    if (i % 3 == 0) sql += fmt::format("INSERT INTO deals VALUES ({0}, {0}, 'open');", i + 1);
  }
  sql += "COMMIT;";
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  sqlite3_close(db);
  if (rc != SQLITE_OK) return Fail(Error::Io(fmt::format("{}: cannot fill", p.string())));
  return SetMtime(p, t);
}

}  // namespace

Result<std::string> WriteDemoBackups(const fs::path& dir, TimePoint now) {
  using std::chrono::days;
  using std::chrono::hours;
  std::mt19937 rng(20261127);
  const fs::path root = dir / "backups";
  std::error_code ec;
  fs::remove_all(root, ec);
  for (const char* sub : {"app-files", "wiki", "uploads", "orders-db", "crm"}) {
    fs::create_directories(root / sub, ec);
    if (ec) return Fail(Error::Io(fmt::format("{}: cannot create: {}", (root / sub).string(), ec.message())));
  }
  // Nightly jobs ran at about 02:00 today; the demo's "now" is later than that.
  const TimePoint last_night = now - hours(6);

  for (int k = 7; k >= 0; --k) {  // healthy: 8 days, each with its manifest
    TimePoint t = last_night - days(k);
    fs::path p = root / "app-files" / fmt::format("app-files-{}.tar.gz", Day(t));
    auto r = WriteTar(p, ARCHIVE_FILTER_GZIP,
                      {{"srv/app/config.yml", "listen: 8080\nworkers: 4\n"},
                       {"srv/app/static/bundle.js", Bytes(180000 + 1000 * static_cast<size_t>(k), rng)}},
                      t);
    if (!r) return Fail(r.error());
    fs::path manifest = p;
    manifest += ".sha256";
    if (auto w = WriteText(manifest, fmt::format("{}  {}\n", Sha256Of(p), p.filename().string())); !w) {
      return Fail(w.error());
    }
    if (auto m = SetMtime(manifest, t); !m) return Fail(m.error());
  }
  for (int k = 4; k >= 0; --k) {  // stale: stopped 3 days ago
    TimePoint t = last_night - days(3 + k);
    fs::path p = root / "wiki" / fmt::format("wiki-{}.tar.zst", Day(t));
    auto r = WriteTar(p, ARCHIVE_FILTER_ZSTD, {{"wiki/pages.json", Bytes(150000, rng)}}, t);
    if (!r) return Fail(r.error());
  }
  for (int k = 3; k >= 0; --k) {  // corrupt: the newest was cut short
    TimePoint t = last_night - days(k);
    fs::path p = root / "uploads" / fmt::format("uploads-{}.tar.gz", Day(t));
    auto r = WriteTar(p, ARCHIVE_FILTER_GZIP,
                      {{"uploads/invoices/2026-11.pdf", Bytes(120000, rng)},
                       {"uploads/avatars/team.png", Bytes(90000, rng)}},
                      t);
    if (!r) return Fail(r.error());
    if (k == 0) {
      fs::resize_file(p, fs::file_size(p) * 3 / 5, ec);
      if (ec) return Fail(Error::Io(fmt::format("{}: {}", p.string(), ec.message())));
      if (auto m = SetMtime(p, t); !m) return Fail(m.error());
    }
  }
  for (int k = 6; k >= 0; --k) {  // shrank: the newest dump holds a fraction of the orders
    TimePoint t = last_night - days(k);
    fs::path p = root / "orders-db" / fmt::format("orders-{}.sql", Day(t));
    if (auto w = WriteText(p, PgDump(k == 0 ? 300 : 9000 + 50 * (6 - k), rng)); !w) return Fail(w.error());
    if (auto m = SetMtime(p, t); !m) return Fail(m.error());
  }
  for (int k = 2; k >= 0; --k) {  // SQLite copies
    TimePoint t = last_night - days(k);
    auto r = WriteSqlite(root / "crm" / fmt::format("crm-{}.sqlite", Day(t)), 1500 + 20 * (2 - k), t);
    if (!r) return Fail(r.error());
  }

  return std::string(R"toml(
[backups]

[[backups.systems]]
name = "app-files"
path = "backups/app-files"
glob = "*.tar.gz"
cadence = "24h"
grace = "6h"
min_size = "100kB"
retention = 7
verify = ["archive", "checksums"]
drill_check = "test -s srv/app/config.yml"

[[backups.systems]]
name = "wiki"
path = "backups/wiki"
glob = "*.tar.zst"
cadence = "0 2 * * *"
grace = "4h"
verify = ["archive"]

[[backups.systems]]
name = "uploads"
path = "backups/uploads"
glob = "*.tar.gz"
cadence = "24h"
verify = ["archive"]

[[backups.systems]]
name = "orders-db"
path = "backups/orders-db"
glob = "orders-*.sql"
cadence = "24h"
verify = ["pg_dump"]

[[backups.systems]]
name = "crm"
path = "backups/crm"
glob = "*.sqlite"
cadence = "24h"
verify = ["sqlite"]
drill_check = "ls *.sqlite"
)toml");
}

Result<void> RunDemoDrills(std::vector<ConfiguredDesk>& desks, Store& store, TimePoint at) {
  for (ConfiguredDesk& d : desks) {
    if (d.name != "backups") continue;
    auto* desk = static_cast<backups::BackupsDesk*>(d.desk.get());
    FixedClock clock(at);
    DeskContext ctx{store, clock, {}};
    for (const char* name : {"app-files", "crm"}) {
      backups::DrillOptions options;
      options.progress = false;
      auto drill = desk->Drill(ctx, name, options);
      if (!drill) return Fail(drill.error());
      if (!drill->ok) return Fail(Error::Internal(fmt::format("demo drill of {} failed: {}", name, drill->error)));
    }
  }
  return {};
}

}  // namespace ctodesk
