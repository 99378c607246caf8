// Tests for the health desk: the probe engine against loopback HTTP(S)
// servers started here (certificates generated with OpenSSL at run time), the
// desk's findings and history with a memory store and a fixed clock, and the
// [health] config reader. Only 127.0.0.1 and "localhost" are contacted, apart
// from one DNS lookup of a name under .invalid that must fail.
#include "desks/health/health.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <strings.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/config.h"
#include "loopback/loopback_server.h"
#include "store/store.h"

namespace ctodesk::health {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<LoopbackServer> StartServer(std::vector<Route> routes,
                                            const TlsIdentity* tls = nullptr) {
  auto server = LoopbackServer::Start(std::move(routes), tls);
  EXPECT_TRUE(server.has_value()) << (server ? "" : server.error().message);
  return server ? std::move(*server) : nullptr;
}

Probe HttpProbe(std::string name, std::string url) {
  Probe p;
  p.name = std::move(name);
  p.type = ProbeType::kHttp;
  p.url = std::move(url);
  p.timeout = 5s;
  return p;
}

Probe TargetProbe(std::string name, ProbeType type, std::string target) {
  Probe p;
  p.name = std::move(name);
  p.type = type;
  p.target = std::move(target);
  p.timeout = 5s;
  return p;
}

std::string Loopback(int port) { return "127.0.0.1:" + std::to_string(port); }

// A file in a fresh temporary folder, removed with the folder.
class TempFile {
 public:
  explicit TempFile(const std::string& contents) {
    dir_ = std::filesystem::temp_directory_path() /
           ("ctodesk_health_test_" + std::to_string(::getpid()) + "_" + std::to_string(next_++));
    std::filesystem::create_directories(dir_);
    path_ = dir_ / "file.pem";
    std::ofstream(path_, std::ios::binary) << contents;
  }
  ~TempFile() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  static inline int next_ = 0;
  std::filesystem::path dir_, path_;
};

// An HTTPS server with a self-signed certificate valid until `not_after`, and
// the certificate written to a file for ca_file.
struct TlsServer {
  TimePoint not_after;
  std::unique_ptr<TempFile> ca;
  std::unique_ptr<LoopbackServer> server;
};

TlsServer StartTlsServer(TimePoint not_before, TimePoint not_after) {
  TlsServer s;
  s.not_after = not_after;
  auto id = MakeSelfSignedIdentity(not_before, not_after);
  EXPECT_TRUE(id.has_value()) << (id ? "" : id.error().message);
  if (!id) return s;
  s.ca = std::make_unique<TempFile>(id->cert_pem);
  s.server = StartServer({{"/ok", 200, "secure and sound\n"}}, &*id);
  return s;
}

TimePoint WallNow() { return SystemClock().Now(); }

double Seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

// ---------------------------------------------------------------- HTTP probes

const char kJsonBody[] =
    R"({"status":"ok","checks":{"database":"up","replicas":3,"cache":null},"nodes":[{"id":"a"},{"id":"b"}]})";

struct HttpCase {
  std::string name;
  std::string path;  // on the shared server; empty: a port where nothing listens
  void (*setup)(Probe&) = nullptr;
  bool up = false;
  std::string error;  // exact, or a prefix when error_is_prefix
  long status = 0;
  bool error_is_prefix = false;
  double min_latency_ms = 0;
  double max_latency_ms = 1500;
};

TEST(RunProbesTest, HttpCases) {
  auto server = StartServer({
      {"/ok", 200, "all good\n"},
      {"/created", 201, "made it\n"},
      {"/moved", 301, "elsewhere\n"},
      {"/down", 503, "maintenance\n"},
      {"/slow", 200, "eventually\n", "text/plain", 300ms},
      {"/hang", 200, "too late\n", "text/plain", 2s},
      {"/json", 200, kJsonBody, "application/json"},
      {"/text", 200, "<html>not json</html>", "text/html"},
  });
  ASSERT_TRUE(server);
  ::setenv("CTODESK_HEALTH_TEST_TOKEN", "s3cret", 1);
  const int unused = UnusedLoopbackPort();

  const std::vector<HttpCase> cases = {
      {"up", "/ok", nullptr, true, "", 200},
      {"3xx counts as up", "/moved", nullptr, true, "", 301},
      {"down 503", "/down", nullptr, false, "HTTP 503, expected 2xx or 3xx", 503},
      {"unknown path 404", "/missing", nullptr, false, "HTTP 404, expected 2xx or 3xx", 404},
      {"503 against expect_status", "/down", [](Probe& p) { p.expect_status = {200}; }, false,
       "HTTP 503, expected 200", 503},
      {"expect_status list matches", "/created", [](Probe& p) { p.expect_status = {201, 204}; },
       true, "", 201},
      {"expect_status list rejects 200", "/ok", [](Probe& p) { p.expect_status = {201, 204}; },
       false, "HTTP 200, expected 201 or 204", 200},
      {"expect_status accepts 503", "/down", [](Probe& p) { p.expect_status = {503}; }, true, "",
       503},
      {"connection refused", "", nullptr, false, "cannot connect to 127.0.0.1 port", 0, true},
      {"slow but up", "/slow", [](Probe& p) { p.max_latency = 100ms; }, true, "", 200, false, 300},
      {"timeout", "/hang", [](Probe& p) { p.timeout = 200ms; }, false, "no answer within 200ms", 0,
       false, 190, 1500},
      {"body contains", "/ok", [](Probe& p) { p.body_contains = "good"; }, true, "", 200},
      {"wrong body", "/ok", [](Probe& p) { p.body_contains = "healthy"; }, false,
       "body does not contain \"healthy\"", 200},
      {"json string equals", "/json",
       [](Probe& p) {
         p.json_field = "checks.database";
         p.json_equals = "up";
       },
       true, "", 200},
      {"json number equals", "/json",
       [](Probe& p) {
         p.json_field = "checks.replicas";
         p.json_equals = "3";
       },
       true, "", 200},
      {"json null equals", "/json",
       [](Probe& p) {
         p.json_field = "checks.cache";
         p.json_equals = "null";
       },
       true, "", 200},
      {"json array index", "/json",
       [](Probe& p) {
         p.json_field = "nodes.1.id";
         p.json_equals = "b";
       },
       true, "", 200},
      {"json field present", "/json", [](Probe& p) { p.json_field = "status"; }, true, "", 200},
      {"json mismatch", "/json",
       [](Probe& p) {
         p.json_field = "checks.database";
         p.json_equals = "down";
       },
       false, "JSON field \"checks.database\" is \"up\", expected \"down\"", 200},
      {"json number mismatch", "/json",
       [](Probe& p) {
         p.json_field = "checks.replicas";
         p.json_equals = "5";
       },
       false, "JSON field \"checks.replicas\" is \"3\", expected \"5\"", 200},
      {"json field missing", "/json", [](Probe& p) { p.json_field = "checks.queue"; }, false,
       "JSON field \"checks.queue\" is missing", 200},
      {"json index out of range", "/json", [](Probe& p) { p.json_field = "nodes.2.id"; }, false,
       "JSON field \"nodes.2.id\" is missing", 200},
      {"json index too large to count", "/json",
       [](Probe& p) { p.json_field = "nodes.99999999999999999999999"; }, false,
       "JSON field \"nodes.99999999999999999999999\" is missing", 200},
      {"json path through a string", "/json", [](Probe& p) { p.json_field = "status.x"; }, false,
       "JSON field \"status.x\" is missing", 200},
      {"body not json", "/text", [](Probe& p) { p.json_field = "status"; }, false,
       "body is not valid JSON", 200},
      {"HEAD", "/ok", [](Probe& p) { p.method = "HEAD"; }, true, "", 200},
      {"HEAD sees the status", "/down", [](Probe& p) { p.method = "HEAD"; }, false,
       "HTTP 503, expected 2xx or 3xx", 503},
      {"POST", "/created", [](Probe& p) { p.method = "POST"; }, true, "", 201},
      {"headers", "/ok",
       [](Probe& p) {
         p.headers = {{"Authorization", "Bearer ${env:CTODESK_HEALTH_TEST_TOKEN}"},
                      {"X-Probe", "ctodesk"}};
       },
       true, "", 200},
  };

  std::vector<Probe> probes;
  for (size_t i = 0; i < cases.size(); ++i) {
    const HttpCase& c = cases[i];
    // The query string names the case in the server's request log.
    std::string url = c.path.empty() ? "http://" + Loopback(unused) + "/ok"
                                     : server->Url(c.path + "?case=" + std::to_string(i));
    Probe p = HttpProbe(c.name, url);
    if (c.setup) c.setup(p);
    probes.push_back(std::move(p));
  }

  const std::vector<ProbeResult> results = RunProbes(probes, {});
  ASSERT_EQ(results.size(), cases.size());

  for (size_t i = 0; i < cases.size(); ++i) {
    const HttpCase& c = cases[i];
    const ProbeResult& r = results[i];
    SCOPED_TRACE("case \"" + c.name + "\" (" + probes[i].url + ")");
    EXPECT_EQ(r.up, c.up) << "error: " << r.error;
    if (c.error_is_prefix) {
      EXPECT_EQ(r.error.rfind(c.error, 0), 0u) << "error: " << r.error;
    } else {
      EXPECT_EQ(r.error, c.error);
    }
    EXPECT_EQ(r.http_status, c.status);
    EXPECT_GE(r.latency_ms, c.min_latency_ms);
    EXPECT_LT(r.latency_ms, c.max_latency_ms);
    EXPECT_FALSE(r.cert_not_after) << "plain HTTP has no certificate";
  }

  // What the server saw: the method and headers of each case.
  std::map<std::string, ReceivedRequest> by_case;
  for (const ReceivedRequest& req : server->Requests()) {
    auto at = req.target.find("?case=");
    if (at != std::string::npos) by_case[req.target.substr(at + 6)] = req;
  }
  auto request_of = [&](const std::string& name) -> const ReceivedRequest* {
    for (size_t i = 0; i < cases.size(); ++i) {
      if (cases[i].name != name) continue;
      auto it = by_case.find(std::to_string(i));
      return it == by_case.end() ? nullptr : &it->second;
    }
    return nullptr;
  };
  auto header_of = [](const ReceivedRequest& req, const std::string& name) {
    std::optional<std::string> value;
    for (const auto& [k, v] : req.headers) {
      if (strcasecmp(k.c_str(), name.c_str()) == 0) value = v;
    }
    return value;
  };
  for (const char* name : {"up", "HEAD", "POST", "headers"}) {
    SCOPED_TRACE(std::string("request of case \"") + name + "\"");
    const ReceivedRequest* req = request_of(name);
    ASSERT_NE(req, nullptr) << "the server never saw this case";
    std::string want_method = std::string(name) == "HEAD" || std::string(name) == "POST" ? name : "GET";
    EXPECT_EQ(req->method, want_method);
    EXPECT_EQ(header_of(*req, "User-Agent"), "ctodesk-health/0.1");
    if (std::string(name) == "headers") {
      EXPECT_EQ(header_of(*req, "Authorization"), "Bearer s3cret") << "${env:...} is expanded";
      EXPECT_EQ(header_of(*req, "X-Probe"), "ctodesk");
    } else {
      EXPECT_EQ(header_of(*req, "Authorization"), std::nullopt);
    }
  }
  ::unsetenv("CTODESK_HEALTH_TEST_TOKEN");
}

TEST(RunProbesTest, EmptyListReturnsNothing) {
  EXPECT_TRUE(RunProbes({}, {}).empty());
}

// ----------------------------------------------------------------- TLS probes

TEST(RunProbesTest, HttpsAndTlsCertificates) {
  const TimePoint now = WallNow();
  TlsServer near = StartTlsServer(now - 24h, now + 5 * 24h);
  TlsServer expired = StartTlsServer(now - 30 * 24h, now - 24h);
  ASSERT_TRUE(near.server && expired.server);

  struct Case {
    std::string name;
    Probe probe;
    const TlsServer* server;
    bool up;
    std::string error_has;  // empty: no error expected
  };
  auto https = [](const TlsServer& s, bool trust) {
    Probe p = HttpProbe("https", s.server->Url("/ok"));
    if (trust) p.ca_file = s.ca->path();
    return p;
  };
  auto tls = [](const TlsServer& s, bool trust) {
    Probe p = TargetProbe("tls", ProbeType::kTls, Loopback(s.server->port()));
    if (trust) p.ca_file = s.ca->path();
    return p;
  };
  Probe insecure = https(near, false);
  insecure.insecure = true;
  Probe body = https(near, true);
  body.body_contains = "secure";

  std::vector<Case> cases = {
      {"https, trusted, expires in 5 days", https(near, true), &near, true, ""},
      {"https, body over TLS", body, &near, true, ""},
      {"tls, trusted, expires in 5 days", tls(near, true), &near, true, ""},
      {"https, untrusted", https(near, false), &near, false, "certificate"},
      {"tls, untrusted", tls(near, false), &near, false, "certificate"},
      {"https, untrusted but insecure", insecure, &near, true, ""},
      {"https, expired", https(expired, true), &expired, false, "expired"},
      {"tls, expired", tls(expired, true), &expired, false, "expired"},
  };
  std::vector<Probe> probes;
  for (const Case& c : cases) probes.push_back(c.probe);
  const auto results = RunProbes(probes, {});
  ASSERT_EQ(results.size(), cases.size());

  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const ProbeResult& r = results[i];
    SCOPED_TRACE("case \"" + c.name + "\"");
    EXPECT_EQ(r.up, c.up) << "error: " << r.error;
    if (c.error_has.empty()) {
      EXPECT_EQ(r.error, "");
    } else {
      EXPECT_NE(r.error.find(c.error_has), std::string::npos) << "error: " << r.error;
    }
    ASSERT_TRUE(r.cert_not_after) << "the certificate's date is read even when it is refused";
    EXPECT_LE(std::abs(Seconds(*r.cert_not_after - c.server->not_after)), 2.0)
        << "got " << FormatTime(*r.cert_not_after) << ", want "
        << FormatTime(c.server->not_after);
  }
  EXPECT_LT(*results[6].cert_not_after, now) << "the expired certificate lies in the past";
}

