// Tracing for Boost.Beast HTTP servers (Boost 1.74). Beast has no router and no
// middleware: a server reads a request, hands it to the application, and writes the
// response whenever the application produces it, often from another asynchronous step.
// So the integration wraps the application's request handler: `TracedHandler` starts
// the request's spans (HttpServerSpan: the server span, under the API gateway's
// inferred span when `x-dd-proxy*` headers are present), passes them to the handler
// explicitly as a `RequestContext`, and finishes them when the handler sends its
// response: status, DD_TRACE_HEADER_TAGS response headers, error for 5xx.
//
//   gatetrace::beast_tracing::TracedHandler handler(tracer,
//       [](Request request, RequestContext context, Send send) {
//         context.set_route("/users/{id}");
//         gatetrace::Span db = context.span().create_child({.name = "db.query"});  // C++20
//         ... send(std::move(response));   // now or later, from any thread
//       });
//   // in the session, after each async_read:
//   handler(std::move(request), peer_address, [self](Response response) { self->write(...); });
//
// Nothing is thread-local: asynchronous steps carry the context (copies share it). An
// exception escaping the handler's synchronous part is recorded on the server span and,
// if nothing was sent yet, answered with a 500. A handler that drops `send` without
// calling it finishes the spans when the last copy of the context goes away.
#pragma once

#include <boost/beast/http.hpp>

#include <functional>
#include <memory>
#include <string_view>

#include "gatetrace/api.h"
#include "gatetrace/http_server_span.h"
#include "gatetrace/span.h"
#include "gatetrace/tracer.h"

namespace gatetrace::beast_tracing {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;
// Writes the response; called once.
using Send = std::function<void(Response)>;

// The tracing of one request. Cheap to copy; copies share the request's spans.
class GATETRACE_API RequestContext {
 public:
  // The server span: the parent for the handler's spans and outgoing calls.
  Span& span();
  // The request helper itself (inferred span, set_error, ...).
  HttpServerSpan& http();
  // Names the route ("/users/{id}"): resource and http.route.
  void set_route(std::string_view route);

  struct State;
  explicit RequestContext(std::shared_ptr<State> state) : state_(std::move(state)) {}

 private:
  std::shared_ptr<State> state_;
};

using Handler = std::function<void(Request request, RequestContext context, Send send)>;

class GATETRACE_API TracedHandler {
 public:
  // The tracer must outlive every request handled.
  TracedHandler(Tracer& tracer, Handler handler);

  // Traces `request` and runs the handler. `peer_address` is the client's address
  // (for http.client_ip); `send` writes the response.
  void operator()(Request request, std::string_view peer_address, Send send) const;

 private:
  Tracer* tracer_;
  Handler handler_;
};

}  // namespace gatetrace::beast_tracing
