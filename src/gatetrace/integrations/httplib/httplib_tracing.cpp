#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "gatetrace/dict_reader.h"
#include "gatetrace/dict_writer.h"
#include "gatetrace/http_client_span.h"
#include "gatetrace/integrations/httplib.h"
#include "httplib_headers.h"

namespace gatetrace::httplib_tracing {
namespace {

// The request this thread is serving. cpp-httplib runs pre-routing, the handler and
// post-routing of one request on one thread, and one request at a time per thread.
thread_local std::optional<HttpServerSpan> t_request;

}  // namespace

struct Middleware::State {
  Tracer* tracer = nullptr;
  httplib::Server::HandlerWithResponse pre_routing;
  httplib::Server::Handler post_routing;
  httplib::Server::ExceptionHandler exception;
};

Middleware::Middleware(Tracer& tracer, httplib::Server& server)
    : state_(std::make_shared<State>()) {
  state_->tracer = &tracer;
  std::shared_ptr<State> state = state_;

  server.set_pre_routing_handler(
      [state](const httplib::Request& request, httplib::Response& response) {
        // A request whose post-routing never ran (its connection failed) is over.
        t_request.reset();
        const IndexedHeadersReader headers(request.headers);
        HttpServerRequest traced;
        traced.method = request.method;
        traced.target = request.target.empty() ? request.path : request.target;
        traced.headers = &headers;
        traced.component = "cpp-httplib";
        traced.peer_address = request.remote_addr;
        t_request.emplace(*state->tracer, traced);
        if (state->pre_routing) return state->pre_routing(request, response);
        return httplib::Server::HandlerResponse::Unhandled;
      });

  server.set_exception_handler([state](const httplib::Request& request, httplib::Response& response,
                                       std::exception_ptr error) {
    if (t_request) {
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& exception) {
        t_request->set_exception(exception);
      } catch (...) {
        t_request->set_error("unknown", "the request handler threw a non-standard exception");
      }
    }
    if (state->exception) {
      state->exception(request, response, error);
    } else {
      response.status = 500;
    }
  });

  server.set_post_routing_handler(
      [state](const httplib::Request& request, httplib::Response& response) {
        if (state->post_routing) state->post_routing(request, response);
        if (!t_request) return;
        t_request->set_status(response.status);
        t_request->tag_response_headers(HeadersReader(response.headers));
        t_request.reset();
      });
}

Middleware& Middleware::set_pre_routing_handler(httplib::Server::HandlerWithResponse handler) {
  state_->pre_routing = std::move(handler);
  return *this;
}

Middleware& Middleware::set_post_routing_handler(httplib::Server::Handler handler) {
  state_->post_routing = std::move(handler);
  return *this;
}

Middleware& Middleware::set_exception_handler(httplib::Server::ExceptionHandler handler) {
  state_->exception = std::move(handler);
  return *this;
}

HttpServerSpan* current_request() { return t_request ? &*t_request : nullptr; }

Span& current_span() {
  if (t_request) return t_request->span();
  thread_local Span empty;
  return empty;
}

void set_route(std::string_view route) {
  if (t_request) t_request->set_route(route);
}

Client::Client(Tracer& tracer, std::string scheme_host_port)
    : tracer_(&tracer), base_(std::move(scheme_host_port)), client_(base_) {
  while (!base_.empty() && base_.back() == '/') base_.pop_back();
}

namespace {

// Built as `send`'s argument itself (a prvalue): passing a named request moved a
// httplib::Request (a dozen strings, maps and std::functions) and destroyed the husk.
httplib::Request make_request(const char* method, const std::string& path,
                              const httplib::Headers& headers) {
  httplib::Request request;
  request.method = method;
  request.path = path;
  request.headers = headers;
  return request;
}

httplib::Request make_post(const std::string& path, const std::string& body,
                           const std::string& content_type, const httplib::Headers& headers) {
  httplib::Request request = make_request("POST", path, headers);
  request.body = body;
  if (!content_type.empty()) request.headers.emplace("Content-Type", content_type);
  return request;
}

}  // namespace

httplib::Result Client::Get(const Span& parent, const std::string& path,
                            const httplib::Headers& headers) {
  return send(parent, make_request("GET", path, headers));
}

httplib::Result Client::Post(const Span& parent, const std::string& path, const std::string& body,
                             const std::string& content_type, const httplib::Headers& headers) {
  return send(parent, make_post(path, body, content_type, headers));
}

httplib::Result Client::send(const Span& parent, httplib::Request request) {
  // Per thread, so that the URL's and the injected headers' text keeps its capacity
  // from call to call; nothing else runs on this thread between their writes and reads.
  thread_local std::string url;
  thread_local InjectedHeaders injected;
  url.assign(base_).append(request.path);
  HttpClientSpan call(*tracer_, parent, {request.method, url, "cpp-httplib"});
  injected.clear();
  call.inject(injected);
  injected.move_into(request.headers);
  // httplib::Client::send(const Request&) copies the whole request, headers included,
  // before sending it; this is the rest of what it does, on our own request.
  auto response = std::make_unique<httplib::Response>();
  httplib::Error error = httplib::Error::Success;
  const bool answered = client_.send(request, *response, error);
  httplib::Result result(answered ? std::move(response) : nullptr, error,
                         std::move(request.headers));
  if (result) {
    call.set_status(result->status);
  } else {
    call.set_error("httplib::Error", httplib::to_string(result.error()));
  }
  return result;
}

}  // namespace gatetrace::httplib_tracing
