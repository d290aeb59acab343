// Shared by the reliability tests: a Tracer wired to a real libcurl client pointed at a
// loopback agent stand-in, with a request timeout shorter than the production 2 s so
// that a hung agent costs the test a fraction of a second; a raw TCP "agent" for faults
// the stand-in cannot produce (a truncated answer); and the stress size knob.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "agent_stand_in/agent_stand_in.h"
#include "gatetrace/export/curl_http_client.h"
#include "gatetrace/http_client.h"
#include "gatetrace/tracer.h"
#include "gatetrace/tracer_config.h"
#include "gatetrace/tracer_stats.h"
#include "support/recording_logger.h"

namespace gatetrace::reliability {

using namespace std::chrono_literals;

// The libcurl client with the exporter's 2 s request timeout replaced: shorter, so that
// a hung agent (or one answering after 10 s: the scenario is the same) costs the test a
// fraction of a second; or longer, so that a stand-in slowed down by a sanitizer is not
// taken for a hung agent (a request timing out after the agent took it is retried, and
// then counted twice by the stand-in). A shorter timeout the exporter asks for as its
// shutdown deadline nears is kept.
class RequestTimeoutClient final : public HttpClient {
 public:
  RequestTimeoutClient(const AgentUrl& url, std::chrono::milliseconds timeout)
      : inner_(make_curl_http_client(url)), timeout_(timeout) {}
  Expected<HttpResponse> send(const HttpRequest& request,
                              std::chrono::milliseconds timeout) override {
    constexpr std::chrono::milliseconds kExporterTimeout{2000};
    return inner_->send(request,
                        timeout < kExporterTimeout ? std::min(timeout, timeout_) : timeout_);
  }

 private:
  std::shared_ptr<HttpClient> inner_;
  std::chrono::milliseconds timeout_;
};

inline AgentUrl loopback_url(int port) {
  AgentUrl url;
  url.host = "127.0.0.1";
  url.port = port;
  return url;
}

// A port nothing listens on (taken from the kernel, then released).
inline int free_port() {
  standin::AgentStandIn probe;
  const int port = probe.port();
  probe.stop();
  return port;
}

struct TracerOptions {
  std::optional<std::chrono::milliseconds> request_timeout = 300ms;  // unset: libcurl default
  std::chrono::milliseconds flush_interval = 1h;  // tests flush when they mean to
  std::chrono::milliseconds shutdown_timeout = 2s;
  std::size_t buffer_bytes = 16u << 20;
  bool partial_flush = false;
};

inline TracerConfig tracer_config(int port, std::shared_ptr<testing::RecordingLogger> logger,
                                  const TracerOptions& options = {}) {
  TracerConfig config;
  config.service = "reliability";
  config.agent_url = "http://127.0.0.1:" + std::to_string(port);
  config.flush_interval = options.flush_interval;
  config.shutdown_timeout = options.shutdown_timeout;
  config.writer_buffer_size_bytes = options.buffer_bytes;
  config.startup_logs = false;
  config.partial_flush_enabled = options.partial_flush;
  config.logger = std::move(logger);
  if (options.request_timeout) {
    config.http_client =
        std::make_shared<RequestTimeoutClient>(loopback_url(port), *options.request_timeout);
  }
  // The machine's DD_* variables must not leak into the tests.
  config.environment_lookup = [](std::string_view) -> std::optional<std::string> {
    return std::nullopt;
  };
  return config;
}

// Finishes `count` traces of `spans` spans each (a root and its children).
inline void finish_traces(Tracer& tracer, std::size_t count, std::size_t spans = 2) {
  for (std::size_t i = 0; i < count; ++i) {
    Span root = tracer.create_span({.name = "request"});
    for (std::size_t j = 1; j < spans; ++j) {
      Span child = root.create_child({.name = "work"});
      child.set_tag("step", std::to_string(j));
    }
  }
}

inline std::chrono::steady_clock::duration time_to_finish(Tracer& tracer, std::size_t count) {
  const auto start = std::chrono::steady_clock::now();
  finish_traces(tracer, count);
  return std::chrono::steady_clock::now() - start;
}

// GATETRACE_STRESS_SCALE (sanitizer runs use 0.1) times `count`, at least 1.
inline std::size_t scaled(std::size_t count) {
  double scale = 1.0;
  if (const char* text = std::getenv("GATETRACE_STRESS_SCALE")) scale = std::atof(text);
  if (!(scale > 0)) scale = 1.0;
  const auto result = static_cast<std::size_t>(static_cast<double>(count) * scale);
  return result == 0 ? 1 : result;
}

// A minimal HTTP "agent" on a raw socket: reads one request at a time and, depending on
// `truncate`, answers a complete 200 or the start of one (a Content-Length promising
// more than is sent) before closing: an agent dying mid-response.
class RawAgent {
 public:
  RawAgent() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    ::listen(listen_fd_, 16);
    thread_ = std::thread([this] { serve(); });
  }
  ~RawAgent() {
    stopping_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    thread_.join();
    ::close(listen_fd_);
  }
  RawAgent(const RawAgent&) = delete;
  RawAgent& operator=(const RawAgent&) = delete;

  int port() const { return port_; }
  std::atomic<bool> truncate{true};
  std::atomic<int> requests{0};
  std::atomic<int> complete_answers{0};

 private:
  void serve() {
    while (!stopping_) {
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      std::string buffer;
      char chunk[65536];
      while (true) {
        const auto header_end = buffer.find("\r\n\r\n");
        if (header_end != std::string::npos) {
          const auto at = buffer.find("Content-Length: ");
          const std::size_t length =
              at == std::string::npos ? 0 : std::strtoull(buffer.c_str() + at + 16, nullptr, 10);
          if (buffer.size() >= header_end + 4 + length) {
            buffer.erase(0, header_end + 4 + length);
            ++requests;
            if (truncate) {
              const std::string partial =
                  "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                  "Content-Length: 1000\r\n\r\n{\"rate_by_ser";
              [[maybe_unused]] auto n = ::send(fd, partial.data(), partial.size(), MSG_NOSIGNAL);
              break;  // close mid-response
            }
            const std::string body = R"({"rate_by_service":{}})";
            const std::string answer =
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                "Content-Length: " +
                std::to_string(body.size()) + "\r\n\r\n" + body;
            ++complete_answers;  // before the client can see the answer
            [[maybe_unused]] auto n = ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
            continue;
          }
        }
        pollfd readable{fd, POLLIN, 0};
        if (::poll(&readable, 1, 100) == 0) {
          if (stopping_) break;
          continue;
        }
        const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) break;
        buffer.append(chunk, static_cast<std::size_t>(n));
      }
      ::close(fd);
    }
  }

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace gatetrace::reliability
