// The in-memory twin of the SQLite store, for tests: same contract, nothing
// written to disk.
#include <algorithm>
#include <map>
#include <set>

#include "store/store.h"

namespace ctodesk {

namespace {

class MemoryStore final : public Store {
 public:
  Result<std::vector<Finding>> OpenFindings(std::string_view desk) override {
    std::vector<Finding> out;
    for (const auto& [id, f] : findings_) {
      if (!f.resolved_at && (desk.empty() || f.desk == desk)) out.push_back(f);
    }
    RankFindings(out);
    return out;
  }

  Result<void> SaveFindings(const std::vector<Finding>& open,
                            const std::vector<std::string>& resolved_ids, TimePoint now) override {
    for (const Finding& f : open) {
      Finding copy = f;
      copy.resolved_at.reset();
      findings_[f.Id()] = copy;
    }
    for (const std::string& id : resolved_ids) {
      auto it = findings_.find(id);
      if (it != findings_.end() && !it->second.resolved_at) it->second.resolved_at = now;
    }
    return {};
  }

  Result<std::vector<Finding>> ResolvedSince(TimePoint since) override {
    std::vector<Finding> out;
    for (const auto& [id, f] : findings_) {
      if (f.resolved_at && *f.resolved_at >= since) out.push_back(f);
    }
    std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
      return *a.resolved_at > *b.resolved_at;
    });
    return out;
  }

  Result<void> AppendChecks(const std::vector<CheckRecord>& records) override {
    for (const CheckRecord& r : records) checks_[{r.desk, r.subject}].push_back(r);
    return {};
  }

