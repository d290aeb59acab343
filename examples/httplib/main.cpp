// A small REST service on cpp-httplib, traced by gatetrace: every request gets a server
// span (under Azure API Management's inferred span when APIM forwards it with the
// `x-dd-proxy*` headers), the widget handler opens a child span and calls a downstream
// route (here on the same server, as if it were another service) with the traced
// client, and its log line carries the trace's ids.
//
// Serving under load: cpp-httplib's defaults suit a demo, not a loaded service.
// - TCP_NODELAY on the server and the client: cpp-httplib writes a response's headers
//   and body separately, and without it every keep-alive request waits for the peer's
//   delayed ACK (about 40 ms).
// - A thread pool sized for the load: cpp-httplib holds one pool thread per open
//   connection, and the widget handler's downstream call is served by another thread of
//   the same pool while the handler's thread waits for it. With the default pool (8
//   threads) 8 keep-alive clients took every thread and each downstream call waited in
//   the queue until a connection's keep-alive timed out. Size the pool (`--threads`) to
//   at least twice the concurrent client connections.
// - One keep-alive client per server thread: an httplib::Client sends one request at a
//   time (it serializes callers on a mutex) and, by default, connects anew per call.
// - More requests per keep-alive connection than cpp-httplib's default of 5.
//
//   export DD_TRACE_AGENT_URL=http://127.0.0.1:8126
//   export DD_TRACE_INFERRED_PROXY_SERVICES_ENABLED=true
//   gatetrace-example-httplib --port 8080 [--threads 64] [--untraced]
//   curl localhost:8080/api/widgets/7
//
// `--untraced` serves the same routes without gatetrace installed (no middleware, a plain
// httplib::Client): the baseline of benchmark 9 (test/bench/run-e2e.sh). DD_TRACE_ENABLED=
// false is not that baseline: like other Datadog tracers, it keeps spans and propagation
// working and only stops sending.
//
// Configuration comes from the DD_* environment variables, as in every Datadog tracer.
#include <algorithm>
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

#include <pthread.h>

#include <fmt/format.h>

#include "gatetrace/integrations/httplib.h"
#include "gatetrace/log_correlation.h"
#include "gatetrace/tracer.h"

namespace tracing = gatetrace::httplib_tracing;

namespace {

constexpr int kDefaultThreads = 64;
constexpr std::size_t kRequestsPerConnection = 10000;

// This thread's keep-alive client to the stock service. cpp-httplib runs a handler on
// one of its pool threads from start to end, so each pool thread gets its own
// connection and callers never wait for one another.
tracing::Client& stock_client(gatetrace::Tracer& tracer, const std::string& base) {
  thread_local tracing::Client client = [&] {
    tracing::Client made(tracer, base);
    made.client().set_keep_alive(true);
    made.client().set_tcp_nodelay(true);
    return made;
  }();
  return client;
}

// The same, untraced.
httplib::Client& plain_stock_client(const std::string& base) {
  thread_local httplib::Client client = [&] {
    httplib::Client made(base);
    made.set_keep_alive(true);
    made.set_tcp_nodelay(true);
    return made;
  }();
  return client;
}

}  // namespace

int main(int argc, char** argv) {
  int port = 8080;
  int threads = kDefaultThreads;
  bool untraced = false;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--untraced") untraced = true;
  }
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--port") port = std::atoi(argv[i + 1]);
    if (std::string(argv[i]) == "--threads") threads = std::max(1, std::atoi(argv[i + 1]));
  }
  // Stop signals are collected by the main thread; the server's threads never see them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  gatetrace::TracerConfig config;
  config.service = "widget-shop";  // DD_SERVICE wins when set
  gatetrace::Tracer tracer(config);

  httplib::Server server;
  server.new_task_queue = [threads] {
    return new httplib::ThreadPool(static_cast<std::size_t>(threads));
  };
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(kRequestsPerConnection);
  std::optional<tracing::Middleware> middleware;
  if (!untraced) middleware.emplace(tracer, server);
  const std::string stock_service = fmt::format("http://127.0.0.1:{}", port);

  server.Get(R"(/api/widgets/(\d+))",
             tracing::with_route(
                 "/api/widgets/{id}", [&](const httplib::Request& req, httplib::Response& res) {
                   const std::string id = req.matches[1];
                   gatetrace::Span& request_span = tracing::current_span();
                   {
                     gatetrace::SpanConfig load_config;
                     load_config.name = "widgets.load";
                     load_config.resource = "SELECT widget";
                     gatetrace::Span load = request_span.create_child(load_config);
                     load.set_tag("widget.id", id);
                   }
                   const std::string stock_path = "/internal/stock/" + id;
                   auto stock =
                       untraced ? plain_stock_client(stock_service).Get(stock_path)
                                : stock_client(tracer, stock_service).Get(request_span, stock_path);
                   fmt::print("widget {} requested, stock answered {} {}\n", id,
                              stock ? stock->status : 0, gatetrace::log_correlation(request_span));
                   std::fflush(stdout);
                   if (!stock || stock->status != 200) {
                     res.status = 502;
                     return;
                   }
                   res.set_content(fmt::format(R"({{"id":{},"stock":{}}})", id, stock->body),
                                   "application/json");
                 }));
  server.Get(R"(/internal/stock/(\d+))",
             tracing::with_route("/internal/stock/{id}",
                                 [](const httplib::Request&, httplib::Response& res) {
                                   res.set_content("12", "text/plain");
                                 }));
  server.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok", "text/plain");
  });

  if (!server.bind_to_port("127.0.0.1", port)) {
    std::fprintf(stderr, "cannot listen on 127.0.0.1:%d\n", port);
    return 1;
  }
  std::thread serving([&] { server.listen_after_bind(); });
  std::printf("widget-shop (cpp-httplib) listening on http://127.0.0.1:%d\n", port);
  std::fflush(stdout);
  int received = 0;
  sigwait(&signals, &received);
  server.stop();
  serving.join();
  // The tracer's destructor sends what is left.
  return 0;
}
