// The dashboard as a WebHandler for `ctodesk serve`: routes requests to the
// view, HTML, JSON and metrics functions of this module, and guards the
// actions. The HTTP server (server/) only moves bytes.
//
//   GET  /                         the briefing (filters in the query)
//   GET  /desks/<desk>             one desk's page
//   GET  /api/brief                JSON, paginated (limit/offset or cursor)
//   GET  /api/desks                freshness of every desk
//   GET  /api/desks/<desk>/findings, /api/desks/<desk>/history
//   GET  /metrics                  Prometheus
//   GET  /static/app.css|app.js|icon.svg
//   GET  /login   POST /login   POST /logout   (5 failed sign-ins for one name
//                                 from one client address in 15 minutes lock that
//                                 name for that address, 100 from all addresses
//                                 lock it for everyone, until they age out; behind
//                                 a reverse proxy on this machine the address is
//                                 its X-Real-IP or last X-Forwarded-For hop)
//   POST /actions/revoke|lift|acknowledge|run    admin session + CSRF token
//
// Access: when the server listens on loopback, reading needs no login;
// otherwise every page and API call needs a session. Actions always need a
// session of an admin account and the session's CSRF token, and each one is
// written to the audit trail. Every response carries a strict
// Content-Security-Policy (default-src 'self').
//
// Thread-safe: requests are served one at a time under a mutex (the Store
// is single-threaded); rendering the briefing takes milliseconds. Desk runs
// asked for from the page happen on one background thread, one at a time.
#pragma once

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <thread>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "brief/brief.h"
#include "core/clock.h"
#include "desks/keys/guard.h"
#include "server/server.h"
#include "store/store.h"

namespace ctodesk::dashboard {

struct AppOptions {
  bool loopback = true;        // read-only without login
  std::string company;
  std::vector<std::string> desks;  // configured, in briefing order
  std::chrono::hours session_lifetime{12};
  // When set, "run a desk now" runs on a background thread with its own
  // connection to this store, so a slow desk never holds up the server's
  // threads (and the guard); when empty it runs inside the request (tests).
  std::filesystem::path store_path;
  // Failed sign-ins for one name, from all client addresses, within 15
  // minutes that lock the name for everyone.
  size_t sign_in_failures_per_name = 100;
};

class DashboardApp final : public WebHandler {
 public:
  // `setup` (for "run a desk now"; may be null), `clock` and `guard` (for
  // /metrics; may be null) outlive the app. The app owns `store`.
  DashboardApp(std::unique_ptr<Store> store, Setup* setup, const Clock& clock,
               const keys::Guard* guard, AppOptions options);
  ~DashboardApp() override;  // waits for a desk run in progress
  WebResponse Handle(const WebRequest& request) override;

 private:
  void RunLoop();
  struct Who {
    std::string user, role, csrf, token_hash;
  };
  WebResponse Route(const WebRequest& r, const Who& who);
  WebResponse Action(const WebRequest& r, const Who& who, std::string_view name);
  WebResponse Login(const WebRequest& r);
  std::optional<Who> SessionOf(const WebRequest& r);

  std::mutex mu_;
  // Failed sign-ins in the last 15 minutes, under mu_: by name + "\n" +
  // client address, and by name alone.
  std::map<std::string, std::vector<TimePoint>> failed_logins_;
  std::map<std::string, std::vector<TimePoint>> failed_logins_by_name_;
  std::unique_ptr<Store> store_;
  Setup* setup_;
  const Clock& clock_;
  const keys::Guard* guard_;
  AppOptions options_;

  std::mutex run_mu_;  // guards the queue; Setup's desks are used by the runner only
  std::condition_variable run_cv_;
  std::deque<std::string> run_queue_;
  bool stopping_ = false;
  std::thread runner_;
};

// Splits "a=1&b=x%20y" into pairs, decoding %XX and '+'.
std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view query);
std::string QueryValue(const std::vector<std::pair<std::string, std::string>>& q, std::string_view key);
// True for 127.0.0.0/8 and ::1.
bool IsLoopbackAddress(std::string_view host);

}  // namespace ctodesk::dashboard
