#include "desks/keys/guard.h"
#include "core/json_text.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <array>
#include <chrono>
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "desks/keys/key_format.h"
#include "desks/keys/registry.h"

namespace ctodesk::keys {

struct Guard::Snapshot {
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, KeyRecord, Hash, std::equal_to<>> by_hash;
};

namespace {

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view ExtractKey(const GuardRequest& request, std::string_view query_parameter) {
  std::string_view auth = Trim(request.authorization);
  if (StartsWithNoCase(auth, "Bearer ")) return Trim(auth.substr(7));
  if (std::string_view h = Trim(request.api_key_header); !h.empty()) return h;
  std::string_view uri = request.original_uri;
  size_t q = uri.find('?');
  if (q == std::string_view::npos || query_parameter.empty()) return {};
  std::string_view query = uri.substr(q + 1);
  query = query.substr(0, query.find('#'));
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == query_parameter) {
      return pair.substr(eq + 1);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

Guard::Guard(std::unique_ptr<Store> store, Settings settings, GuardOptions options)
    : store_(std::move(store)),
      settings_(std::move(settings)),
      options_(std::move(options)),
      snapshot_(std::make_shared<Snapshot>()),
      detector_(settings_.objects) {}

Result<std::unique_ptr<Guard>> Guard::Start(std::unique_ptr<Store> store, Settings settings,
                                            GuardOptions options) {
  std::unique_ptr<Guard> g(new Guard(std::move(store), std::move(settings), std::move(options)));
  if (auto r = g->Reload(); !r) return Fail(r.error());
  g->thread_ = std::thread([raw = g.get()] { raw->Loop(); });
  return g;
}

Guard::~Guard() { Stop(); }

void Guard::Stop() {
  std::call_once(stopped_, [this] {
    {
      std::lock_guard lock(queue_mu_);
      stopping_ = true;
    }
    queue_cv_.notify_all();
    queue_space_.notify_all();
    if (thread_.joinable()) thread_.join();
    for (std::thread& t : alert_threads_) t.join();
    alert_threads_.clear();
  });
}

GuardStats Guard::stats() const {
  GuardStats s;
  s.requests = counters_.requests;
  s.allowed = counters_.allowed;
  s.unauthorized = counters_.unauthorized;
  s.bad_checksum = counters_.bad_checksum;
  s.suspended = counters_.suspended;
  s.throttled = counters_.throttled;
  s.trips = counters_.trips;
  s.events_written = counters_.events_written;
  s.events_dropped = counters_.events_dropped;
  s.queue_full_waits = counters_.queue_full_waits;
  s.reloads = counters_.reloads;
  s.flushes = counters_.flushes;
  return s;
}

Result<void> Guard::Reload() {
  auto gen = store_->KeysGeneration();
  if (!gen) return Fail(gen.error());
  if (*gen == generation_) return {};
  auto keys = store_->ListKeys();
  if (!keys) return Fail(keys.error());
  auto fresh = std::make_shared<Snapshot>();
  fresh->by_hash.reserve(keys->size());
  for (KeyRecord& k : *keys) {
    std::string hash = k.hash;
    fresh->by_hash.emplace(std::move(hash), std::move(k));
  }
  std::shared_ptr<const Snapshot> old;
  {
    std::unique_lock lock(snapshot_mu_);
    old = std::move(snapshot_);
    snapshot_ = fresh;
  }
  {
    // Suspensions now in the store no longer need their in-memory copy; a
    // key reinstated by hand starts its counters afresh.
    std::lock_guard lock(detect_mu_);
    for (const std::string& id : persisted_) local_suspensions_.erase(id);
    persisted_.clear();
    for (const auto& [hash, k] : fresh->by_hash) {
      auto it = old->by_hash.find(hash);
      if (it != old->by_hash.end() && it->second.suspended_at && !k.suspended_at) {
        detector_.Forget(k.id);
      }
    }
  }
  generation_ = *gen;
  ++counters_.reloads;
  return {};
}

GuardResponse Guard::Check(const GuardRequest& req) {
  ++counters_.requests;
  const std::int64_t now_ms = req.at_ms ? req.at_ms : NowMs();
  GuardResponse res;
  auto deny = [&](int status, std::string reason) {
    res.status = status;
    res.headers.emplace_back("X-Guard-Reason", reason);
    if (status == 401) res.headers.emplace_back("WWW-Authenticate", "Bearer");
    res.body = reason + "\n";
    return res;
  };
  std::string_view key = ExtractKey(req, options_.query_parameter);
  if (key.empty()) {
    ++counters_.unauthorized;
    return deny(401, "no API key");
  }
  if (!LooksLikeOurKey(key, settings_.prefix)) {
    ++counters_.unauthorized;
    ++counters_.bad_checksum;
    return deny(401, "not a valid API key");
  }
  std::array<char, 64> hex;
  HashKeyInto(key, hex);
  const std::string_view hash(hex.data(), hex.size());
  std::shared_ptr<const Snapshot> snap;
  {
    std::shared_lock lock(snapshot_mu_);
    snap = snapshot_;
  }
  auto it = snap->by_hash.find(hash);
  if (it == snap->by_hash.end() || !HashesEqual(it->first, hash)) {
    ++counters_.unauthorized;
    return deny(401, "unknown API key");
  }
  const KeyRecord& k = it->second;
  const std::string_view path = std::string_view(req.original_uri).substr(0, req.original_uri.find('?'));
  auto record = [&](int status) {
    std::unique_lock lock(queue_mu_);
    if (queued_ >= options_.max_queued_events && !stopping_) {
      ++counters_.queue_full_waits;
      queue_cv_.notify_one();
      queue_space_.wait(lock, [&] { return queued_ < options_.max_queued_events || stopping_; });
    }
    PutUsageEvent(events_, queued_, k.id, now_ms, req.remote_ip, req.original_method, path, status,
                  req.user_agent, "guard");
    if (queued_ == options_.flush_events) {
      lock.unlock();
      queue_cv_.notify_one();
    }
  };
  KeyStatus status = StatusOf(k, FromUnix(now_ms / 1000));
  if (status == KeyStatus::kRevoked || status == KeyStatus::kExpired) {
    ++counters_.unauthorized;
    record(401);
    return deny(401, status == KeyStatus::kRevoked ? "API key revoked" : "API key expired");
  }
  if (status == KeyStatus::kSuspended) {
    ++counters_.suspended;
    record(403);
    return deny(403, "suspended: " + k.suspend_reason);
  }
  Decision d;
  {
    std::lock_guard lock(detect_mu_);
    if (auto s = local_suspensions_.find(k.id); s != local_suspensions_.end()) {
      ++counters_.suspended;
      std::string reason = s->second;
      // record() takes another lock; do it after this scope.
      d.verdict = Verdict::kTrip;
      d.reason = reason;
      d.rule = "";  // already suspended
    } else {
      d = detector_.Observe(k.id, settings_.RulesFor(k.plan), path, now_ms);
      if (d.verdict == Verdict::kTrip) {
        local_suspensions_[k.id] = d.reason;
        ++counters_.trips;
      }
    }
  }
  if (d.verdict == Verdict::kThrottle) {
    ++counters_.throttled;
    record(429);
    deny(429, d.reason);
    res.headers.emplace_back("Retry-After", std::to_string(d.retry_after_s));
    return res;
  }
  if (d.verdict == Verdict::kTrip) {
    record(403);
    if (!d.rule.empty()) {
      std::lock_guard lock(queue_mu_);
      suspensions_.push_back({k.id, d, now_ms});
    }
    return deny(403, "suspended: " + d.reason);
  }
  ++counters_.allowed;
  record(200);
  res.status = 200;
  res.headers.emplace_back("X-Key-Id", k.id);
  res.headers.emplace_back("X-Key-Owner", k.owner);
  if (!k.client.empty()) res.headers.emplace_back("X-Key-Client", k.client);
  res.headers.emplace_back("X-Key-Plan", k.plan);
  return res;
}

void Guard::Alert(const KeyRecord& key, const Decision& d) {
  if (options_.alerts.empty()) return;
  std::string text = fmt::format(
      ":octagonal_sign: ctodesk guard suspended API key {} ({}{}): {}. `ctodesk keys audit {}` "
      "shows what it fetched.",
      key.id, key.owner, key.client.empty() ? "" : ", " + key.client, d.reason, key.id);
  std::string body = JsonText(nlohmann::json({{"text", text}}));
  for (const AlertTarget& t : options_.alerts) {
    alert_threads_.emplace_back([t, body] {
      int attempts = 0;
      std::string err = PostJson(t, body, &attempts);
      if (!err.empty()) fmt::print(stderr, "ctodesk serve: alert to {} failed: {}\n", t.name, err);
    });
  }
}

void Guard::FlushOnce(bool final) {
  // The filled vector and the written one trade places; the written one's
  // events become the next slots the serving threads fill.
  std::vector<PendingSuspension> suspensions;
  size_t count;
  {
    std::lock_guard lock(queue_mu_);
    writing_.swap(events_);
    count = queued_;
    queued_ = 0;
    suspensions.swap(suspensions_);
  }
  if (count >= options_.max_queued_events) queue_space_.notify_all();
  if (count > 0) {
    // Slots past `count` were not filled this time: writing them would
    // repeat old events.
    writing_.resize(count);
    if (auto r = store_->AppendUsage(writing_); !r) {
      fmt::print(stderr, "ctodesk serve: could not write {} usage events: {}\n", count,
                 r.error().message);
      bool kept = false;
      if (!final) {
        // Put them back in front of what arrived meanwhile, for the next
        // try, while that leaves room for answers to go on.
        std::lock_guard lock(queue_mu_);
        if (queued_ + count <= options_.max_queued_events / 2) {
          events_.resize(queued_);
          events_.insert(events_.begin(), std::make_move_iterator(writing_.begin()),
                         std::make_move_iterator(writing_.end()));
          queued_ = events_.size();
          kept = true;
        }
      }
      if (!kept) {
        counters_.events_dropped += static_cast<std::int64_t>(count);
        fmt::print(stderr, "ctodesk serve: dropped {} usage events the store would not take\n", count);
      }
    } else {
      counters_.events_written += static_cast<std::int64_t>(count);
      ++counters_.flushes;
    }
  }
  for (const PendingSuspension& s : suspensions) {
    nlohmann::ordered_json ev = nlohmann::ordered_json::object();
    for (const auto& [k, v] : s.decision.evidence) ev[k] = v;
    ev["rule"] = s.decision.rule;
    ev["at"] = FormatTime(FromUnix(s.at_ms / 1000));
    auto r = SuspendKey(*store_, s.key_id, s.decision.reason,
                        JsonText(ev),
                        "guard", FromUnix(s.at_ms / 1000));
    if (!r) {
      fmt::print(stderr, "ctodesk serve: could not record the suspension of {}: {}\n", s.key_id,
                 r.error().message);
      continue;
    }
    persisted_.push_back(s.key_id);
    Alert(*r, s.decision);
  }
}

void Guard::Loop() {
  // The writer is not in a hurry; the threads answering requests are. A
  // lower priority makes the scheduler pick it less often when both wait.
  // Relative to the process's own: `nice -n -10 ctodesk serve` keeps the gap.
  errno = 0;
  const int nice = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
  if (errno == 0) setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), std::min(19, nice + 5));
  auto next_poll = std::chrono::steady_clock::now() + options_.poll_interval;
  for (;;) {
    bool stopping;
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait_for(lock, std::min(options_.flush_interval, options_.poll_interval),
                         [&] { return stopping_ || queued_ >= options_.flush_events; });
      stopping = stopping_;
    }
    FlushOnce(stopping);
    auto now = std::chrono::steady_clock::now();
    if (now >= next_poll || !persisted_.empty()) {
      if (auto r = Reload(); !r) {
        fmt::print(stderr, "ctodesk serve: could not reload the key registry: {}\n", r.error().message);
      }
      next_poll = now + options_.poll_interval;
    }
    if (stopping) return;
  }
}

}  // namespace ctodesk::keys
