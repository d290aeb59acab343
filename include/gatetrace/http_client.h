// HttpClient: how the flush thread talks to the Datadog Agent. The production
// implementation uses libcurl (TCP or Unix domain socket, connection reuse, bounded
// timeouts). Only the flush thread calls it, one request at a time, so it may block up
// to the given timeout. Tests inject a client that answers when they say so.
#pragma once

#include "gatetrace/api.h"

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gatetrace/expected.h"

namespace gatetrace {

struct HttpRequest {
  std::string method = "PUT";
  std::string path;  // e.g. "/v0.4/traces"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;
  std::string body;
};

class GATETRACE_API HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Send `request` to the agent; an Error means no HTTP response arrived (refused,
  // timed out, reset).
  virtual Expected<HttpResponse> send(const HttpRequest& request,
                                      std::chrono::milliseconds timeout) = 0;
};

}  // namespace gatetrace
