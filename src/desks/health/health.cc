#include "desks/health/health.h"
#include "core/json_text.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace ctodesk::health {

namespace {

constexpr const char* kDesk = "health";
constexpr int kFlapChanges = 4;  // state changes in 24 h that count as flapping

std::string Percent(std::optional<double> r) {
  if (!r) return "no data";
  return fmt::format("{:.2f}%", *r * 100.0);
}

std::string Describe(const Probe& p) {
  return p.type == ProbeType::kHttp ? p.url : fmt::format("{} {}", ProbeTypeName(p.type), p.target);
}

// What the CEO calls it: the probe's plain_name, else its name.
std::string PlainName(const Probe& p) { return p.plain_name.empty() ? p.name : p.plain_name; }

std::string Capitalized(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

bool ValidTarget(const std::string& t) {
  auto colon = t.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  std::string port = t.substr(colon + 1);
  if (port.empty() || !std::all_of(port.begin(), port.end(), ::isdigit)) return false;
  long n = std::strtol(port.c_str(), nullptr, 10);
  return n > 0 && n < 65536;
}

}  // namespace

Settings ReadSettings(ConfigTable& section) {
  Settings s;
  if (auto c = section.Int("concurrency", 1, 10000)) s.concurrency = static_cast<int>(*c);
  Duration default_timeout = std::chrono::seconds(10);
  if (auto t = section.DurationValue("timeout")) default_timeout = *t;
  std::set<std::string> names;
  for (ConfigTable& t : section.TableArray("probes")) {
    Probe p;
    p.timeout = default_timeout;
    auto name = t.String("name", true);
    auto type = t.Choice("type", {"http", "tcp", "tls", "dns"});
    auto url = t.String("url");
    auto target = t.String("target");
    if (t.Has("type") && !type) continue;  // already reported; its other keys would mislead
    if (type == "tcp") p.type = ProbeType::kTcp;
    else if (type == "tls") p.type = ProbeType::kTls;
    else if (type == "dns") p.type = ProbeType::kDns;

    if (p.type == ProbeType::kHttp) {
      if (!url) {
        if (!t.Has("url")) t.Error("url", "missing required key \"url\" for an http probe");
      } else if (url->rfind("http://", 0) != 0 && url->rfind("https://", 0) != 0) {
        t.Error("url", fmt::format("expected an http:// or https:// URL, got \"{}\"", *url));
      } else {
        p.url = *url;
      }
      if (target) t.Error("target", "an http probe takes \"url\", not \"target\"");
    } else {
      if (url) t.Error("url", fmt::format("a {} probe takes \"target\", not \"url\"", *type));
      if (!target) {
        if (!t.Has("target")) {
          t.Error("target", fmt::format("missing required key \"target\" for a {} probe", *type));
        }
      } else if (p.type != ProbeType::kDns && !ValidTarget(*target)) {
        t.Error("target", fmt::format("expected \"host:port\", got \"{}\"", *target));
      } else {
        p.target = *target;
      }
    }
    if (auto plain = t.String("plain_name")) p.plain_name = *plain;
    if (auto c = t.Choice("concern", {"customers", "security", "delivery", "people", "suppliers",
                                      "technology"})) {
      p.concern = *ParseConcern(*c);
    }
    if (auto m = t.Choice("method", {"GET", "HEAD", "POST", "PUT", "OPTIONS"})) p.method = *m;
    p.headers = t.StringMap("headers");
    for (const auto& [k, v] : p.headers) {
      // Every ${env:NAME} in the value, as ExpandEnv in probe.cc replaces them all.
      for (size_t at = v.find("${env:"); at != std::string::npos; at = v.find("${env:", at + 6)) {
        size_t end = v.find('}', at);
        std::string var = end == std::string::npos ? "" : v.substr(at + 6, end - at - 6);
        if (var.empty() || !std::getenv(var.c_str())) {
          t.Error("headers", fmt::format("header {} needs the environment variable {}, which is not set",
                                         k, var.empty() ? "(unterminated ${env:...})" : var));
        }
      }
    }
    p.expect_status = t.IntList("expect_status", 100, 599);
    p.max_latency = t.DurationValue("max_latency");
    if (auto b = t.String("body_contains")) p.body_contains = *b;
    if (auto f = t.String("json_field")) p.json_field = *f;
    p.json_equals = t.String("json_equals");
    if (p.json_equals && p.json_field.empty()) {
      t.Error("json_equals", "needs \"json_field\", the field to compare");
    }
    p.dns_expect = t.StringList("expect_addresses");
    if (auto d = t.DurationValue("timeout")) p.timeout = *d;
    if (auto ca = t.Path("ca_file")) p.ca_file = *ca;
    if (auto i = t.Bool("insecure")) p.insecure = *i;
    if (auto w = t.Int("cert_warn_days", 0, 3650)) p.cert_warn_days = static_cast<int>(*w);
    if (auto c = t.Int("cert_critical_days", 0, 3650)) p.cert_critical_days = static_cast<int>(*c);
    if (name) {
      if (!names.insert(*name).second) {
        t.Error("name", fmt::format("another probe is already named \"{}\"", *name));
      }
      p.name = *name;
      s.probes.push_back(std::move(p));
    }
  }
  if (s.probes.empty() && !section.Has("probes")) {
    section.Error("probes", "expected at least one [[health.probes]] table");
  }
  return s;
}

std::unique_ptr<Desk> Configure(ConfigTable& section) {
  return std::make_unique<HealthDesk>(ReadSettings(section));
}

Result<std::vector<ProbeStatus>> HealthDesk::Check(DeskContext& ctx) {
  std::vector<ProbeResult> results = RunProbes(settings_.probes, {settings_.concurrency});
  const TimePoint now = ctx.clock.Now();
  std::vector<CheckRecord> records;
  std::vector<ProbeStatus> statuses;
  records.reserve(results.size());
  for (size_t i = 0; i < results.size(); ++i) {
    const Probe& p = settings_.probes[i];
    const ProbeResult& r = results[i];
    nlohmann::json detail = {{"status", r.http_status}, {"error", r.error}};
    if (r.cert_not_after) detail["cert_not_after"] = ToUnix(*r.cert_not_after);
    if (p.max_latency && r.latency_ms > static_cast<double>(p.max_latency->count())) {
      detail["slow"] = true;
    }
    records.push_back({kDesk, p.name, now, r.up, r.latency_ms, JsonText(detail)});
    statuses.push_back({&p, r});
  }
  if (auto w = ctx.store.AppendChecks(records); !w) return Fail(w.error());
  return statuses;
}

Result<Uptime> HealthDesk::UptimeOf(DeskContext& ctx, const std::string& name) {
  const TimePoint now = ctx.clock.Now();
  Uptime u;
  auto day = ctx.store.Summarize(kDesk, name, now - std::chrono::hours(24));
  auto week = ctx.store.Summarize(kDesk, name, now - std::chrono::days(7));
  auto month = ctx.store.Summarize(kDesk, name, now - std::chrono::days(30));
  if (!day) return Fail(day.error());
  if (!week) return Fail(week.error());
  if (!month) return Fail(month.error());
  u.day = day->Ratio();
  u.week = week->Ratio();
  u.month = month->Ratio();
  return u;
}

Result<std::vector<Finding>> HealthDesk::Assess(DeskContext& ctx,
                                                const std::vector<ProbeStatus>& statuses) {
  const TimePoint now = ctx.clock.Now();
  std::vector<Finding> findings;
  for (const ProbeStatus& s : statuses) {
    const Probe& p = *s.probe;
    const ProbeResult& r = s.result;
    auto base = [&](std::string kind, Severity sev) {
      Finding f;
      f.desk = kDesk;
      f.subject = p.name;
      f.kind = std::move(kind);
      f.severity = sev;
      f.concern = p.concern;
      f.evidence.emplace_back("probe", Describe(p));
      return f;
    };
    auto recent = ctx.store.Checks(kDesk, p.name, now - std::chrono::hours(24), 200);
    if (!recent) return Fail(recent.error());

    if (!r.up) {
      // How long has it been down: walk back over the failing streak.
      TimePoint since = now;
      size_t streak = 0;
      bool whole_window = true;
      for (auto it = recent->rbegin(); it != recent->rend(); ++it) {
        if (it->ok) {
          whole_window = false;
          break;
        }
        since = it->at;
        ++streak;
      }
      auto uptime = UptimeOf(ctx, p.name);
      if (!uptime) return Fail(uptime.error());
      Finding f = base("down", Severity::kActNow);
      f.title = fmt::format("{} is down: {}", p.name, r.error);
      std::string how_long = since == now ? "first failed check just now"
                             : fmt::format("Down for {}{} ({} failed checks in a row)",
                                           whole_window ? "at least " : "",
                                           HumanDuration(now - since), streak);
      f.detail = fmt::format("{} failed: {}. {}. Uptime: {} over 24 h, {} over 7 days.",
                             Describe(p), r.error, how_long, Percent(uptime->day),
                             Percent(uptime->week));
      f.action = fmt::format("Get the owner of {} on it now; check its logs and recent deploys.",
                             p.name);
      std::string what = PlainName(p);
      f.plain.risk = since == now
                         ? fmt::format("{} stopped working this morning; anyone who relies on it is "
                                       "affected right now.",
                                       Capitalized(what))
                         : fmt::format("{} has not been working for {}; anyone who relies on it is "
                                       "affected.",
                                       Capitalized(what), HumanDuration(now - since));
      f.plain.doing = "The team has been alerted and is working to restore it.";
      if (now - since >= std::chrono::hours(4)) {
        f.plain.ask = fmt::format("Decide whether to tell affected customers about {}, and when.",
                                  what);
      }
      f.evidence.emplace_back("error", r.error);
      if (r.http_status) f.evidence.emplace_back("http status", std::to_string(r.http_status));
      f.evidence.emplace_back("down since", FormatTime(since));
      f.evidence.emplace_back("uptime 24h", Percent(uptime->day));
      findings.push_back(std::move(f));
    } else if (p.max_latency && r.latency_ms > static_cast<double>(p.max_latency->count())) {
      Finding f = base("slow", Severity::kToday);
      f.title = fmt::format("{} is slow: {:.0f} ms against a limit of {}", p.name, r.latency_ms,
                            FormatDuration(*p.max_latency));
      int slow_count = 0;
      for (const CheckRecord& c : *recent) {
        if (c.ok && c.detail.find("\"slow\":true") != std::string::npos) ++slow_count;
      }
      f.detail = fmt::format("{} answered in {:.0f} ms; {} of its {} checks in the last 24 h were "
                             "over the limit.",
                             Describe(p), r.latency_ms, slow_count, recent->size());
      f.action = "Look for a slow query, a saturated host or a dependency that slowed down.";
      f.plain.risk = fmt::format("{} is slow: it takes about {:.1f} seconds to answer, which "
                                 "frustrates the people using it.",
                                 Capitalized(PlainName(p)), r.latency_ms / 1000.0);
      f.plain.doing = "The team is looking for the cause.";
      f.evidence.emplace_back("latency", fmt::format("{:.0f} ms", r.latency_ms));
      f.evidence.emplace_back("limit", FormatDuration(*p.max_latency));
      findings.push_back(std::move(f));
    }

    // Flapping: count up/down changes over the last 24 h.
    int changes = 0;
    for (size_t i = 1; i < recent->size(); ++i) {
      if ((*recent)[i].ok != (*recent)[i - 1].ok) ++changes;
    }
    if (changes >= kFlapChanges) {
      Finding f = base("flapping", Severity::kToday);
      f.title = fmt::format("{} is flapping: up and down {} times in 24 h", p.name, changes);
      f.detail = fmt::format("{} changed state {} times over its last {} checks. Intermittent "
                             "failures are what customers notice and monitoring forgives.",
                             Describe(p), changes, recent->size());
      f.plain.risk = fmt::format("{} keeps failing and coming back, so some people see errors "
                                 "and retry.",
                                 Capitalized(PlainName(p)));
      f.plain.doing = "The team is tracking down the cause of the failures.";
      f.action = "Find what fails intermittently: a bad instance behind the balancer, timeouts, "
                 "exhausted pools.";
      f.evidence.emplace_back("state changes (24h)", std::to_string(changes));
      findings.push_back(std::move(f));
    }

    if (r.cert_not_after) {
      auto left = *r.cert_not_after - now;
      double days_left = std::chrono::duration<double, std::ratio<86400>>(left).count();
      if (days_left <= p.cert_warn_days) {
        bool critical = days_left <= p.cert_critical_days;
        Finding f = base("cert-expiring", critical ? Severity::kActNow : Severity::kThisWeek);
        std::string when = days_left < 0
                               ? fmt::format("expired {} ago", HumanDuration(-left))
                               : fmt::format("expires in {}", HumanDuration(left));
        f.title = fmt::format("TLS certificate of {} {}", p.name, when);
        f.detail = fmt::format("The certificate served by {} is valid until {}. When it lapses, "
                               "browsers and API clients refuse the connection.",
                               Describe(p), FormatTime(*r.cert_not_after));
        f.plain.risk =
            days_left < 0
                ? fmt::format("The security certificate of {} has run out, so browsers warn "
                              "visitors away or refuse to connect.",
                              PlainName(p))
                : fmt::format("The security certificate of {} runs out in {}. After that, "
                              "browsers will warn visitors away.",
                              PlainName(p), HumanDuration(left));
        f.plain.doing = "The team needs to renew it; it takes less than an hour.";
        f.action = "Renew and deploy the certificate, then check the renewal automation "
                   "(certbot/ACME timer) that should have done it.";
        f.evidence.emplace_back("not after", FormatTime(*r.cert_not_after));
        f.evidence.emplace_back("days left", fmt::format("{:.1f}", days_left));
        findings.push_back(std::move(f));
      }
    }
  }
  return findings;
}

Result<DeskReport> HealthDesk::Run(DeskContext& ctx) {
  auto statuses = Check(ctx);
  if (!statuses) return Fail(statuses.error());
  auto findings = Assess(ctx, *statuses);
  if (!findings) return Fail(findings.error());
  return DeskReport{std::move(*findings), static_cast<std::int64_t>(statuses->size())};
}

}  // namespace ctodesk::health
