#include "desks/keys/keys.h"
#include "core/json_text.h"

#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "desks/keys/audit.h"
#include "desks/keys/ingest.h"
#include "desks/keys/registry.h"

namespace ctodesk::keys {

namespace {

constexpr const char* kDesk = "keys";

std::string Who(const KeyRecord& k) {
  return k.client.empty() ? fmt::format("{} ({})", k.id, k.owner)
                          : fmt::format("{} of {} ({})", k.id, k.client, k.owner);
}

Finding Base(const KeyRecord& k, std::string kind, Severity sev) {
  Finding f;
  f.desk = kDesk;
  f.subject = k.id;
  f.kind = std::move(kind);
  f.severity = sev;
  f.evidence.emplace_back("key", fmt::format("{} ({})", k.id, k.hint));
  f.evidence.emplace_back("owner", k.owner);
  if (!k.client.empty()) f.evidence.emplace_back("client", k.client);
  f.evidence.emplace_back("plan", k.plan);
  return f;
}

// Ingests what is new in each configured log; returns findings about the logs.
Result<std::vector<Finding>> IngestLogs(const Settings& s, DeskContext& ctx) {
  std::vector<Finding> out;
  for (std::filesystem::path path : s.access_logs) {
    if (path.is_relative()) path = ctx.base_dir / path;
    std::error_code ec;
    auto size = std::filesystem::file_size(path, ec);
    if (ec) return Fail(Error::Io(fmt::format("{}: cannot read the access log: {}", path.string(), ec.message())));
    std::string state_key = "ingest:" + path.string();
    auto saved = ctx.store.GetState(kDesk, state_key);
    if (!saved) return Fail(saved.error());
    std::int64_t offset = 0;
    if (*saved) offset = std::strtoll((*saved)->c_str(), nullptr, 10);
    if (offset < 0 || static_cast<std::uintmax_t>(offset) > size) offset = 0;  // rotated or truncated
    IngestOptions opt;
    opt.format = s.access_log_format == "json" ? LogFormat::kJson : LogFormat::kNginxCombined;
    opt.json_key_field = s.json_key_field;
    opt.start_offset = offset;
    opt.actor = "keys desk";
    auto report = IngestLog(ctx.store, s, path, opt, ctx.clock.Now());
    if (!report) return Fail(report.error());
    if (auto w = ctx.store.PutState(kDesk, state_key, std::to_string(report->end_offset)); !w) {
      return Fail(w.error());
    }
    if (report->malformed > 0) {
      Finding f;
      f.desk = kDesk;
      f.subject = path.filename().string();
      f.kind = "log-malformed";
      f.severity = Severity::kFyi;
      f.title = fmt::format("{} malformed lines in access log {}", report->malformed,
                            path.filename().string());
      f.detail = fmt::format("{} of {} new lines could not be read and were skipped; usage from "
                             "them is missing from audits.", report->malformed, report->lines);
      f.action = "Check the gateway's log_format against the configured access_log_format.";
      for (const LineProblem& p : report->problems) {
        if (f.evidence.size() >= 5) break;
        f.evidence.emplace_back(fmt::format("line {}", p.line), p.message);
      }
      out.push_back(std::move(f));
    }
  }
  return out;
}

}  // namespace

Result<bool> RecordLimitsIfChanged(Store& store, const Settings& settings, std::string_view actor,
                                   TimePoint now) {
  nlohmann::ordered_json plans = nlohmann::ordered_json::array();
  for (const PlanRules& p : settings.plans) {
    plans.push_back({{"name", p.name},
                     {"rate_per_minute", p.rate_per_minute},
                     {"distinct_objects_per_hour", p.distinct_objects_per_hour},
                     {"sequential_walk", p.sequential_walk},
                     {"volume_factor", p.volume_factor},
                     {"volume_min_requests", p.volume_min_requests},
                     {"baseline_hours", p.baseline_hours},
                     {"ewma_alpha", p.ewma_alpha}});
  }
  nlohmann::ordered_json objects = nlohmann::ordered_json::array();
  for (const ObjectPattern& o : settings.objects) objects.push_back(o.text);
  std::string text = JsonText(nlohmann::ordered_json({{"plans", plans}, {"objects", objects}}));
  auto last = store.GetState(kDesk, "limits");
  if (!last) return Fail(last.error());
  if (*last && **last == text) return false;
  AuditEntry e;
  e.at = now;
  e.actor = std::string(actor);
  e.action = "limits";
  e.detail = text;
  if (auto r = store.AppendAudit(e); !r) return Fail(r.error());
  if (auto w = store.PutState(kDesk, "limits", text); !w) return Fail(w.error());
  return true;
}

std::unique_ptr<Desk> Configure(ConfigTable& section) {
  return std::make_unique<KeysDesk>(ReadSettings(section));
}

Result<DeskReport> KeysDesk::Run(DeskContext& ctx) {
  const TimePoint now = ctx.clock.Now();
  DeskReport report;
  if (auto l = RecordLimitsIfChanged(ctx.store, settings_, "keys desk", now); !l) return Fail(l.error());
  auto log_findings = IngestLogs(settings_, ctx);
  if (!log_findings) return Fail(log_findings.error());
  report.findings = std::move(*log_findings);

  std::filesystem::path key_file = settings_.audit_key_file;
  if (key_file.is_relative()) key_file = ctx.base_dir / key_file;
  auto verdict = VerifyAuditChain(ctx.store, key_file);
  if (!verdict) return Fail(verdict.error());
  if (!verdict->ok) {
    Finding f;
    f.desk = kDesk;
    f.subject = "audit trail";
    f.kind = "audit-chain-broken";
    f.concern = Concern::kSecurity;
    f.severity = Severity::kActNow;
    f.title = "The key audit trail has been tampered with";
    f.detail = fmt::format("The hash chain over {} audit entries is broken: {}. The record of who "
                           "issued, revoked and used keys can no longer be trusted.",
                           verdict->entries, verdict->problems.front().what);
    f.action = "Treat it as an incident: find who had write access to the store, restore it from "
               "a backup, and compare with `ctodesk keys audit --verify`.";
    f.plain.risk = "Our record of who was given access to our systems has been altered, so we can no "
                   "longer prove who did what.";
    f.plain.doing = "The team is treating it as a security incident and restoring the record.";
    f.plain.ask = "Be ready to decide whether to bring in outside security help.";
    for (const ChainProblem& p : verdict->problems) {
      if (f.evidence.size() >= 5) break;
      f.evidence.emplace_back(p.seq ? fmt::format("entry {}", p.seq) : "head", p.what);
    }
    report.findings.push_back(std::move(f));
  }

  auto keys = ctx.store.ListKeys();
  if (!keys) return Fail(keys.error());
  auto last_uses = ctx.store.LastUses();
  if (!last_uses) return Fail(last_uses.error());
  std::map<std::string, std::int64_t> last_use(last_uses->begin(), last_uses->end());
  std::map<std::string, const AuditEntry*> last_suspend;
  auto trail = ctx.store.AuditTrail();
  if (!trail) return Fail(trail.error());
  for (const AuditEntry& e : *trail) {
    if (e.action == "suspend") last_suspend[e.key_id] = &e;
  }

  for (const KeyRecord& k : *keys) {
    ++report.checked;
    KeyStatus status = StatusOf(k, now);
    if (status == KeyStatus::kSuspended) {
      Finding f = Base(k, "suspended", Severity::kActNow);
      f.concern = Concern::kSecurity;
      f.title = fmt::format("API key {} suspended: {}", Who(k), k.suspend_reason);
      // What it did in the 24 h up to its stop (its traffic may be older than
      // the suspension when it came from an ingested log).
      std::int64_t stop_ms = ToUnix(*k.suspended_at) * 1000 + 1000;
      auto day = ctx.store.Usage(k.id, stop_ms - 86'400'000, stop_ms);
      if (!day) return Fail(day.error());
      UsageSummary u = Summarize(*day, 3);
      f.detail = fmt::format("Stopped at {} because it {}. In the 24 h before that it made {} "
                             "requests to {} distinct paths{}.",
                             FormatTime(*k.suspended_at), k.suspend_reason, u.count, u.distinct_paths,
                             u.ips.empty() ? "" : fmt::format(", mostly from {}", u.ips.front().first));
      f.action = fmt::format("Call {} about it. `ctodesk incident open data-access --key-id {}` records what "
                             "it fetched and which records only it saw; then `ctodesk keys reinstate {}` or "
                             "`ctodesk keys revoke {}`.",
                             k.client.empty() ? k.owner : k.client, k.id, k.id, k.id);
      const std::string who_plain = k.client.empty() ? k.owner : k.client;
      f.plain.risk = fmt::format("Access for {} was stopped automatically because it was taking far more "
                                 "of our data than usual. Customer data may have been copied.",
                                 who_plain);
      f.plain.doing = fmt::format("The team is finding out what was taken and will call {}.", who_plain);
      f.plain.ask = fmt::format("Decide with the team whether customers or regulators must be told, once "
                                "we know what {} took.",
                                who_plain);
      f.evidence.emplace_back("suspended at", FormatTime(*k.suspended_at));
      if (auto it = last_suspend.find(k.id); it != last_suspend.end()) {
        f.evidence.emplace_back("by", it->second->actor);
        auto j = nlohmann::json::parse(it->second->detail, nullptr, false);
        if (j.is_object() && j.contains("evidence") && j["evidence"].is_object()) {
          for (const auto& [name, value] : j["evidence"].items()) {
            if (value.is_string()) f.evidence.emplace_back(name, value.get<std::string>());
          }
        }
      }
      f.evidence.emplace_back("requests (24h before the stop)", std::to_string(u.count));
      report.findings.push_back(std::move(f));
      continue;
    }
    if (!Usable(status)) continue;
    if (k.expires_at && *k.expires_at - now <= settings_.expiry_warning) {
      Finding f = Base(k, "expiring", Severity::kThisWeek);
      f.concern = Concern::kCustomers;
      f.title = fmt::format("API key {} expires in {}", Who(k), HumanDuration(*k.expires_at - now));
      f.detail = fmt::format("It stops working at {}; whoever uses it gets 401s from then on.",
                             FormatTime(*k.expires_at));
      f.action = fmt::format("Rotate it (`ctodesk keys rotate --owner {}`) and hand the new key "
                             "over before then, or let it lapse on purpose.", k.owner);
      f.plain.risk = fmt::format("The access key used by {} stops working soon; their connection to us will "
                                 "break if it is not replaced.",
                                 k.client.empty() ? k.owner : k.client);
      f.plain.doing = "The team is issuing a replacement and handing it over.";
      f.evidence.emplace_back("expires at", FormatTime(*k.expires_at));
      report.findings.push_back(std::move(f));
    }
    auto unused_since = now - std::chrono::duration_cast<std::chrono::seconds>(settings_.unused_after);
    auto it = last_use.find(k.id);
    bool used_recently = it != last_use.end() && it->second >= ToUnix(unused_since) * 1000;
    if (k.created_at <= unused_since && !used_recently) {
      Finding f = Base(k, "unused", Severity::kFyi);
      std::string last = it == last_use.end() ? "never used"
                                              : "last used " + FormatTime(FromUnix(it->second / 1000));
      f.title = fmt::format("API key {} unused for {} ({})", Who(k),
                            HumanDuration(settings_.unused_after), last);
      f.detail = "A key nobody uses is only a risk: if it leaks, nobody notices it being used.";
      f.action = fmt::format("Revoke it: `ctodesk keys revoke {} --reason unused`.", k.id);
      f.evidence.emplace_back("last use", it == last_use.end() ? "never" : last);
      report.findings.push_back(std::move(f));
    }
  }
  return report;
}

}  // namespace ctodesk::keys
