#include "server/server.h"
#include "core/json_text.h"

#include <algorithm>
#include <charconv>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <zlib.h>

namespace ctodesk {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

Result<std::pair<std::string, int>> ParseListenAddress(std::string_view text) {
  size_t colon = text.rfind(':');
  auto bad = [&] {
    return Fail(Error::Invalid(fmt::format(
        "listen address \"{}\": expected host:port such as 127.0.0.1:8750", text)));
  };
  if (colon == std::string_view::npos || colon == 0) return bad();
  std::string host(text.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::string_view port_text = text.substr(colon + 1);
  int port = -1;
  auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || p != port_text.data() + port_text.size() || port < 0 || port > 65535) {
    return bad();
  }
  if (host == "localhost") host = "127.0.0.1";
  beast::error_code aec;
  asio::ip::make_address(host, aec);
  if (aec) return bad();
  return std::pair(host, port);
}

std::string WebRequest::Header(std::string_view lower_name) const {
  std::string value;
  for (const auto& [k, v] : headers) {
    if (k == lower_name) value = v;
  }
  return value;
}

std::string Gzip(std::string_view data) {
  z_stream z{};
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END ? out : std::string();
}

using Request = http::request<http::string_body>;

struct HttpServer::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  keys::Guard* guard = nullptr;
  WebHandler* web = nullptr;
  // The web handler runs on its own thread, so a slow page never holds up
  // the threads that answer the guard.
  asio::io_context web_io{1};
  asio::executor_work_guard<asio::io_context::executor_type> web_work{web_io.get_executor()};
  std::thread web_thread;
  std::vector<std::thread> threads;
  std::once_flag stopped;

  // The value of header `name` into `out`, reusing its memory; empty when absent.
  static void Field(const Request& req, std::string_view name, std::string& out) {
    auto it = req.find(beast::string_view(name.data(), name.size()));
    if (it == req.end()) out.clear();
    else out.assign(it->value().data(), it->value().size());
  }

