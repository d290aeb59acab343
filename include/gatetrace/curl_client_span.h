// Tracing outgoing calls made with a libcurl easy handle: `perform_traced` runs
// curl_easy_perform under an HttpClientSpan (see http_client_span.h), with the trace
// context added to the request's headers and the response status (or the transfer's
// error) recorded on the span.
//
//   CURL* curl = curl_easy_init();
//   curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, ...);
//   CURLcode rc = gatetrace::perform_traced(tracer, request_span.span(), curl, "GET",
//                                           "http://inventory:8080/items?id=7");
//
// The helper sets CURLOPT_URL to `url`, and CURLOPT_HTTPHEADER to a copy of `headers`
// plus the propagation headers for the duration of the call; afterwards
// CURLOPT_HTTPHEADER is `headers` again, so the handle never points at freed memory.
// `method` is what the handle is set up to send (CURLOPT_POST, CURLOPT_CUSTOMREQUEST,
// ...): it names the span, the helper does not change the request's method.
// Part of the core library (libcurl is one of its dependencies); kept in its own header
// because it includes <curl/curl.h>, which other users need not see.
#pragma once

#include <curl/curl.h>

#include <string_view>

#include "gatetrace/api.h"
#include "gatetrace/span.h"
#include "gatetrace/tracer.h"

namespace gatetrace {

GATETRACE_API CURLcode perform_traced(Tracer& tracer, const Span& parent, CURL* handle,
                                      std::string_view method, std::string_view url,
                                      curl_slist* headers = nullptr);

}  // namespace gatetrace
