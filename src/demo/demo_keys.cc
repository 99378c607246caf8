#include "demo/demo_keys.h"

#include <fstream>
#include <random>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "desks/keys/registry.h"
#include "store/store.h"

namespace ctodesk {

namespace {

std::string NginxTime(std::int64_t unix_seconds) {
  return fmt::format("{:%d/%b/%Y:%H:%M:%S} +0000", FromUnix(unix_seconds));
}

std::string Line(const std::string& ip, std::int64_t at, const std::string& path, int status,
                 const std::string& agent, const std::string& key_id) {
  return fmt::format("{} - - [{}] \"GET {} HTTP/1.1\" {} {} \"-\" \"{}\" \"{}\"\n", ip, NginxTime(at),
                     path, status, 200 + path.size() * 13, agent, key_id);
}

}  // namespace

Result<std::string> WriteDemoKeys(const std::filesystem::path& dir, TimePoint now, std::string* leaked_key) {
  auto store = OpenSqliteStore(dir / ".ctodesk" / "desk.db");
  if (!store) return Fail(store.error());
  struct Holder {
    const char* owner;
    const char* client;
    const char* plan;
    int age_days;
    int lifetime_days;  // 0: no expiry
  };
  const Holder holders[] = {
      {"mobile-team", "Acme iOS app", "standard", 200, 0},
      {"j.smith", "Globex Logistics", "partner", 120, 365},
      {"data-team", "Initech Analytics", "standard", 60, 365},
      {"m.chen", "Hooli Freight", "standard", 84, 90},  // expires in 6 days
      {"legacy-reports", "", "standard", 400, 0},        // nobody has used it since
  };
  std::vector<std::string> ids;
  for (const Holder& h : holders) {
    keys::IssueRequest r;
    r.prefix = "acme";
    r.owner = h.owner;
    r.client = h.client;
    r.plan = h.plan;
    r.scopes = {"read:customers", "read:orders"};
    if (h.lifetime_days) r.expires_in = std::chrono::days(h.lifetime_days);
    r.actor = "demo";
    auto k = keys::IssueKey(**store, r, now - std::chrono::days(h.age_days));
    if (!k) return Fail(k.error());
    ids.push_back(k->record.id);  // the plain key is dropped here, unseen...
    if (std::string(h.client) == "Globex Logistics" && leaked_key) *leaked_key = k->plain_key;  // ...but this one leaks
  }

  // Two days of ordinary traffic, then Initech's walk through the customers
  // yesterday afternoon. Fixed seed: the same log every run.
  std::mt19937 rng(20261127);
  struct Line_ {
    std::int64_t at;
    std::string text;
  };
  std::vector<Line_> lines;
  const std::int64_t end = ToUnix(now) - 3600;
  const std::int64_t start = end - 2 * 86400;
  const char* agents[] = {"AcmeApp/4.2 (iOS 17)", "globex-sync/1.8", "python-requests/2.31", "okhttp/4.12"};
  const char* ips[] = {"198.51.100.23", "203.0.113.40", "192.0.2.77", "198.51.100.90"};
  for (int k = 0; k < 4; ++k) {
    for (int i = 0; i < 400; ++i) {
      std::int64_t at = start + static_cast<std::int64_t>(rng() % (end - start));
      std::string path = rng() % 3 == 0 ? fmt::format("/orders/{}", 50000 + rng() % 9000)
                                        : fmt::format("/customers/{}", 10000 + rng() % 4000);
      int status = rng() % 50 == 0 ? 404 : 200;
      lines.push_back({at, Line(ips[k], at, path, status, agents[k], ids[static_cast<size_t>(k)])});
    }
  }
  // Globex's own sync before the leak: its known source (IP and user agent).
  for (int i = 0; i < 240; ++i) {
    std::int64_t at = end - 10 * 86400 + i * 1800;
    if (at >= start) break;
    lines.push_back({at, Line(ips[1], at, fmt::format("/orders/{}", 50000 + rng() % 9000), 200, agents[1], ids[1])});
  }
  const std::int64_t walk = end - 86400 - 5 * 3600;  // yesterday, five hours before the briefing
  for (int i = 0; i < 400; ++i) {
    std::int64_t at = walk + i * 2;
    lines.push_back({at, Line("203.0.113.66", at, fmt::format("/customers/{}", 10001 + i), 200,
                              "python-requests/2.31", ids[2])});
  }
  std::stable_sort(lines.begin(), lines.end(), [](const Line_& a, const Line_& b) { return a.at < b.at; });
  std::filesystem::create_directories(dir / "logs");
  std::ofstream out(dir / "logs" / "gateway-access.log", std::ios::binary | std::ios::trunc);
  for (const Line_& l : lines) out << l.text;
  if (!out) return Fail(Error::Io(fmt::format("{}: cannot write", (dir / "logs").string())));

  return std::string(R"toml(
# API keys: the registry lives in the store (hashes only); the gateway's
# access log is ingested each run and checked against each plan's limits.
[keys]
prefix = "acme"
objects = ["/customers/{id}", "/orders/{id}"]
access_logs = ["logs/gateway-access.log"]

[[keys.plans]]
name = "standard"
rate_per_minute = 600
distinct_objects_per_hour = 300
sequential_walk = 50
volume_factor = 5

[[keys.plans]]
name = "partner"
rate_per_minute = 1200
distinct_objects_per_hour = 2000
sequential_walk = 200
)toml");
}

}  // namespace ctodesk
