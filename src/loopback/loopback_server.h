// A small HTTP/1.1 server (plain or TLS) on 127.0.0.1, on a port the kernel
// picks: the demo company's systems, and the servers tests probe and post to.
// Routes answer a fixed status and body after an optional delay; every request
// is recorded. Built on Boost.Beast with coroutines on a private io_context.
//
// Thread-safe: routes can be changed and requests read while it serves.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/error.h"

namespace ctodesk {

struct Route {
  std::string path;  // exact match on the request path (query string ignored)
  int status = 200;
  std::string body;
  std::string content_type = "text/plain";
  Duration delay{0};
};

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct TlsIdentity {
  std::string cert_pem;
  std::string key_pem;
};

class LoopbackServer {
 public:
  // Starts serving on 127.0.0.1:<ephemeral>. With `tls`, speaks HTTPS with that
  // certificate. Unknown paths answer 404.
  static Result<std::unique_ptr<LoopbackServer>> Start(std::vector<Route> routes,
                                                       const TlsIdentity* tls = nullptr);
  ~LoopbackServer();  // stops and joins

  int port() const;
  // "http://127.0.0.1:PORT/path" (https when TLS).
  std::string Url(const std::string& path) const;
  void SetRoute(Route route);  // adds or replaces by path
  std::vector<ReceivedRequest> Requests() const;

  struct Impl;

 private:
  explicit LoopbackServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A self-signed certificate for 127.0.0.1 and localhost, valid from
// `not_before` to `not_after` (EC P-256). It is its own CA: pass cert_pem as the
// CA file to trust it.
Result<TlsIdentity> MakeSelfSignedIdentity(TimePoint not_before, TimePoint not_after);

// A TCP port on 127.0.0.1 where nothing listens (bound, then released).
int UnusedLoopbackPort();

}  // namespace ctodesk