  Result<std::vector<CheckRecord>> Checks(std::string_view desk, std::string_view subject,
                                          TimePoint since, std::int64_t limit) override {
    std::vector<CheckRecord> out;
    auto it = checks_.find({std::string(desk), std::string(subject)});
    if (it == checks_.end()) return out;
    for (const CheckRecord& r : it->second) {
      if (r.at >= since) out.push_back(r);
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const CheckRecord& a, const CheckRecord& b) { return a.at < b.at; });
    if (static_cast<std::int64_t>(out.size()) > limit) {
      out.erase(out.begin(), out.end() - limit);
    }
    return out;
  }

  Result<CheckSummary> Summarize(std::string_view desk, std::string_view subject,
                                 TimePoint since) override {
    CheckSummary s;
    auto it = checks_.find({std::string(desk), std::string(subject)});
    if (it == checks_.end()) return s;
    for (const CheckRecord& r : it->second) {
      if (r.at < since) continue;
      ++s.total;
      if (r.ok) ++s.ok;
    }
    return s;
  }

  Result<std::vector<std::string>> CheckSubjects(std::string_view desk) override {
    std::vector<std::string> out;
    for (const auto& [key, records] : checks_) {
      if (key.first == desk) out.push_back(key.second);
    }
    return out;
  }

  Result<void> RecordRun(const DeskRun& run) override {
    all_runs_.push_back(run);
    auto& latest = runs_[run.desk];
    if (run.started_at >= latest.started_at) latest = run;
    return {};
  }

  Result<std::vector<DeskRun>> LatestRuns() override {
    std::vector<DeskRun> out;
    for (const auto& [desk, run] : runs_) out.push_back(run);
    return out;
  }

  Result<std::optional<std::string>> GetState(std::string_view ns, std::string_view key) override {
    auto it = state_.find({std::string(ns), std::string(key)});
    if (it == state_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  Result<void> PutState(std::string_view ns, std::string_view key, std::string_view value) override {
    state_[{std::string(ns), std::string(key)}] = std::string(value);
    return {};
  }

  Result<std::vector<AuditEntry>> SaveKeys(
      const std::vector<std::pair<KeyRecord, AuditEntry>>& changes) override {
    std::vector<AuditEntry> out;
    for (const auto& [key, why] : changes) {
      keys_[key.id] = key;
      ++generation_;
      auto e = AppendAudit(why);
      if (!e) return Fail(e.error());  // cannot happen in memory: nothing to roll back
      out.push_back(std::move(*e));
    }
    return out;
  }

  Result<std::optional<KeyRecord>> GetKey(std::string_view id) override {
    auto it = keys_.find(std::string(id));
    if (it == keys_.end()) return std::optional<KeyRecord>();
    return std::optional<KeyRecord>(it->second);
  }

  Result<std::optional<KeyRecord>> FindKeyByHash(std::string_view hash) override {
    for (const auto& [id, k] : keys_) {
      if (HashesEqual(k.hash, hash)) return std::optional<KeyRecord>(k);
    }
    return std::optional<KeyRecord>();
  }

  Result<std::vector<KeyRecord>> ListKeys() override {
    std::vector<KeyRecord> out;
    for (const auto& [id, k] : keys_) out.push_back(k);
    std::stable_sort(out.begin(), out.end(), [](const KeyRecord& a, const KeyRecord& b) {
      return a.created_at < b.created_at;
    });
    return out;
  }

  Result<std::int64_t> KeysGeneration() override { return generation_; }

  Result<void> AppendUsage(const std::vector<UsageEvent>& events) override {
    usage_.insert(usage_.end(), events.begin(), events.end());
    return {};
  }

  Result<std::vector<UsageEvent>> Usage(std::string_view key_id, std::int64_t from_ms,
                                        std::int64_t to_ms, std::int64_t limit) override {
    std::vector<UsageEvent> out;
    for (const UsageEvent& e : usage_) {
      if (e.key_id == key_id && e.at_ms >= from_ms && e.at_ms < to_ms) out.push_back(e);
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const UsageEvent& a, const UsageEvent& b) { return a.at_ms < b.at_ms; });
    if (static_cast<std::int64_t>(out.size()) > limit) out.resize(static_cast<size_t>(limit));
    return out;
  }

  Result<std::vector<std::pair<std::string, std::int64_t>>> LastUses() override {
    std::map<std::string, std::int64_t> last;
    for (const UsageEvent& e : usage_) {
      auto [it, fresh] = last.emplace(e.key_id, e.at_ms);
      if (!fresh) it->second = std::max(it->second, e.at_ms);
    }
    return std::vector<std::pair<std::string, std::int64_t>>(last.begin(), last.end());
  }

  Result<AuditEntry> AppendAudit(const AuditEntry& entry) override {
    AuditEntry e = entry;
    e.seq = static_cast<std::int64_t>(audit_.size()) + 1;
    e.prev_hash = audit_.empty() ? std::string(64, '0') : audit_.back().hash;
    e.hash = AuditEntryHash(e);
    audit_.push_back(e);
    return e;
  }

  Result<std::vector<AuditEntry>> AuditTrail() override { return audit_; }

  Result<std::optional<std::pair<std::int64_t, std::string>>> AuditHead() override {
    if (audit_.empty()) return std::optional<std::pair<std::int64_t, std::string>>();
    return std::optional<std::pair<std::int64_t, std::string>>(
        std::pair(audit_.back().seq, audit_.back().hash));
  }

  Result<void> SaveIncident(const IncidentRecord& incident) override {
    auto it = std::find_if(incidents_.begin(), incidents_.end(),
                           [&](const IncidentRecord& r) { return r.id == incident.id; });
    if (it == incidents_.end()) incidents_.push_back(incident);
    else *it = incident;
    return {};
  }

  Result<std::optional<IncidentRecord>> GetIncident(std::string_view id) override {
    for (const IncidentRecord& r : incidents_) {
      if (r.id == id) return std::optional<IncidentRecord>(r);
    }
    return std::optional<IncidentRecord>();
  }

  Result<std::vector<IncidentRecord>> ListIncidents() override { return incidents_; }

  Result<IncidentStep> RecordIncidentStep(const IncidentRecord& incident, const IncidentStep& step,
                                          const AuditEntry& why) override {
    IncidentStep s = step;
    s.incident_id = incident.id;
    s.seq = 1;
    for (const IncidentStep& e : steps_) {
      if (e.incident_id == incident.id) s.seq = std::max(s.seq, e.seq + 1);
    }
    auto entry = AppendAudit(why);
    if (!entry) return Fail(entry.error());
    steps_.push_back(s);
    (void)SaveIncident(incident);
    return s;
  }

  Result<std::vector<IncidentStep>> IncidentSteps(std::string_view incident_id) override {
    std::vector<IncidentStep> out;
    for (const IncidentStep& e : steps_) {
      if (e.incident_id == incident_id) out.push_back(e);
    }
    return out;
  }

  Result<std::vector<DeskRun>> Runs(std::string_view desk, std::int64_t limit) override {
    std::vector<DeskRun> out;
    for (const DeskRun& r : all_runs_) {
      if (r.desk == desk) out.push_back(r);
    }
    std::stable_sort(out.begin(), out.end(), [](const DeskRun& a, const DeskRun& b) {
      return a.started_at > b.started_at;
    });
    if (static_cast<std::int64_t>(out.size()) > limit) out.resize(static_cast<size_t>(limit));
    return out;
  }

  Result<std::vector<DeskRunTotals>> RunTotals() override {
    std::map<std::string, DeskRunTotals> totals;
    for (const DeskRun& r : all_runs_) {
      DeskRunTotals& t = totals[r.desk];
      t.desk = r.desk;
      ++t.runs;
      if (!r.ok) ++t.failures;
    }
    std::vector<DeskRunTotals> out;
    for (auto& [desk, t] : totals) out.push_back(t);
    return out;
  }

  Result<std::vector<CheckDay>> DailyChecks(std::string_view desk, std::string_view subject,
                                            TimePoint since) override {
    std::map<TimePoint, CheckDay> days;
    auto it = checks_.find({std::string(desk), std::string(subject)});
    if (it != checks_.end()) {
      for (const CheckRecord& r : it->second) {
        if (r.at < since) continue;
        TimePoint day = std::chrono::floor<std::chrono::days>(r.at);
        CheckDay& d = days[day];
        d.day = day;
        ++d.total;
        if (r.ok) ++d.ok;
      }
    }
    std::vector<CheckDay> out;
    for (const auto& [day, d] : days) out.push_back(d);
    return out;
  }

  Result<void> SaveUser(const UserRecord& user) override {
    auto it = users_.find(user.name);
    UserRecord copy = user;
    if (it != users_.end()) {
      copy.created_at = it->second.created_at;
      if (it->second.password_hash != user.password_hash) {
        std::erase_if(sessions_, [&](const auto& kv) { return kv.second.user == user.name; });
      }
    }
    users_[user.name] = copy;
    return {};
  }

  Result<std::optional<UserRecord>> GetUser(std::string_view name) override {
    auto it = users_.find(std::string(name));
    if (it == users_.end()) return std::optional<UserRecord>();
    return std::optional<UserRecord>(it->second);
  }

  Result<std::vector<UserRecord>> ListUsers() override {
    std::vector<UserRecord> out;
    for (const auto& [name, u] : users_) out.push_back(u);
    return out;
  }

  Result<void> SaveSession(const SessionRecord& session) override {
    sessions_[session.token_hash] = session;
    return {};
  }

  Result<std::optional<SessionRecord>> GetSession(std::string_view token_hash,
                                                  TimePoint now) override {
    auto it = sessions_.find(std::string(token_hash));
    if (it == sessions_.end() || it->second.expires_at <= now) return std::optional<SessionRecord>();
    return std::optional<SessionRecord>(it->second);
  }

  Result<void> DeleteSession(std::string_view token_hash) override {
    sessions_.erase(std::string(token_hash));
    return {};
  }

  Result<void> SaveAcknowledgement(const Acknowledgement& ack) override {
    acks_[ack.finding_id] = ack;
    return {};
  }

  Result<std::vector<Acknowledgement>> Acknowledgements(TimePoint now) override {
    std::vector<Acknowledgement> out;
    for (const auto& [id, a] : acks_) {
      if (a.expires_at > now) out.push_back(a);
    }
    return out;
  }

 private:
  std::vector<DeskRun> all_runs_;
  std::map<std::string, UserRecord> users_;
  std::map<std::string, SessionRecord> sessions_;
  std::map<std::string, Acknowledgement> acks_;
  std::map<std::string, Finding> findings_;
  std::map<std::pair<std::string, std::string>, std::vector<CheckRecord>> checks_;
  std::map<std::string, DeskRun> runs_;
  std::map<std::pair<std::string, std::string>, std::string> state_;
  std::map<std::string, KeyRecord> keys_;
  std::int64_t generation_ = 0;
  std::vector<UsageEvent> usage_;
  std::vector<AuditEntry> audit_;
  std::vector<IncidentRecord> incidents_;
  std::vector<IncidentStep> steps_;
};

}  // namespace

std::unique_ptr<Store> NewMemoryStore() { return std::make_unique<MemoryStore>(); }

}  // namespace ctodesk