// ------------------------------------------------------------ TCP and DNS

TEST(RunProbesTest, TcpAndDns) {
  auto server = StartServer({{"/ok", 200, "ok\n"}});
  ASSERT_TRUE(server);
  const int unused = UnusedLoopbackPort();

  Probe dns_ok = TargetProbe("dns localhost", ProbeType::kDns, "localhost");
  dns_ok.dns_expect = {"127.0.0.1"};
  Probe dns_wrong = TargetProbe("dns localhost, wrong address", ProbeType::kDns, "localhost");
  dns_wrong.dns_expect = {"192.0.2.7"};
  Probe dns_none = TargetProbe("dns nonexistent", ProbeType::kDns, "nonexistent.invalid");
  dns_none.timeout = 3s;

  struct Case {
    Probe probe;
    bool up;
    std::string error_prefix;
  };
  // DNS and connection probes interleaved: results must still line up.
  std::vector<Case> cases = {
      {TargetProbe("tcp up", ProbeType::kTcp, Loopback(server->port())), true, ""},
      {dns_ok, true, ""},
      {TargetProbe("tcp refused", ProbeType::kTcp, Loopback(unused)), false,
       "cannot connect to 127.0.0.1 port"},
      {dns_wrong, false, "localhost resolves to 127.0.0.1"},
      {dns_none, false, "cannot resolve nonexistent.invalid: "},
  };
  std::vector<Probe> probes;
  for (const Case& c : cases) probes.push_back(c.probe);
  const auto results = RunProbes(probes, {});
  ASSERT_EQ(results.size(), cases.size());

  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const ProbeResult& r = results[i];
    SCOPED_TRACE("case \"" + c.probe.name + "\"");
    EXPECT_EQ(r.up, c.up) << "error: " << r.error;
    if (c.error_prefix.empty()) {
      EXPECT_EQ(r.error, "");
    } else {
      EXPECT_EQ(r.error.rfind(c.error_prefix, 0), 0u) << "error: " << r.error;
    }
    EXPECT_EQ(r.http_status, 0);
    EXPECT_FALSE(r.cert_not_after);
  }
  EXPECT_NE(std::find(results[1].addresses.begin(), results[1].addresses.end(), "127.0.0.1"),
            results[1].addresses.end());
  EXPECT_NE(results[3].error.find("expected 192.0.2.7 among them"), std::string::npos)
      << results[3].error;
  EXPECT_TRUE(results[0].addresses.empty()) << "only DNS probes list addresses";
}

