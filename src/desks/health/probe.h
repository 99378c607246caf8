// Probes: HTTP(S), TCP connect, TLS certificate and DNS resolution, run
// concurrently. HTTP, TCP and TLS probes share one libcurl multi handle
// (event-driven, at most `concurrency` transfers in flight, a timeout per
// probe, a fresh connection per probe so latency is what a new client sees).
// DNS probes resolve with getaddrinfo on short-lived threads.
//
// RunProbes is thread-safe (it owns all its state).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/finding.h"

namespace ctodesk::health {

enum class ProbeType { kHttp, kTcp, kTls, kDns };
const char* ProbeTypeName(ProbeType t);

struct Probe {
  std::string name;
  std::string plain_name;  // what people outside engineering call it: "online payments"
  Concern concern = Concern::kCustomers;  // who is hurt when it fails
  ProbeType type = ProbeType::kHttp;
  std::string url;     // http: the URL
  std::string target;  // tcp, tls: "host:port"; dns: the name to resolve
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> headers;  // values may be secrets
  std::vector<std::int64_t> expect_status;  // empty: any 2xx or 3xx
  std::optional<Duration> max_latency;
  std::string body_contains;
  std::string json_field;  // dotted path into a JSON body: "checks.database"
  std::optional<std::string> json_equals;
  std::vector<std::string> dns_expect;  // addresses that must be among the answers
  Duration timeout = std::chrono::seconds(10);
  std::filesystem::path ca_file;  // trust this CA (PEM) instead of the system's
  bool insecure = false;          // do not verify the certificate at all
  int cert_warn_days = 14;
  int cert_critical_days = 3;
};

struct ProbeResult {
  bool up = false;
  std::string error;  // why it is down: "HTTP 503, expected 200"
  long http_status = 0;
  double latency_ms = 0;
  std::optional<TimePoint> cert_not_after;  // https and tls probes
  std::vector<std::string> addresses;       // dns probes
};

struct RunOptions {
  int concurrency = 64;
};

// Runs every probe once; results are in the order of `probes`.
std::vector<ProbeResult> RunProbes(const std::vector<Probe>& probes, const RunOptions& options);

}  // namespace ctodesk::health
