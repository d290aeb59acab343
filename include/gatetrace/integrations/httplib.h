// Tracing for cpp-httplib servers and clients (Debian's libcpp-httplib-dev, 0.11).
//
// Server side: `Middleware` installs cpp-httplib's pre-routing, exception and
// post-routing handlers. Each request gets an HttpServerSpan (the server span, under the
// API gateway's inferred span when the request carries `x-dd-proxy*` headers); the
// status, the response headers named by DD_TRACE_HEADER_TAGS and any exception escaping
// a handler are recorded, and the spans finish when the response is written.
//
//   httplib::Server server;
//   gatetrace::httplib_tracing::Middleware tracing(tracer, server);
//   server.Get(R"(/users/(\d+))", gatetrace::httplib_tracing::with_route("/users/{id}",
//       [&](const httplib::Request& req, httplib::Response& res) {
//         gatetrace::Span& span = gatetrace::httplib_tracing::current_span();
//         ...
//       }));
//
// cpp-httplib has one slot per handler kind, so set your own pre-routing, post-routing
// and exception handlers through the Middleware (which chains them behind its own), not
// on the server: the server's setters would replace the tracing handlers. cpp-httplib
// only knows the regular expression a request matched, so the route (resource and
// `http.route`) is what `with_route` / `set_route` name; unnamed, the resource is the
// method alone, which keeps resources few. Requests that cpp-httplib rejects before
// routing (malformed, too long) are not traced.
//
// cpp-httplib serves each request on one thread from start to end, so the request's
// tracing is kept in a thread-local slot for `current_span()` inside the handler.
//
// Client side: `Client` wraps an httplib::Client; each call gets an HttpClientSpan (a
// child of the given span) and carries the trace context in its headers.
//
// Build against cpp-httplib with the compile flags of its pkg-config file
// (cpp-httplib.pc): they change the layout of its classes.
#pragma once

#include <httplib.h>

#include <memory>
#include <string>
#include <string_view>

#include "gatetrace/api.h"
#include "gatetrace/http_server_span.h"
#include "gatetrace/span.h"
#include "gatetrace/tracer.h"

namespace gatetrace::httplib_tracing {

class GATETRACE_API Middleware {
 public:
  // Installs the tracing handlers on `server`. The tracer must outlive the server's use.
  Middleware(Tracer& tracer, httplib::Server& server);

  // The application's own handlers, called after tracing's pre-routing step, before its
  // post-routing step, and for exceptions escaping a route handler (without one, the
  // response is a 500, as cpp-httplib's own default).
  Middleware& set_pre_routing_handler(httplib::Server::HandlerWithResponse handler);
  Middleware& set_post_routing_handler(httplib::Server::Handler handler);
  Middleware& set_exception_handler(httplib::Server::ExceptionHandler handler);

  struct State;

 private:
  std::shared_ptr<State> state_;
};

// The request being handled on this thread, or null outside a traced request.
GATETRACE_API HttpServerSpan* current_request();
// The current request's server span (the parent for the handler's spans); an empty
// span outside a traced request.
GATETRACE_API Span& current_span();
// Names the current request's route ("/users/{id}"): resource and http.route.
GATETRACE_API void set_route(std::string_view route);

// A route handler that names its route before running `handler`.
inline httplib::Server::Handler with_route(std::string route, httplib::Server::Handler handler) {
  return [route = std::move(route), handler = std::move(handler)](const httplib::Request& request,
                                                                  httplib::Response& response) {
    set_route(route);
    handler(request, response);
  };
}

// An httplib::Client whose calls are traced.
class GATETRACE_API Client {
 public:
  // `scheme_host_port` as httplib::Client takes it: "http://localhost:8080".
  Client(Tracer& tracer, std::string scheme_host_port);

  // The wrapped client, for its settings (timeouts, keep-alive, ...).
  httplib::Client& client() { return client_; }

  httplib::Result Get(const Span& parent, const std::string& path,
                      const httplib::Headers& headers = {});
  httplib::Result Post(const Span& parent, const std::string& path, const std::string& body,
                       const std::string& content_type, const httplib::Headers& headers = {});
  // Any request: method, path (with its query), headers and body.
  httplib::Result send(const Span& parent, httplib::Request request);

 private:
  Tracer* tracer_;
  std::string base_;
  httplib::Client client_;
};

}  // namespace gatetrace::httplib_tracing