// ---------------------------------------------------------------- concurrency

TEST(RunProbesTest, ManyProbesBoundedAndInOrder) {
  // Four routes with different statuses and delays: answers come back out of
  // order, and each result's status tells which route its probe asked.
  const std::vector<std::pair<int, Duration>> routes = {
      {200, 0ms}, {201, 20ms}, {202, 40ms}, {203, 60ms}};  // not 204: it may carry no body
  std::vector<Route> table;
  for (size_t i = 0; i < routes.size(); ++i) {
    table.push_back({"/r" + std::to_string(i), routes[i].first, "ok\n", "text/plain", routes[i].second});
  }
  auto server = StartServer(table);
  ASSERT_TRUE(server);

  constexpr int kProbes = 200;
  constexpr int kConcurrency = 16;
  std::vector<Probe> probes;
  Duration total_delay{0};
  for (int i = 0; i < kProbes; ++i) {
    size_t route = static_cast<size_t>((i * 7 + i / 5) % 4);
    probes.push_back(HttpProbe("p" + std::to_string(i), server->Url("/r" + std::to_string(route))));
    total_delay += routes[route].second;
  }

  auto start = std::chrono::steady_clock::now();
  const auto results = RunProbes(probes, {kConcurrency});
  auto elapsed = std::chrono::steady_clock::now() - start;

  ASSERT_EQ(results.size(), probes.size());
  for (int i = 0; i < kProbes; ++i) {
    SCOPED_TRACE("probe " + std::to_string(i) + " " + probes[i].url);
    size_t route = static_cast<size_t>((i * 7 + i / 5) % 4);
    EXPECT_TRUE(results[i].up) << results[i].error;
    EXPECT_EQ(results[i].http_status, routes[route].first) << "results are in input order";
  }
  EXPECT_EQ(server->Requests().size(), static_cast<size_t>(kProbes))
      << "one fresh request per probe";
  // At most 16 in flight: the delays cannot overlap more than 16 deep. And
  // they do overlap: one by one would take the whole sum.
  double elapsed_ms = std::chrono::duration<double, std::milli>(elapsed).count();
  double serial_ms = static_cast<double>(total_delay.count());
  EXPECT_GE(elapsed_ms, serial_ms / kConcurrency * 0.9) << "more than 16 probes ran at once";
  EXPECT_LT(elapsed_ms, serial_ms * 0.6) << "probes did not run concurrently";
}