  // Header values come from the registry (owner, client, plan): never let
  // one end the header early.
  static void AppendHeaderValue(std::string& out, std::string_view value) {
    for (char c : value) out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c);
  }

  // The guard answers every API request, so its response is written by hand
  // into the session's buffer (`wire`) instead of through a beast message:
  // the same bytes, a third of the work. `g` is the session's, so its
  // strings keep their memory from one request to the next.
  void Guard(const Request& req, const std::string& peer, keys::GuardRequest& g, std::string& wire) {
    Field(req, "Authorization", g.authorization);
    Field(req, "X-Api-Key", g.api_key_header);
    Field(req, "X-Original-URI", g.original_uri);
    if (g.original_uri.empty()) {
      // Envoy ext_authz (HTTP mode) sends the original path after our prefix.
      std::string_view target(req.target().data(), req.target().size());
      g.original_uri.assign(target.size() > 6 ? target.substr(6) : std::string_view("/"));
    }
    Field(req, "X-Original-Method", g.original_method);
    if (g.original_method.empty()) {
      g.original_method.assign(req.method_string().data(), req.method_string().size());
    }
    Field(req, "X-Real-IP", g.remote_ip);
    if (g.remote_ip.empty()) {
      Field(req, "X-Forwarded-For", g.remote_ip);
      if (g.remote_ip.empty()) g.remote_ip.assign(peer);
      else g.remote_ip.resize(std::min(g.remote_ip.size(), g.remote_ip.find(',')));
    }
    Field(req, "User-Agent", g.user_agent);
    g.at_ms = 0;
    keys::GuardResponse r = guard->Check(g);

    const auto status = static_cast<http::status>(r.status);
    const beast::string_view reason = http::obsolete_reason(status);
    wire.clear();
    wire.append(req.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
    wire.append(std::to_string(r.status)).append(" ").append(reason.data(), reason.size()).append("\r\n");
    for (const auto& [k, v] : r.headers) {
      wire.append(k).append(": ");
      AppendHeaderValue(wire, v);
      wire.append("\r\n");
    }
    wire.append("Content-Type: text/plain\r\nServer: ctodesk\r\n");
    if (req.version() == 10 && req.keep_alive()) wire.append("Connection: keep-alive\r\n");
    if (req.version() != 10 && !req.keep_alive()) wire.append("Connection: close\r\n");
    wire.append("Content-Length: ").append(std::to_string(r.body.size())).append("\r\n\r\n");
    wire.append(r.body);
  }

  http::response<http::string_body> Health(const Request& req) {
    keys::GuardStats s = guard->stats();
    nlohmann::ordered_json j = {{"status", "ok"},
                                {"guard",
                                 {{"requests", s.requests},
                                  {"allowed", s.allowed},
                                  {"unauthorized", s.unauthorized},
                                  {"bad_checksum", s.bad_checksum},
                                  {"suspended", s.suspended},
                                  {"throttled", s.throttled},
                                  {"trips", s.trips},
                                  {"events_written", s.events_written},
                                  {"events_dropped", s.events_dropped},
                                  {"queue_full_waits", s.queue_full_waits},
                                  {"registry_reloads", s.reloads}}}};
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.set(http::field::content_type, "application/json");
    res.body() = JsonText(j) + "\n";
    return res;
  }

  asio::awaitable<http::response<http::string_body>> Web(const Request& req, std::string_view path,
                                                         const std::string& peer) {
    WebRequest w;
    w.method = std::string(req.method_string());
    std::string_view target(req.target().data(), req.target().size());
    w.path = std::string(path);
    if (size_t q = target.find('?'); q != std::string_view::npos) w.query = std::string(target.substr(q + 1));
    w.body = req.body();
    w.peer = peer;
    for (const auto& field : req) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      w.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    WebResponse r = co_await asio::co_spawn(
        web_io, [this, &w]() -> asio::awaitable<WebResponse> { co_return web->Handle(w); },
        asio::use_awaitable);
    http::response<http::string_body> res{static_cast<http::status>(r.status), req.version()};
    res.set(http::field::content_type, r.content_type);
    for (const auto& [k, v] : r.headers) res.insert(k, v);
    const std::string accept = w.Header("accept-encoding");
    if (r.body.size() > 1024 && accept.find("gzip") != std::string::npos) {
      std::string gz = Gzip(r.body);
      if (!gz.empty()) {
        r.body = std::move(gz);
        res.set(http::field::content_encoding, "gzip");
      }
    }
    res.set(http::field::vary, "Accept-Encoding");
    res.body() = std::move(r.body);
    if (req.method() == http::verb::head) res.body().clear();  // headers only
    co_return res;
  }

  asio::awaitable<void> Session(tcp::socket socket) {
    beast::error_code ec;
    std::string peer = socket.remote_endpoint(ec).address().to_string();
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    keys::GuardRequest guard_request;
    std::string guard_wire;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(16 * 1024);
      parser.body_limit(64 * 1024);
      stream.expires_after(std::chrono::seconds(60));  // idle keep-alive connections
      co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      const auto& req = parser.get();
      std::string_view path(req.target().data(), req.target().size());
      path = path.substr(0, path.find('?'));
      if (path == "/guard" || path.rfind("/guard/", 0) == 0) {
        Guard(req, peer, guard_request, guard_wire);
        co_await asio::async_write(stream, asio::buffer(guard_wire),
                                   asio::redirect_error(asio::use_awaitable, ec));
        if (ec || !req.keep_alive()) break;
        continue;
      }
      http::response<http::string_body> res;
      if (path == "/healthz") {
        res = Health(req);
      } else if (web != nullptr) {
        res = co_await Web(req, path, peer);
      } else {
        res = http::response<http::string_body>{http::status::not_found, req.version()};
        res.set(http::field::content_type, "text/plain");
        res.body() = "not found\n";
      }
      res.set(http::field::server, "ctodesk");
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !res.keep_alive()) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  asio::awaitable<void> Accept() {
    for (;;) {
      beast::error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      socket.set_option(tcp::no_delay(true), ec);
      asio::co_spawn(io, Session(std::move(socket)), asio::detached);
    }
  }
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() { Stop(); }

void HttpServer::Stop() {
  std::call_once(impl_->stopped, [this] {
    asio::post(impl_->io, [this] {
      beast::error_code ignored;
      impl_->acceptor.close(ignored);
    });
    impl_->io.stop();
    for (std::thread& t : impl_->threads) t.join();
    impl_->web_work.reset();
    impl_->web_io.stop();
    if (impl_->web_thread.joinable()) impl_->web_thread.join();
  });
}

int HttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& listen, keys::Guard& guard,
                                                      int threads, WebHandler* web) {
  auto where = ParseListenAddress(listen);
  if (!where) return Fail(where.error());
  auto impl = std::make_unique<Impl>();
  impl->guard = &guard;
  impl->web = web;
  try {
    tcp::endpoint endpoint(asio::ip::make_address(where->first), static_cast<unsigned short>(where->second));
    impl->acceptor.open(endpoint.protocol());
    impl->acceptor.set_option(asio::socket_base::reuse_address(true));
    impl->acceptor.bind(endpoint);
    impl->acceptor.listen(asio::socket_base::max_listen_connections);
  } catch (const std::exception& e) {
    return Fail(Error::Io(fmt::format("cannot listen on {}: {}", listen, e.what())));
  }
  asio::co_spawn(impl->io, impl->Accept(), asio::detached);
  if (web != nullptr) {
    impl->web_thread = std::thread([io = &impl->web_io] {
      for (;;) {
        try {
          io->run();
          return;
        } catch (const std::exception& e) {
          fmt::print(stderr, "ctodesk serve: {}\n", e.what());
        }
      }
    });
  }
  for (int i = 0; i < std::max(1, threads); ++i) {
    impl->threads.emplace_back([io = &impl->io] {
      for (;;) {
        try {
          io->run();
          return;
        } catch (const std::exception& e) {
          fmt::print(stderr, "ctodesk serve: {}\n", e.what());  // one bad connection, not the server
        }
      }
    });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

}  // namespace ctodesk
