#include "demo/demo.h"
#include "demo/demo_backups.h"
#include "demo/demo_knowledge.h"
#include "demo/demo_keys.h"
#include "demo/demo_leaks.h"
#include "demo/demo_planning.h"
#include "demo/demo_radar.h"
#include "demo/demo_suppliers.h"

#include <fstream>

#include <fmt/format.h>

namespace ctodesk {

namespace {

constexpr const char* kMarker = ".ctodesk-demo";

Result<void> WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) return Fail(Error::Io(fmt::format("{}: cannot write", path.string())));
  return {};
}

Route Website(bool up) {
  return up ? Route{"/", 200, "<html><body>Acme Parcels: ship anything, anywhere.</body></html>",
                    "text/html"}
            : Route{"/", 502, "Bad Gateway", "text/plain"};
}

}  // namespace

Result<std::unique_ptr<DemoCompany>> DemoCompany::Create(const std::filesystem::path& dir,
                                                         TimePoint now) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec) && !std::filesystem::is_empty(dir, ec) &&
      !std::filesystem::exists(dir / kMarker, ec)) {
    return Fail(Error::Invalid(fmt::format(
        "{}: folder exists and is not a ctodesk demo; choose another folder (`ctodesk demo DIR`)",
        dir.string())));
  }
  std::filesystem::remove_all(dir / ".ctodesk", ec);
  std::filesystem::create_directories(dir, ec);
  if (ec) return Fail(Error::Io(fmt::format("{}: cannot create: {}", dir.string(), ec.message())));

  std::unique_ptr<DemoCompany> demo(new DemoCompany());
  demo->dir_ = dir;

  // The customer portal's certificate was issued 85 days ago and lapses in 5.
  auto identity = MakeSelfSignedIdentity(now - std::chrono::days(85), now + std::chrono::days(5));
  if (!identity) return Fail(identity.error());

  auto web = LoopbackServer::Start({
      Website(true),
      {"/hooks/chat", 200, "ok"},  // the team chat's webhook: incidents are posted here
      {"/api/health", 200, R"({"status":"ok","database":"ok","queue":"ok"})", "application/json"},
      {"/api/search", 200, R"({"results":[]})", "application/json", std::chrono::milliseconds(1200)},
      {"/api/billing/health", 503, R"({"status":"down","error":"payment provider timeout"})",
       "application/json"},
  });
  if (!web) return Fail(web.error());
  auto portal = LoopbackServer::Start({{"/", 200, "customer portal", "text/html"}}, &*identity);
  if (!portal) return Fail(portal.error());
  demo->web_ = std::move(*web);
  demo->portal_ = std::move(*portal);

  if (auto r = WriteFile(dir / "certs" / "portal-ca.pem", identity->cert_pem); !r) return Fail(r.error());
  if (auto r = WriteFile(dir / kMarker, "created by `ctodesk demo`; safe to delete\n"); !r) {
    return Fail(r.error());
  }

  std::string config = fmt::format(R"toml(# Acme Parcels — the ctodesk demo company.
# Created by `ctodesk demo`. The systems below are loopback servers that the
# demo runs while it briefs; `ctodesk demo --serve` keeps them up so you can
# run `ctodesk brief --config {config}` yourself.

[company]
name = "Acme Parcels"
time_zone = "Europe/Berlin"

# The team chat (a stand-in on loopback): incidents and `brief --notify` post here.
[[alerts]]
name = "#security in the team chat"
url = "{web}/hooks/chat"

[health]
concurrency = 16
timeout = "5s"

[[health.probes]]
name = "website"
plain_name = "our website"
url = "{web}/"
body_contains = "Acme Parcels"

[[health.probes]]
name = "checkout API"
plain_name = "checkout"
url = "{web}/api/health"
json_field = "status"
json_equals = "ok"
max_latency = "500ms"

[[health.probes]]
name = "search API"
plain_name = "parcel search"
url = "{web}/api/search?q=parcel"
max_latency = "800ms"

[[health.probes]]
name = "billing API"
plain_name = "online billing"
url = "{web}/api/billing/health"
expect_status = 200

[[health.probes]]
name = "customer portal"
plain_name = "the customer portal"
url = "{portal}/"
ca_file = "certs/portal-ca.pem"

[[health.probes]]
name = "web server port"
type = "tcp"
target = "127.0.0.1:{web_port}"

[[health.probes]]
name = "internal DNS"
type = "dns"
target = "localhost"
)toml",
                                   fmt::arg("config", (dir / "ctodesk.toml").string()),
                                   fmt::arg("web", demo->web_->Url("").c_str()),
                                   fmt::arg("portal", demo->portal_->Url("").c_str()),
                                   fmt::arg("web_port", demo->web_->port()));
  auto backups = WriteDemoBackups(dir, now);
  if (!backups) return Fail(backups.error());
  config += *backups;
  // Keys first: the leak demo commits one of them.
  std::string leaked_key;
  auto api_keys = WriteDemoKeys(dir, now, &leaked_key);
  if (!api_keys) return Fail(api_keys.error());
  auto leaks = WriteDemoLeaks(dir, now, leaked_key);
  if (!leaks) return Fail(leaks.error());
  config += *leaks;
  auto releases = WriteDemoReleases(dir, now);
  if (!releases) return Fail(releases.error());
  config += *releases;
  auto deadlines = WriteDemoDeadlines(dir, now);
  if (!deadlines) return Fail(deadlines.error());
  config += *deadlines;
  auto knowledge = WriteDemoKnowledge(dir, now);
  if (!knowledge) return Fail(knowledge.error());
  config += *knowledge;
  config += *api_keys;
  auto suppliers = WriteDemoSuppliers(dir, now);
  if (!suppliers) return Fail(suppliers.error());
  config += *suppliers;
  auto support = WriteDemoSupport(dir, now);
  if (!support) return Fail(support.error());
  config += *support;
  auto radar = WriteDemoRadar(dir, now);
  if (!radar) return Fail(radar.error());
  config += *radar;
  if (auto r = WriteFile(dir / "ctodesk.toml", config); !r) return Fail(r.error());
  return demo;
}

void DemoCompany::SetYesterday() { web_->SetRoute(Website(false)); }
void DemoCompany::SetToday() { web_->SetRoute(Website(true)); }

}  // namespace ctodesk