// ----------------------------------------------------------------------- desk

struct DeskHarness {
  std::unique_ptr<Store> store = NewMemoryStore();
  FixedClock clock;
  DeskContext ctx;
  explicit DeskHarness(TimePoint now) : clock(now), ctx{*store, clock, "."} {}
};

using KindSeverity = std::pair<std::string, Severity>;

std::map<std::string, std::set<KindSeverity>> FindingsBySubject(const std::vector<Finding>& fs) {
  std::map<std::string, std::set<KindSeverity>> out;
  for (const Finding& f : fs) out[f.subject].insert({f.kind, f.severity});
  return out;
}

std::string Describe(const std::set<KindSeverity>& s) {
  std::string out;
  for (const auto& [kind, sev] : s) {
    out += (out.empty() ? "" : ", ") + kind + "/" + std::string(SeverityName(sev));
  }
  return "{" + out + "}";
}

const Finding* FindFinding(const std::vector<Finding>& fs, const std::string& subject,
                           const std::string& kind) {
  for (const Finding& f : fs) {
    if (f.subject == subject && f.kind == kind) return &f;
  }
  return nullptr;
}

TEST(HealthDeskTest, FindingsKindsAndSeverities) {
  const TimePoint now = WallNow();
  auto server = StartServer({
      {"/ok", 200, "ok\n"},
      {"/down", 503, "maintenance\n"},
      {"/slow", 200, "eventually\n", "text/plain", 300ms},
  });
  ASSERT_TRUE(server);
  TlsServer cert5 = StartTlsServer(now - 24h, now + 5 * 24h);
  TlsServer cert2 = StartTlsServer(now - 24h, now + 2 * 24h);
  TlsServer cert60 = StartTlsServer(now - 24h, now + 60 * 24h);
  TlsServer expired = StartTlsServer(now - 30 * 24h, now - 24h);
  ASSERT_TRUE(cert5.server && cert2.server && cert60.server && expired.server);

  Settings settings;
  settings.probes.push_back(HttpProbe("up", server->Url("/ok")));
  settings.probes.push_back(HttpProbe("down", server->Url("/down")));
  settings.probes.push_back(HttpProbe("slow", server->Url("/slow")));
  settings.probes.back().max_latency = 100ms;
  settings.probes.push_back(HttpProbe("fast enough", server->Url("/ok")));
  settings.probes.back().max_latency = 2s;
  settings.probes.push_back(TargetProbe("refused", ProbeType::kTcp, Loopback(UnusedLoopbackPort())));
  for (auto [name, tls] : {std::pair{"cert 5 days", &cert5}, std::pair{"cert 2 days", &cert2},
                           std::pair{"cert 60 days", &cert60}}) {
    settings.probes.push_back(HttpProbe(name, tls->server->Url("/ok")));
    settings.probes.back().ca_file = tls->ca->path();
  }
  settings.probes.push_back(TargetProbe("tls expired", ProbeType::kTls, Loopback(expired.server->port())));
  settings.probes.back().ca_file = expired.ca->path();

  DeskHarness h(now);
  HealthDesk desk(settings);
  auto report = desk.Run(h.ctx);
  ASSERT_TRUE(report.has_value()) << report.error().message;
  EXPECT_EQ(report->checked, static_cast<std::int64_t>(settings.probes.size()));

  const std::map<std::string, std::set<KindSeverity>> want = {
      {"down", {{"down", Severity::kActNow}}},
      {"slow", {{"slow", Severity::kToday}}},
      {"refused", {{"down", Severity::kActNow}}},
      {"cert 5 days", {{"cert-expiring", Severity::kThisWeek}}},
      {"cert 2 days", {{"cert-expiring", Severity::kActNow}}},
      {"tls expired", {{"down", Severity::kActNow}, {"cert-expiring", Severity::kActNow}}},
  };
  auto got = FindingsBySubject(report->findings);
  for (const Probe& p : settings.probes) {
    SCOPED_TRACE("probe \"" + p.name + "\"");
    auto w = want.count(p.name) ? want.at(p.name) : std::set<KindSeverity>{};
    EXPECT_EQ(Describe(got[p.name]), Describe(w));
  }
  for (const Finding& f : report->findings) {
    SCOPED_TRACE("finding " + f.subject + "/" + f.kind);
    EXPECT_EQ(f.desk, "health");
    EXPECT_FALSE(f.title.empty());
    EXPECT_FALSE(f.detail.empty());
    EXPECT_FALSE(f.action.empty());
  }

  const Finding* down = FindFinding(report->findings, "down", "down");
  ASSERT_NE(down, nullptr);
  EXPECT_EQ(down->title, "down is down: HTTP 503, expected 2xx or 3xx");
  EXPECT_NE(down->detail.find("first failed check just now"), std::string::npos) << down->detail;
  const Finding* cert = FindFinding(report->findings, "cert 5 days", "cert-expiring");
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(cert->title, "TLS certificate of cert 5 days expires in 5 days");
  const Finding* gone = FindFinding(report->findings, "tls expired", "cert-expiring");
  ASSERT_NE(gone, nullptr);
  EXPECT_EQ(gone->title, "TLS certificate of tls expired expired 24 hours ago");
  const Finding* slow = FindFinding(report->findings, "slow", "slow");
  ASSERT_NE(slow, nullptr);
  EXPECT_NE(slow->title.find("against a limit of 100ms"), std::string::npos) << slow->title;

  // One record per probe, at the clock's instant.
  for (const Probe& p : settings.probes) {
    SCOPED_TRACE("history of \"" + p.name + "\"");
    auto checks = h.store->Checks("health", p.name, now - 24h);
    ASSERT_TRUE(checks.has_value()) << checks.error().message;
    ASSERT_EQ(checks->size(), 1u);
    EXPECT_EQ((*checks)[0].at, now);
    EXPECT_EQ((*checks)[0].ok, !want.count(p.name) || !want.at(p.name).count({"down", Severity::kActNow}));
  }
}

