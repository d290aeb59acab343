// A small asynchronous HTTP/1.1 server on Boost.Beast, the shape most Beast services
// have: an acceptor, one session per connection on its own strand, keep-alive, and a
// few threads running the io_context. It hands every request to a handler with the
// peer's address and a `send` callback that may be called later, from any thread.
// The Beast example and the Beast integration tests both run on it.
#pragma once

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace beast_example {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
using RequestHandler =
    std::function<void(Request request, std::string_view peer, std::function<void(Response)>)>;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const RequestHandler& handler)
      : stream_(std::move(socket)), handler_(handler) {
    beast::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) peer_ = endpoint.address().to_string();
  }

  void start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
  }

 private:
  void read() {
    request_ = {};
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->close();
                       self->dispatch();
                     });
  }

  void dispatch() {
    // The callback owns the session: a response may come after this read's handler is
    // gone, and the connection must stay open until it is written.
    auto executor = stream_.get_executor();
    handler_(std::move(request_), peer_, [self = shared_from_this(), executor](Response response) {
      // The handler may answer from any thread: write on the session's strand.
      asio::dispatch(executor, [self, response = std::move(response)]() mutable {
        self->write(std::move(response));
      });
    });
  }

  void write(Response response) {
    auto owned = std::make_shared<Response>(std::move(response));
    http::async_write(stream_, *owned,
                      [self = shared_from_this(), owned](beast::error_code ec, std::size_t) {
                        if (ec || !owned->keep_alive()) return self->close();
                        self->read();
                      });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  Request request_;
  std::string peer_;
  const RequestHandler& handler_;
};

class Server {
 public:
  // Listens on 127.0.0.1:`port` (0: an ephemeral port) and serves on `threads` threads.
  Server(RequestHandler handler, unsigned short port = 0, int threads = 4,
         const std::string& address = "127.0.0.1")
      : handler_(std::move(handler)), acceptor_(asio::make_strand(context_)) {
    tcp::endpoint endpoint(asio::ip::make_address(address), port);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept();
    for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { context_.run(); });
  }
  ~Server() { stop(); }
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  unsigned short port() const { return port_; }

  void stop() {
    context_.stop();
    for (auto& worker : workers_) {
      if (worker.joinable()) worker.join();
    }
  }

 private:
  void accept() {
    acceptor_.async_accept(asio::make_strand(context_),
                           [this](beast::error_code ec, tcp::socket socket) {
                             if (!ec)
                               std::make_shared<Session>(std::move(socket), handler_)->start();
                             if (acceptor_.is_open()) accept();
                           });
  }

  RequestHandler handler_;
  asio::io_context context_;
  tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::vector<std::thread> workers_;
};

}  // namespace beast_example
