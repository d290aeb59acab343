// HttpClientSpan: traces one outgoing HTTP call, whatever the client library. It creates
// a `span.kind=client` span under the caller's span, tags it (`http.method`, `http.url`
// with its query string obfuscated, `out.host`), writes the trace context into the
// request's headers, and on `set_status` marks it an error when the status is in
// DD_TRACE_HTTP_CLIENT_ERROR_STATUSES (default 400-499). `peer.service` is the
// caller's to set (`span().set_tag("peer.service", "billing")`).
//
//   gatetrace::HttpClientSpan call(tracer, request_span, {"GET", "http://billing/invoices"});
//   call.inject(header_writer);                 // before sending
//   call.set_status(response.status);           // or set_error on a transport failure
//   // destruction (or finish()) ends the span
//
// Ready-made wrappers exist for cpp-httplib (integrations/httplib.h) and libcurl
// (curl_client_span.h).
#pragma once

#include <string_view>

#include "gatetrace/api.h"
#include "gatetrace/dict_writer.h"
#include "gatetrace/span.h"
#include "gatetrace/tracer.h"

namespace gatetrace {

struct HttpClientRequest {
  std::string_view method;
  // The absolute URL called: "http://host:port/path?query".
  std::string_view url;
  // The client library, for the `component` tag.
  std::string_view component = "gatetrace";
  // Datadog's convention for HTTP clients.
  std::string_view span_name = "http.request";
};

class GATETRACE_API HttpClientSpan {
 public:
  // The span is a child of `parent` (an empty parent makes the call a new trace's root).
  HttpClientSpan(Tracer& tracer, const Span& parent, const HttpClientRequest& request);
  HttpClientSpan(HttpClientSpan&&) noexcept = default;
  HttpClientSpan& operator=(HttpClientSpan&&) = delete;

  Span& span() { return span_; }

  // Writes the trace context into the outgoing request's headers.
  void inject(DictWriter& headers) const { span_.inject(headers); }

  void set_status(int status);
  // A call that got no response (connection refused, timeout): error with this message.
  void set_error(std::string_view type, std::string_view message);

  void finish() { span_.finish(); }

 private:
  // Not owned: span_'s trace segment keeps the core alive while span_ is not empty (a
  // shared_ptr copy here cost two atomic read-modify-writes per call).
  TracerCore* core_ = nullptr;
  Span span_;
};

// The host of an absolute URL, without user info, port or IPv6 brackets ("" if none).
GATETRACE_API std::string_view url_host(std::string_view url);

}  // namespace gatetrace