TEST(HealthDeskTest, DownStreakFlappingRecoveryAndHistory) {
  auto server = StartServer({{"/flaky", 200, "ok\n"}, {"/steady", 200, "ok\n"}});
  ASSERT_TRUE(server);
  Settings settings;
  settings.probes.push_back(HttpProbe("flaky", server->Url("/flaky")));
  settings.probes.push_back(HttpProbe("steady", server->Url("/steady")));
  HealthDesk desk(settings);

  const TimePoint t0 = *ParseTime("2026-11-27T08:00:00Z");
  DeskHarness h(t0);
  struct Step {
    int status;
    std::set<KindSeverity> flaky_findings;
  };
  const std::vector<Step> steps = {
      {200, {}},
      {500, {{"down", Severity::kActNow}}},
      {500, {{"down", Severity::kActNow}}},  // still down: a streak of two
      {200, {}},                             // recovered: no "down"
      {500, {{"down", Severity::kActNow}}},  // 3 changes: not flapping yet
      {200, {{"flapping", Severity::kToday}}},  // 4 changes in 24 h
      {200, {{"flapping", Severity::kToday}}},
  };
  std::vector<bool> ups;
  for (size_t i = 0; i < steps.size(); ++i) {
    SCOPED_TRACE("run " + std::to_string(i) + " at HTTP " + std::to_string(steps[i].status));
    h.clock.Set(t0 + std::chrono::hours(i));
    server->SetRoute({"/flaky", steps[i].status, "flaky\n"});
    auto report = desk.Run(h.ctx);
    ASSERT_TRUE(report.has_value()) << report.error().message;
    auto got = FindingsBySubject(report->findings);
    EXPECT_EQ(Describe(got["flaky"]), Describe(steps[i].flaky_findings));
    EXPECT_EQ(Describe(got["steady"]), Describe({}));
    ups.push_back(steps[i].status == 200);
    if (i == 2) {
      const Finding* down = FindFinding(report->findings, "flaky", "down");
      ASSERT_NE(down, nullptr);
      EXPECT_NE(down->detail.find("Down for 1 hour (2 failed checks in a row)"), std::string::npos)
          << down->detail;
    }
  }

  // History: one record per run per probe, oldest first, with the run's time.
  for (const char* name : {"flaky", "steady"}) {
    SCOPED_TRACE(std::string("history of ") + name);
    auto checks = h.store->Checks("health", name, t0 - 1h);
    ASSERT_TRUE(checks.has_value()) << checks.error().message;
    ASSERT_EQ(checks->size(), steps.size());
    for (size_t i = 0; i < steps.size(); ++i) {
      EXPECT_EQ((*checks)[i].at, t0 + std::chrono::hours(i)) << "record " << i;
      EXPECT_EQ((*checks)[i].ok, std::string(name) == "steady" || ups[i]) << "record " << i;
    }
  }

  // A day later with nothing in between, the flapping has aged out of the window.
  h.clock.Set(t0 + std::chrono::hours(steps.size() - 1) + 25h);
  server->SetRoute({"/flaky", 200, "ok\n"});
  auto later = desk.Run(h.ctx);
  ASSERT_TRUE(later.has_value()) << later.error().message;
  EXPECT_EQ(Describe(FindingsBySubject(later->findings)["flaky"]), Describe({}))
      << "a day of calm is not flapping";
}

