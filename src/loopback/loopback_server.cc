#include "loopback/loopback_server.h"

#include <mutex>
#include <thread>

#include <boost/asio.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace ctodesk {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct LoopbackServer::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::unique_ptr<asio::ssl::context> ssl;
  std::vector<std::thread> threads;
  mutable std::mutex mu;
  std::vector<Route> routes;
  std::vector<ReceivedRequest> requests;

  Route Lookup(const std::string& target) {
    std::string path = target.substr(0, target.find('?'));
    std::lock_guard lock(mu);
    for (const Route& r : routes) {
      if (r.path == path) return r;
    }
    return Route{path, 404, "not found\n"};
  }

  void Record(const http::request<http::string_body>& req) {
    ReceivedRequest rr{std::string(req.method_string()), std::string(req.target()), req.body(), {}};
    for (const auto& field : req) {
      rr.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    std::lock_guard lock(mu);
    requests.push_back(std::move(rr));
  }

  template <typename Stream>
  asio::awaitable<void> Serve(Stream& stream) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      beast::error_code ec;
      co_await http::async_read(stream, buffer, req, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      Record(req);
      Route route = Lookup(std::string(req.target()));
      if (route.delay.count() > 0) {
        asio::steady_timer timer(co_await asio::this_coro::executor, route.delay);
        beast::error_code timer_ec;
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, timer_ec));
      }
      http::response<http::string_body> res{static_cast<http::status>(route.status), req.version()};
      res.set(http::field::server, "ctodesk-loopback");
      res.set(http::field::content_type, route.content_type);
      res.keep_alive(req.keep_alive());
      res.body() = route.body;
      res.prepare_payload();
      beast::error_code wec;
      co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, wec));
      if (wec || !res.keep_alive()) co_return;
    }
  }

  asio::awaitable<void> Session(tcp::socket socket) {
    if (!ssl) {
      beast::tcp_stream stream(std::move(socket));
      co_await Serve(stream);
      beast::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      co_return;
    }
    beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *ssl);
    beast::error_code ec;
    co_await stream.async_handshake(asio::ssl::stream_base::server,
                                    asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    co_await Serve(stream);
    co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
  }

  asio::awaitable<void> Accept() {
    for (;;) {
      beast::error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;  // closed on shutdown
      asio::co_spawn(io, Session(std::move(socket)), asio::detached);
    }
  }
};

LoopbackServer::LoopbackServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

LoopbackServer::~LoopbackServer() {
  asio::post(impl_->io, [this] {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
  });
  impl_->io.stop();
  for (std::thread& t : impl_->threads) t.join();
}

Result<std::unique_ptr<LoopbackServer>> LoopbackServer::Start(std::vector<Route> routes,
                                                              const TlsIdentity* tls) {
  auto impl = std::make_unique<Impl>();
  impl->routes = std::move(routes);
  try {
    if (tls) {
      impl->ssl = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
      impl->ssl->use_certificate_chain(asio::buffer(tls->cert_pem));
      impl->ssl->use_private_key(asio::buffer(tls->key_pem), asio::ssl::context::pem);
    }
    tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    impl->acceptor.open(endpoint.protocol());
    impl->acceptor.set_option(asio::socket_base::reuse_address(true));
    impl->acceptor.bind(endpoint);
    impl->acceptor.listen(asio::socket_base::max_listen_connections);
  } catch (const std::exception& e) {
    return Fail(Error::Io(fmt::format("loopback server: {}", e.what())));
  }
  asio::co_spawn(impl->io, impl->Accept(), asio::detached);
  for (int i = 0; i < 2; ++i) {
    impl->threads.emplace_back([io = &impl->io] {
      for (;;) {
        try {
          io->run();
          return;
        } catch (const std::exception&) {
          // A misbehaving client must not take the server down.
        }
      }
    });
  }
  return std::unique_ptr<LoopbackServer>(new LoopbackServer(std::move(impl)));
}

int LoopbackServer::port() const { return impl_->acceptor.local_endpoint().port(); }

std::string LoopbackServer::Url(const std::string& path) const {
  return fmt::format("{}://127.0.0.1:{}{}", impl_->ssl ? "https" : "http", port(), path);
}

void LoopbackServer::SetRoute(Route route) {
  std::lock_guard lock(impl_->mu);
  for (Route& r : impl_->routes) {
    if (r.path == route.path) {
      r = std::move(route);
      return;
    }
  }
  impl_->routes.push_back(std::move(route));
}

std::vector<ReceivedRequest> LoopbackServer::Requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->requests;
}

int UnusedLoopbackPort() {
  asio::io_context io;
  tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

namespace {

std::string ToPem(int (*write)(BIO*, void*), void* object) {
  BIO* bio = BIO_new(BIO_s_mem());
  write(bio, object);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

}  // namespace

Result<TlsIdentity> MakeSelfSignedIdentity(TimePoint not_before, TimePoint not_after) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (!key) return Fail(Error::Internal("cannot generate an EC key"));
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), static_cast<long>(ToUnix(not_after) & 0x7fffffff));
  ASN1_TIME_set(X509_getm_notBefore(cert), static_cast<time_t>(ToUnix(not_before)));
  ASN1_TIME_set(X509_getm_notAfter(cert), static_cast<time_t>(ToUnix(not_after)));
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("ctodesk demo"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost"},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (ext) {
      X509_add_ext(cert, ext, -1);
      X509_EXTENSION_free(ext);
    }
  }
  bool signed_ok = X509_sign(cert, key, EVP_sha256()) > 0;
  TlsIdentity id;
  if (signed_ok) {
    id.cert_pem = ToPem([](BIO* b, void* o) { return PEM_write_bio_X509(b, static_cast<X509*>(o)); },
                        cert);
    id.key_pem = ToPem(
        [](BIO* b, void* o) {
          return PEM_write_bio_PrivateKey(b, static_cast<EVP_PKEY*>(o), nullptr, nullptr, 0,
                                          nullptr, nullptr);
        },
        key);
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  if (!signed_ok) return Fail(Error::Internal("cannot sign the certificate"));
  return id;
}

}  // namespace ctodesk
