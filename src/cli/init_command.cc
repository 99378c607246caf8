#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "cli/cli.h"
#include "cli/render.h"

namespace ctodesk::cli {

namespace {

constexpr const char* kTemplate = R"toml(# ctodesk.toml — what ctodesk checks every morning.
# Every desk below is optional: a desk runs when its section is present.
# Durations: "250ms", "5s", "15m", "24h", "7d". Paths are relative to this file.

[company]
name = "Our company"
# time_zone = "Europe/Berlin"   # incident reports show UTC and this

# Where history is kept (default: .ctodesk/desk.db beside this file).
# [store]
# path = ".ctodesk/desk.db"

# Webhooks that receive Slack-compatible JSON with `ctodesk brief --notify`.
# An act-now finding is sent when it appears, changes or resolves — no storms.
# [[alerts]]
# name = "ops channel"
# url = "https://hooks.slack.com/services/..."
# min_severity = "act-now"   # act-now | today | this-week | fyi
# attempts = 3
# backoff = "500ms"

# ---------------------------------------------------------------- health
# Is everything ticking over? Probes run concurrently on each brief.
[health]
concurrency = 64      # probes in flight at once
timeout = "10s"       # default per probe

[[health.probes]]
name = "website"
url = "http://127.0.0.1:8080/"
# method = "GET"                       # GET | HEAD | POST | PUT | OPTIONS
# expect_status = [200, 204]           # default: any 2xx or 3xx
# max_latency = "500ms"                # slower is a finding (today)
# body_contains = "ok"
# json_field = "status"                # dotted path into a JSON body
# json_equals = "ok"
# headers = { Authorization = "Bearer ${env:HEALTH_TOKEN}" }  # never printed
# ca_file = "certs/internal-ca.pem"    # trust a private CA
# cert_warn_days = 14                  # certificate expiry: this-week
# cert_critical_days = 3               # certificate expiry: act-now

# [[health.probes]]
# name = "postgres"
# type = "tcp"                         # http | tcp | tls | dns
# target = "127.0.0.1:5432"

# [[health.probes]]
# name = "api certificate"
# type = "tls"
# target = "api.example.com:443"

# [[health.probes]]
# name = "internal DNS"
# type = "dns"
# target = "db.internal"
# expect_addresses = ["10.0.0.5"]
)toml";

int RunInit(const std::string& dir, bool force) {
  std::filesystem::path path = std::filesystem::path(dir) / "ctodesk.toml";
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !force) {
    return PrintError(Error::Invalid(
        fmt::format("{}: already exists; pass --force to overwrite it", path.string())));
  }
  std::filesystem::create_directories(dir, ec);
  if (auto w = WriteFileAtomically(path.string(), kTemplate); !w) return PrintError(w.error());
  fmt::print("Wrote {}. Edit it, then run `ctodesk brief --config {}`.\n", path.string(),
             path.string());
  return kExitOk;
}

}  // namespace

void AddInitCommand(CLI::App& app, Outcome& out) {
  auto dir = std::make_shared<std::string>(".");
  auto force = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("init", "Write a commented ctodesk.toml to start from");
  cmd->add_option("dir", *dir, "Folder to write it in")->capture_default_str();
  cmd->add_flag("--force", *force, "Overwrite an existing ctodesk.toml");
  cmd->callback([dir, force, &out] { out.exit_code = RunInit(*dir, *force); });
}

}  // namespace ctodesk::cli