TEST(HealthDeskTest, Uptime) {
  auto server = StartServer({{"/svc", 200, "ok\n"}});
  ASSERT_TRUE(server);
  Settings settings;
  settings.probes.push_back(HttpProbe("svc", server->Url("/svc")));
  HealthDesk desk(settings);

  const TimePoint t0 = *ParseTime("2026-11-27T08:00:00Z");
  DeskHarness h(t0);
  // One failure 10 days ago (in the month only), one 2 days ago (week and
  // month), then up, up, down, up in the last day.
  const std::vector<std::pair<Duration, int>> runs = {
      {-10 * 24h, 500}, {-2 * 24h, 500}, {-3h, 200}, {-2h, 200}, {-1h, 500}, {0h, 200}};
  for (const auto& [offset, status] : runs) {
    h.clock.Set(t0 + std::chrono::duration_cast<std::chrono::seconds>(offset));
    server->SetRoute({"/svc", status, "svc\n"});
    auto checked = desk.Check(h.ctx);
    ASSERT_TRUE(checked.has_value()) << checked.error().message;
    ASSERT_EQ(checked->size(), 1u);
    EXPECT_EQ((*checked)[0].result.up, status == 200) << "at " << FormatTime(h.clock.Now());
  }

  auto u = desk.UptimeOf(h.ctx, "svc");
  ASSERT_TRUE(u.has_value()) << u.error().message;
  ASSERT_TRUE(u->day && u->week && u->month);
  EXPECT_DOUBLE_EQ(*u->day, 3.0 / 4.0) << "24 h: 3 of 4 up";
  EXPECT_DOUBLE_EQ(*u->week, 3.0 / 5.0) << "7 days: 3 of 5 up";
  EXPECT_DOUBLE_EQ(*u->month, 3.0 / 6.0) << "30 days: 3 of 6 up";

  auto none = desk.UptimeOf(h.ctx, "never-probed");
  ASSERT_TRUE(none.has_value()) << none.error().message;
  EXPECT_FALSE(none->day) << "no data is not 0%";
  EXPECT_FALSE(none->week);
  EXPECT_FALSE(none->month);
}

// --------------------------------------------------------------------- config

struct Parsed {
  std::unique_ptr<ConfigReader> reader;
  Settings settings;
};

Parsed Parse(const std::string& toml, const std::filesystem::path& base = "/etc/ctodesk") {
  Parsed out;
  auto reader = ConfigReader::FromString(toml, "ctodesk.toml", base);
  EXPECT_TRUE(reader.has_value()) << (reader ? "" : reader.error().message);
  if (!reader) return out;
  out.reader = std::move(*reader);
  auto section = out.reader->Root().Table("health", true);
  EXPECT_TRUE(section.has_value()) << out.reader->IssuesText();
  if (section) out.settings = ReadSettings(*section);
  out.reader->Finish();
  return out;
}

TEST(HealthConfigTest, ValidConfig) {
  ::setenv("CTODESK_HEALTH_TEST_TOKEN", "s3cret", 1);
  auto parsed = Parse(R"(
[health]
concurrency = 8
timeout = "3s"

[[health.probes]]
name = "api"
url = "https://api.example.com/healthz"
method = "POST"
headers = { Accept = "application/json", Authorization = "Bearer ${env:CTODESK_HEALTH_TEST_TOKEN}" }
expect_status = [200, 204]
max_latency = "750ms"
body_contains = "ok"
json_field = "checks.database"
json_equals = "up"
ca_file = "certs/ca.pem"
cert_warn_days = 21
cert_critical_days = 5

[[health.probes]]
name = "db"
type = "tcp"
target = "db.internal:5432"
timeout = "2s"

[[health.probes]]
name = "edge"
type = "tls"
target = "example.com:443"
insecure = true

[[health.probes]]
name = "resolver"
type = "dns"
target = "example.com"
expect_addresses = ["192.0.2.1", "2001:db8::1"]

[[health.probes]]
name = "single status"
url = "http://127.0.0.1:8080/"
expect_status = 418
expect_addresses = "192.0.2.9"
)");
  ::unsetenv("CTODESK_HEALTH_TEST_TOKEN");
  ASSERT_TRUE(parsed.reader);
  EXPECT_EQ(parsed.reader->IssuesText(), "");
  const Settings& s = parsed.settings;
  EXPECT_EQ(s.concurrency, 8);
  ASSERT_EQ(s.probes.size(), 5u);

  const Probe& api = s.probes[0];
  EXPECT_EQ(api.name, "api");
  EXPECT_EQ(api.type, ProbeType::kHttp);
  EXPECT_EQ(api.url, "https://api.example.com/healthz");
  EXPECT_EQ(api.method, "POST");
  auto headers = api.headers;
  std::sort(headers.begin(), headers.end());
  EXPECT_EQ(headers, (std::vector<std::pair<std::string, std::string>>{
                         {"Accept", "application/json"},
                         {"Authorization", "Bearer ${env:CTODESK_HEALTH_TEST_TOKEN}"}}))
      << "secrets stay unexpanded in the settings";
  EXPECT_EQ(api.expect_status, (std::vector<std::int64_t>{200, 204}));
  EXPECT_EQ(api.max_latency, Duration(750));
  EXPECT_EQ(api.body_contains, "ok");
  EXPECT_EQ(api.json_field, "checks.database");
  EXPECT_EQ(api.json_equals, "up");
  EXPECT_EQ(api.timeout, Duration(3000)) << "the [health] default";
  EXPECT_EQ(api.ca_file, std::filesystem::path("/etc/ctodesk/certs/ca.pem"));
  EXPECT_FALSE(api.insecure);
  EXPECT_EQ(api.cert_warn_days, 21);
  EXPECT_EQ(api.cert_critical_days, 5);

  const Probe& db = s.probes[1];
  EXPECT_EQ(db.name, "db");
  EXPECT_EQ(db.type, ProbeType::kTcp);
  EXPECT_EQ(db.target, "db.internal:5432");
  EXPECT_EQ(db.url, "");
  EXPECT_EQ(db.timeout, Duration(2000)) << "the probe's own timeout wins";
  EXPECT_EQ(db.method, "GET");
  EXPECT_TRUE(db.expect_status.empty());
  EXPECT_FALSE(db.max_latency);
  EXPECT_EQ(db.cert_warn_days, 14);
  EXPECT_EQ(db.cert_critical_days, 3);

  const Probe& edge = s.probes[2];
  EXPECT_EQ(edge.type, ProbeType::kTls);
  EXPECT_EQ(edge.target, "example.com:443");
  EXPECT_TRUE(edge.insecure);
  EXPECT_TRUE(edge.ca_file.empty());

  const Probe& resolver = s.probes[3];
  EXPECT_EQ(resolver.type, ProbeType::kDns);
  EXPECT_EQ(resolver.target, "example.com");
  EXPECT_EQ(resolver.dns_expect, (std::vector<std::string>{"192.0.2.1", "2001:db8::1"}));

  const Probe& single = s.probes[4];
  EXPECT_EQ(single.expect_status, (std::vector<std::int64_t>{418}));
  EXPECT_EQ(single.dns_expect, (std::vector<std::string>{"192.0.2.9"}));
}

