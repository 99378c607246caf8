// `ctodesk serve`'s HTTP server: routes that call the library, no logic of
// their own. Boost.Beast with coroutines on a private io_context.
//   GET /guard, /guard/...  the guard (desks/keys/guard.h), for nginx
//                           auth_request and Envoy ext_authz (HTTP mode)
//   GET /healthz            200 "ok" and the guard's counters as JSON
//
// Thread-safe; Stop() (or the destructor) stops accepting, closes
// connections and joins its threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.h"
#include "desks/keys/guard.h"

namespace ctodesk {

// "127.0.0.1:8750", "[::1]:8750", "0.0.0.0:8750" -> (address, port). Port 0
// asks the kernel for a free one.
Result<std::pair<std::string, int>> ParseListenAddress(std::string_view text);

class HttpServer {
 public:
  // Listens on `listen` with `threads` threads; `guard` outlives the server.
  static Result<std::unique_ptr<HttpServer>> Start(const std::string& listen, keys::Guard& guard,
                                                   int threads = 2);
  ~HttpServer();
  int port() const;
  void Stop();

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ctodesk
