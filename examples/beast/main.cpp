// A small REST service on Boost.Beast, traced by gatetrace. Beast has no router, so the
// handler below routes by hand; TracedHandler gives it each request's tracing as an
// explicit context, which it carries into the asynchronous step that answers. The
// widget handler calls a downstream route (on the same server, as if it were another
// service) with libcurl through gatetrace's traced helper.
//
//   export DD_TRACE_AGENT_URL=http://127.0.0.1:8126
//   export DD_TRACE_INFERRED_PROXY_SERVICES_ENABLED=true
//   gatetrace-example-beast --port 8081
//   curl localhost:8081/api/widgets/7
#include <curl/curl.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <pthread.h>

#include <fmt/format.h>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "beast/beast_server.h"
#include "gatetrace/curl_client_span.h"
#include "gatetrace/integrations/beast.h"
#include "gatetrace/log_correlation.h"
#include "gatetrace/tracer.h"

namespace http = boost::beast::http;
using gatetrace::beast_tracing::Request;
using gatetrace::beast_tracing::RequestContext;
using gatetrace::beast_tracing::Response;
using gatetrace::beast_tracing::Send;

namespace {

Response text(const Request& request, http::status status, std::string body,
              const char* type = "text/plain") {
  Response response{status, request.version()};
  response.set(http::field::content_type, type);
  response.keep_alive(request.keep_alive());
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

std::size_t append(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

}  // namespace

int main(int argc, char** argv) {
  int port = 8081;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--port") port = std::atoi(argv[i + 1]);
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  curl_global_init(CURL_GLOBAL_DEFAULT);

  gatetrace::TracerConfig config;
  config.service = "widget-shop-beast";  // DD_SERVICE wins when set
  gatetrace::Tracer tracer(config);
  const std::string base = fmt::format("http://127.0.0.1:{}", port);
  // Where slow work goes, off the server's threads.
  boost::asio::thread_pool workers(2);

  gatetrace::beast_tracing::TracedHandler handler(
      tracer, [&](Request request, RequestContext context, Send send) {
        const std::string target(request.target());
        const std::string path = target.substr(0, target.find('?'));
        if (path.rfind("/api/widgets/", 0) == 0) {
          context.set_route("/api/widgets/{id}");
          const std::string id = path.substr(13);
          boost::asio::post(
              workers, [&tracer, &base, context, request = std::move(request), send, id]() mutable {
                {
                  gatetrace::SpanConfig load_config;
                  load_config.name = "widgets.load";
                  gatetrace::Span load = context.span().create_child(load_config);
                  load.set_tag("widget.id", id);
                }
                std::string stock;
                CURL* curl = curl_easy_init();
                curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append);
                curl_easy_setopt(curl, CURLOPT_WRITEDATA, &stock);
                const CURLcode rc = gatetrace::perform_traced(tracer, context.span(), curl, "GET",
                                                              base + "/internal/stock/" + id);
                curl_easy_cleanup(curl);
                fmt::print("widget {} requested, stock answered {} {}\n", id, stock,
                           gatetrace::log_correlation(context.span()));
                std::fflush(stdout);
                if (rc != CURLE_OK) return send(text(request, http::status::bad_gateway, "stock?"));
                send(text(request, http::status::ok,
                          fmt::format(R"({{"id":{},"stock":{}}})", id, stock), "application/json"));
              });
        } else if (path.rfind("/internal/stock/", 0) == 0) {
          context.set_route("/internal/stock/{id}");
          send(text(request, http::status::ok, "12"));
        } else if (path == "/health") {
          send(text(request, http::status::ok, "ok"));
        } else {
          send(text(request, http::status::not_found, "not found"));
        }
      });

  try {
    beast_example::Server server(
        [&handler](Request request, std::string_view peer, std::function<void(Response)> send) {
          handler(std::move(request), peer, std::move(send));
        },
        static_cast<unsigned short>(port));
    std::printf("widget-shop (Boost.Beast) listening on http://127.0.0.1:%d\n", server.port());
    std::fflush(stdout);
    int received = 0;
    sigwait(&signals, &received);
    server.stop();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "gatetrace-example-beast: %s\n", error.what());
    return 1;
  }
  workers.join();
  curl_global_cleanup();
  return 0;
}
