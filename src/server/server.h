// `ctodesk serve`'s HTTP server: routes that call the library, no logic of
// their own. Boost.Beast with coroutines on a private io_context.
//   GET /guard, /guard/...  the guard (desks/keys/guard.h), for nginx
//                           auth_request and Envoy ext_authz (HTTP mode)
//   GET /healthz            200 "ok" and the guard's counters as JSON
//   anything else           the WebHandler, when one is given (the dashboard,
//                           dashboard/app.h); 404 otherwise
// Responses of the handler larger than 1 KiB are gzipped when the client
// accepts it. Request bodies are limited to 64 KiB.
//
// Thread-safe; Stop() (or the destructor) stops accepting, closes
// connections and joins its threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "desks/keys/guard.h"

namespace ctodesk {

// "127.0.0.1:8750", "[::1]:8750", "0.0.0.0:8750" -> (address, port). Port 0
// asks the kernel for a free one.
Result<std::pair<std::string, int>> ParseListenAddress(std::string_view text);

// One HTTP request as the web handler sees it: no Beast types.
struct WebRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query, still percent-encoded
  std::string query;   // after '?', without it
  std::string body;
  std::string peer;    // the client's address
  // Lower-case header name -> value (the last one wins).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string Header(std::string_view lower_name) const;
};

struct WebResponse {
  int status = 200;
  std::string content_type = "text/html; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;  // Set-Cookie may repeat
  std::string body;
};

// Serves everything that is not the guard. Called from any server thread.
class WebHandler {
 public:
  virtual ~WebHandler() = default;
  virtual WebResponse Handle(const WebRequest& request) = 0;
};

// gzip of `data` (for responses and the benchmark).
std::string Gzip(std::string_view data);

class HttpServer {
 public:
  // Listens on `listen` with `threads` threads; `guard` (and `web`, when
  // given) outlive the server.
  static Result<std::unique_ptr<HttpServer>> Start(const std::string& listen, keys::Guard& guard,
                                                   int threads = 2, WebHandler* web = nullptr);
  ~HttpServer();
  int port() const;
  void Stop();

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ctodesk
