// The guard: the decision behind `GET /guard`, which nginx `auth_request` and
// Envoy `ext_authz` (HTTP mode) call on every API request. The HTTP server
// (server/) only turns requests into GuardRequest and GuardResponse back into
// HTTP; everything else is here.
//
// Per request, in order:
//   no key                                  401
//   fails the checksum (never reaches the registry) 401
//   unknown, revoked or expired             401
//   suspended                               403, reason in X-Guard-Reason
//   over its plan's rate limit              429 with Retry-After
//   trips a detection rule                  403, and the key is suspended
//   otherwise                               200 with X-Key-Id / X-Key-Owner
//
// The registry is held in memory as a snapshot, reloaded by a background
// thread when the store's keys generation moves (polled every 250 ms), so a
// key issued, revoked or suspended by another process takes effect within a
// second. Usage events are queued and written by the same thread in one
// transaction every `flush_interval`, or as soon as `flush_events` are queued
// (group commit): a crash loses at most that window; Stop() (SIGTERM)
// flushes everything. The batch bound keeps each flush short: a flush holds
// its core until it is done (the scheduler does not cut it before its next
// tick, up to 4 ms), and a request waiting on that core waits as long.
// The queue is bounded (`max_queued_events`): when the writer falls that far
// behind, answering waits for it (back-pressure) rather than growing memory
// and the crash window without limit. When the store fails, a batch is kept
// for the next try while the queue has room, else counted as dropped and
// reported on stderr: a broken disk must not take the API down with it. The two event vectors
// (the one being filled, the one being written) trade places at each flush
// with their strings' memory, so a request allocates nothing to be queued. A trip suspends the key in
// memory at once; the background thread records it (registry + audit entry)
// and posts the alert webhooks. The background thread runs at a lower
// priority (nice 5) than the threads that answer.
//
// Thread-safe: Check() may be called from any number of threads.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "alerts/alerts.h"
#include "core/error.h"
#include "desks/keys/detector.h"
#include "desks/keys/settings.h"
#include "store/store.h"

namespace ctodesk::keys {

struct GuardRequest {
  std::string authorization;    // the Authorization header
  std::string api_key_header;   // X-Api-Key
  std::string original_uri;     // X-Original-URI, else the request target
  std::string original_method;  // X-Original-Method, else the request method
  std::string remote_ip;        // X-Real-IP / X-Forwarded-For, else the peer
  std::string user_agent;
  std::int64_t at_ms = 0;       // 0: now
};

struct GuardResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct GuardOptions {
  std::chrono::milliseconds flush_interval{200};
  size_t flush_events = 1024;  // a flush starts when this many events are queued
  size_t max_queued_events = size_t{1} << 18;
  std::chrono::milliseconds poll_interval{250};
  std::string query_parameter = "api_key";
  std::vector<AlertTarget> alerts;
};

struct GuardStats {
  std::int64_t requests = 0, allowed = 0, unauthorized = 0, bad_checksum = 0, suspended = 0,
               throttled = 0, trips = 0, events_written = 0, events_dropped = 0, reloads = 0,
               flushes = 0, queue_full_waits = 0;
};

class Guard {
 public:
  // Loads the registry from `store` and starts the background thread, which
  // then owns `store`. Fails when the store cannot be read.
  static Result<std::unique_ptr<Guard>> Start(std::unique_ptr<Store> store, Settings settings,
                                              GuardOptions options = {});
  ~Guard();  // Stop()

  GuardResponse Check(const GuardRequest& request);
  // Flushes queued events and suspensions, and joins the background thread.
  // Idempotent.
  void Stop();
  GuardStats stats() const;

 private:
  struct Snapshot;
  struct PendingSuspension {
    std::string key_id;
    Decision decision;
    std::int64_t at_ms;
  };
  Guard(std::unique_ptr<Store> store, Settings settings, GuardOptions options);
  Result<void> Reload();
  void Loop();
  void FlushOnce(bool final);
  void Alert(const KeyRecord& key, const Decision& d);

  std::unique_ptr<Store> store_;  // background thread only
  const Settings settings_;
  const GuardOptions options_;

  mutable std::shared_mutex snapshot_mu_;
  std::shared_ptr<const Snapshot> snapshot_;
  std::int64_t generation_ = -1;  // background thread only

  std::mutex detect_mu_;
  Detector detector_;
  std::unordered_map<std::string, std::string> local_suspensions_;  // id -> reason

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;     // wakes the writer
  std::condition_variable queue_space_;  // wakes answers waiting for room in a full queue
  std::vector<UsageEvent> events_;  // [0, queued_) queued; the rest are slots to reuse
  size_t queued_ = 0;
  std::vector<PendingSuspension> suspensions_;
  bool stopping_ = false;

  struct Counters {
    std::atomic<std::int64_t> requests{0}, allowed{0}, unauthorized{0}, bad_checksum{0},
        suspended{0}, throttled{0}, trips{0}, events_written{0}, events_dropped{0}, reloads{0},
        flushes{0}, queue_full_waits{0};
  };
  Counters counters_;
  std::vector<std::string> persisted_;  // background thread only: suspensions now in the store
  std::vector<UsageEvent> writing_;     // background thread only: the batch being written

  std::vector<std::thread> alert_threads_;
  std::thread thread_;
  std::once_flag stopped_;
};

// The key a request carries: `Authorization: Bearer K`, else `X-Api-Key`,
// else the query parameter. Empty when none; points into `request`.
std::string_view ExtractKey(const GuardRequest& request, std::string_view query_parameter);

}  // namespace ctodesk::keys