TEST(HealthConfigTest, Defaults) {
  auto parsed = Parse(R"(
[health]
[[health.probes]]
name = "web"
url = "http://example.com/"
)");
  ASSERT_TRUE(parsed.reader);
  EXPECT_EQ(parsed.reader->IssuesText(), "");
  EXPECT_EQ(parsed.settings.concurrency, 64);
  ASSERT_EQ(parsed.settings.probes.size(), 1u);
  const Probe& p = parsed.settings.probes[0];
  EXPECT_EQ(p.type, ProbeType::kHttp);
  EXPECT_EQ(p.timeout, Duration(10000));
  EXPECT_EQ(p.method, "GET");
  EXPECT_TRUE(p.headers.empty());
  EXPECT_FALSE(p.json_equals);
}

struct ConfigErrorCase {
  std::string name;
  std::string toml;
  // Every issue expected, in order: "LINE: field: message" (the column is left out).
  std::vector<std::string> issues;
};

TEST(HealthConfigTest, Errors) {
  ::unsetenv("UNSET_VAR_XYZ");
  ::setenv("CTODESK_HEALTH_TEST_SET", "yes", 1);
  const std::vector<ConfigErrorCase> cases = {
      {"tcp probe without target",
       "[health]\n"
       "[[health.probes]]\n"
       "name = \"db\"\n"
       "type = \"tcp\"\n",
       {"2: health.probes[0].target: missing required key \"target\" for a tcp probe"}},
      {"http probe without url",
       "[health]\n"
       "[[health.probes]]\n"
       "name = \"web\"\n",
       {"2: health.probes[0].url: missing required key \"url\" for an http probe"}},
      {"url without scheme",
       "[health]\n"
       "[[health.probes]]\n"
       "name = \"web\"\n"
       "url = \"example.com/healthz\"\n",
       {"4: health.probes[0].url: expected an http:// or https:// URL, got \"example.com/healthz\""}},
      {"duplicate names",
       "[health]\n"
       "[[health.probes]]\n"
       "name = \"api\"\n"
       "url = \"http://a.example/\"\n"
       "[[health.probes]]\n"
       "name = \"api\"\n"
       "url = \"http://b.example/\"\n",
       {"6: health.probes[1].name: another probe is already named \"api\""}},
      {"expect_status out of range",
       "[health]\n"
       "[[health.probes]]\n"
       "name = \"web\"\n"
       "url = \"http://example.com/\"\n"
       "expect_status = [200, 700]\n",
       {"5: health.probes[0].expect_status[1]: expected an integer from 100 to 599, got 700"}},
      {"json_equals without json_field",
       "[health]\n"
       "[[health.probes]]\n"
       "name = \"web\"\n"
       "url = \"http://example.com/\"\n"
       "json_equals = \"up\"\n",
       {"5: health.probes[0].json_equals: needs \"json_field\", the field to compare"}},
      {"header needs an unset variable",
       "[health]\n"
       "[[health.probes]]\n"
       "name = \"web\"\n"
       "url = \"http://example.com/\"\n"
       "headers = { Authorization = \"Bearer ${env:UNSET_VAR_XYZ}\" }\n",
       {"5: health.probes[0].headers: header Authorization needs the environment variable "
        "UNSET_VAR_XYZ, which is not set"}},
      {"header's second variable unset",
       "[health]\n"
       "[[health.probes]]\n"
       "name = \"web\"\n"
       "url = \"http://example.com/\"\n"
       "headers = { Authorization = \"${env:CTODESK_HEALTH_TEST_SET}:${env:UNSET_VAR_XYZ}\" }\n",
       {"5: health.probes[0].headers: header Authorization needs the environment variable "
        "UNSET_VAR_XYZ, which is not set"}},
      {"header with unterminated variable",
       "[health]\n"
       "[[health.probes]]\n"
       "name = \"web\"\n"
       "url = \"http://example.com/\"\n"
       "headers = { X-Token = \"${env:OOPS\" }\n",
       {"5: health.probes[0].headers: header X-Token needs the environment variable "
        "(unterminated ${env:...}), which is not set"}},
      {"bad timeout",
       "[health]\n"
       "[[health.probes]]\n"
       "name = \"web\"\n"
       "url = \"http://example.com/\"\n"
       "timeout = \"fast\"\n",
       {"5: health.probes[0].timeout: expected a duration such as \"250ms\", \"5s\", \"15m\" or "
        "\"24h\", got a string \"fast\""}},
      {"bad default timeout",
       "[health]\n"
       "timeout = 5\n"
       "[[health.probes]]\n"
       "name = \"web\"\n"
       "url = \"http://example.com/\"\n",
       {"2: health.timeout: expected a duration such as \"250ms\", \"5s\", \"15m\" or \"24h\", got "
        "an integer"}},
      {"missing name",
       "[health]\n"
       "[[health.probes]]\n"
       "url = \"http://example.com/\"\n",
       {"2: health.probes[0]: missing required key \"name\""}},
      {"unknown type",
       "[health]\n"
       "[[health.probes]]\n"
       "name = \"web\"\n"
       "type = \"htpp\"\n"
       "url = \"http://example.com/\"\n",
       {"4: health.probes[0].type: expected one of \"http\", \"tcp\", \"tls\", \"dns\", got "
        "\"htpp\"; did you mean \"http\"?"}},
      {"tcp target without port",
       "[health]\n"
       "[[health.probes]]\n"
       "name = \"db\"\n"
       "type = \"tcp\"\n"
       "target = \"db.internal\"\n",
       {"5: health.probes[0].target: expected \"host:port\", got \"db.internal\""}},
      {"tls target with port out of range",
       "[health]\n"
       "[[health.probes]]\n"
       "name = \"edge\"\n"
       "type = \"tls\"\n"
       "target = \"example.com:70000\"\n",
       {"5: health.probes[0].target: expected \"host:port\", got \"example.com:70000\""}},
      {"http probe given a target",
       "[health]\n"
       "[[health.probes]]\n"
       "name = \"web\"\n"
       "url = \"http://example.com/\"\n"
       "target = \"example.com:80\"\n",
       {"5: health.probes[0].target: an http probe takes \"url\", not \"target\""}},
      {"dns probe given a url",
       "[health]\n"
       "[[health.probes]]\n"
       "name = \"ns\"\n"
       "type = \"dns\"\n"
       "url = \"http://example.com/\"\n",
       {"2: health.probes[0].target: missing required key \"target\" for a dns probe",
        "5: health.probes[0].url: a dns probe takes \"target\", not \"url\""}},
      {"unknown method",
       "[health]\n"
       "[[health.probes]]\n"
       "name = \"web\"\n"
       "url = \"http://example.com/\"\n"
       "method = \"DELETE\"\n",
       {"5: health.probes[0].method: expected one of \"GET\", \"HEAD\", \"POST\", \"PUT\", "
        "\"OPTIONS\", got \"DELETE\""}},
      {"no probes",
       "[health]\n"
       "concurrency = 4\n",
       {"1: health.probes: expected at least one [[health.probes]] table"}},
      {"concurrency zero",
       "[health]\n"
       "concurrency = 0\n"
       "[[health.probes]]\n"
       "name = \"web\"\n"
       "url = \"http://example.com/\"\n",
       {"2: health.concurrency: expected an integer from 1 to 10000, got 0"}},
      {"cert_warn_days negative",
       "[health]\n"
       "[[health.probes]]\n"
       "name = \"web\"\n"
       "url = \"https://example.com/\"\n"
       "cert_warn_days = -1\n",
       {"5: health.probes[0].cert_warn_days: expected an integer from 0 to 3650, got -1"}},
      {"misspelt key",
       "[health]\n"
       "[[health.probes]]\n"
       "name = \"web\"\n"
       "url = \"http://example.com/\"\n"
       "max_latncy = \"1s\"\n",
       {"5: health.probes[0].max_latncy: unknown key; did you mean \"max_latency\"?"}},
      {"several errors reported together",
       "[health]\n"
       "[[health.probes]]\n"
       "name = \"web\"\n"
       "url = \"ftp://example.com/\"\n"
       "timeout = \"soon\"\n"
       "[[health.probes]]\n"
       "name = \"web\"\n"
       "type = \"tcp\"\n"
       "target = \"nohost\"\n",
       {"4: health.probes[0].url: expected an http:// or https:// URL, got \"ftp://example.com/\"",
        "5: health.probes[0].timeout: expected a duration such as \"250ms\", \"5s\", \"15m\" or "
        "\"24h\", got a string \"soon\"",
        "7: health.probes[1].name: another probe is already named \"web\"",
        "9: health.probes[1].target: expected \"host:port\", got \"nohost\""}},
  };
  for (const ConfigErrorCase& c : cases) {
    SCOPED_TRACE("case \"" + c.name + "\"");
    auto parsed = Parse(c.toml);
    ASSERT_TRUE(parsed.reader);
    std::vector<std::string> got;
    for (const ConfigIssue& issue : parsed.reader->issues()) {
      EXPECT_EQ(issue.file, "ctodesk.toml");
      got.push_back(std::to_string(issue.line) + ": " + issue.field + ": " + issue.message);
    }
    EXPECT_EQ(got, c.issues) << "all issues:\n" << parsed.reader->IssuesText();
    // The text the user sees names file:line:column, the field and the message.
    if (!c.issues.empty() && !parsed.reader->issues().empty()) {
      const ConfigIssue& first = parsed.reader->issues()[0];
      std::string prefix = "ctodesk.toml:" + std::to_string(first.line) + ":";
      EXPECT_EQ(parsed.reader->IssuesText().rfind(prefix, 0), 0u) << parsed.reader->IssuesText();
      EXPECT_NE(parsed.reader->IssuesText().find(first.field + ": " + first.message),
                std::string::npos);
    }
  }
  ::unsetenv("CTODESK_HEALTH_TEST_SET");
}

}  // namespace
}  // namespace ctodesk::health
