// HttpServerSpan: traces one incoming HTTP request, whatever the web framework. Every
// gatetrace middleware is a thin adapter over it, and a service on a framework without
// an integration can use it directly:
//
//   gatetrace::HeaderListReader headers(request_headers);
//   gatetrace::HttpServerSpan request_span(tracer, {"GET", "/users/7", "/users/{id}", &headers});
//   handle(request_span.span());          // hang children on the server span
//   request_span.set_status(200);
//   // destruction (or finish()) ends the server span, then the inferred span
//
// On construction it extracts the propagated context, creates the API gateway's inferred
// span when the request carries valid `x-dd-proxy*` headers and
// DD_TRACE_INFERRED_PROXY_SERVICES_ENABLED is on, then the server span (its child, or
// the trace's root when there is no gateway). Finishing copies the status and error
// state to both spans. Both spans are owned here, so neither can be left unfinished:
// the destructor finishes them even when the handler throws (and then marks them as
// errors).
#pragma once

#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include "gatetrace/api.h"
#include "gatetrace/dict_reader.h"
#include "gatetrace/span.h"
#include "gatetrace/tracer.h"

namespace gatetrace {

struct HttpServerRequest {
  std::string_view method;
  // The request target as received: "/path?query" (the Host header then completes
  // http.url) or an absolute URL.
  std::string_view target;
  // The route template when the framework knows it ("/users/{id}"); empty otherwise.
  std::string_view route;
  const DictReader* headers = nullptr;
  // The integration's name, for the `component` tag.
  std::string_view component = "gatetrace";
  // The peer's address, used for http.client_ip when no forwarding header names one.
  std::string_view peer_address;
  // Name of the server span; Datadog's convention for HTTP servers.
  std::string_view span_name = "web.request";
};

class GATETRACE_API HttpServerSpan {
 public:
  HttpServerSpan(Tracer& tracer, const HttpServerRequest& request);
  HttpServerSpan(HttpServerSpan&&) noexcept;
  HttpServerSpan& operator=(HttpServerSpan&&) = delete;
  HttpServerSpan(const HttpServerSpan&) = delete;
  ~HttpServerSpan();

  // The server span: the parent of the application's spans.
  Span& span() {
    // Whoever holds it may tag it: finishing then reads its error tags back.
    span_shared_ = true;
    return server_;
  }
  // The inferred gateway span, or null when the request did not come through one.
  const Span* inferred_span() const { return inferred_.empty() ? nullptr : &inferred_; }

  // The route, when it is known only after routing; updates resource and http.route.
  void set_route(std::string_view route);
  void set_status(int status);
  // Records an exception escaping the handler: error, error.message, error.type.
  void set_exception(const std::exception& exception);
  void set_error(std::string_view type, std::string_view message);
  // DD_TRACE_HEADER_TAGS for the response's headers.
  void tag_response_headers(const DictReader& response_headers);

  // Ends the server span, then the inferred span. Later calls do nothing.
  void finish();

 private:
  // What the constructor reads from the request before it creates the spans.
  struct Arrival;
  HttpServerSpan(Tracer& tracer, const HttpServerRequest& request, const Arrival& arrival);

  // finish(), and the destructor's finish with `by_destructor`: the spans then get their
  // end and final tags here and are finished by their own destructors right after.
  void end_spans(bool by_destructor);
  // The request's method, kept for set_route().
  std::string_view method() const {
    return method_size_ <= kShortMethod ? std::string_view(method_short_, method_size_)
                                        : std::string_view(method_long_);
  }

  // The tracer's core while either span is held here, else null. Not owned: the spans'
  // trace segment keeps the core alive for as long as a handle on it exists (a
  // shared_ptr copy here cost two atomic read-modify-writes per request on a cache line
  // all request threads share). Both spans can be gone while the core is too: moved
  // from, or the application moved the server span out of span() (and there is no
  // inferred span).
  TracerCore* live_core() const { return server_.empty() && inferred_.empty() ? nullptr : core_; }

  TracerCore* core_ = nullptr;  // see live_core()
  // Declared in this order so that the destructor finishes the server span first.
  Span inferred_;
  Span server_;
  // The method: up to kShortMethod bytes (every standard method) in method_short_, a
  // longer one in method_long_ (a std::string per request cost a memcpy call).
  static constexpr std::uint8_t kShortMethod = 15;
  char method_short_[kShortMethod];
  std::uint8_t method_size_ = 0;  // kShortMethod + 1: the method is method_long_
  std::string method_long_;
  std::optional<int> status_;
  int uncaught_at_start_ = 0;
  bool finished_ = false;
  // Whether the server span can hold error.message/type/stack tags, which finishing
  // copies to the inferred span: once span() has handed it out or set_error() tagged it
  // (or DD_TAGS / DD_TRACE_HEADER_TAGS may name those keys). Until then only this object
  // has tagged it, and finishing skips looking them up.
  bool span_shared_ = false;
  bool error_tagged_ = false;
};

}  // namespace gatetrace
