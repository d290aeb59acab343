// Fixed inputs and test doubles shared by the benchmarks, so that every figure is
// measured on the same request, the same tags and the same rules (issue 7): a typical
// client request through Azure API Management (15 headers), "typical tags" (5 tags of
// 8-40 bytes), and seams that keep the network out of the measurements (a collector
// that discards, an HttpClient that discards).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "gatetrace/collector.h"
#include "gatetrace/dict_reader.h"
#include "gatetrace/dict_writer.h"
#include "gatetrace/http_client.h"
#include "gatetrace/logger.h"
#include "gatetrace/tracer_config.h"

namespace gatetrace::bench {

// Drops every chunk (a virtual call the tracer cannot skip).
class DiscardingCollector final : public Collector {
 public:
  // Touches nothing shared: a counter here was a write per trace to one cache line both
  // threads of benchmark 7 share, a cost of the harness, not of the tracer.
  void send(const TraceChunk& chunk) override { benchmark::DoNotOptimize(chunk.spans.data()); }
  bool flush(std::chrono::milliseconds) override { return true; }
};

// The agent connection, minus the socket: answers 200 to every payload and counts the
// bytes it was handed.
class DiscardingHttpClient final : public HttpClient {
 public:
  Expected<HttpResponse> send(const HttpRequest& request, std::chrono::milliseconds) override {
    bytes_.fetch_add(request.body.size(), std::memory_order_relaxed);
    return HttpResponse{200, R"({"rate_by_service":{"service:,env:":1}})"};
  }
  std::uint64_t bytes() const { return bytes_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> bytes_{0};
};

class SilentLogger final : public Logger {
 public:
  void log(LogLevel, std::string_view) override {}
};

// "Typical tags": 5 tags with keys and values of 8 to 40 bytes.
inline const std::vector<std::pair<std::string_view, std::string_view>>& typical_tags() {
  static const std::vector<std::pair<std::string_view, std::string_view>> tags = {
      {"db.system", "postgresql"},
      {"db.statement.kind", "select"},
      {"peer.hostname", "orders-db-primary.internal"},
      {"customer.tier", "enterprise-annual-contract"},
      {"http.request.id", "3f2c9a4e-7b1d-4e8a-9c55-0d1e2f3a4b5c"},
  };
  return tags;
}

// A request as Azure API Management forwards it: the 6 proxy headers, W3C and Datadog
// propagation headers, and 4 ordinary ones (15 in all). The timestamp is refreshed by
// the caller, so the proxy-header validation accepts it.
struct ApimRequest {
  std::string timestamp_ms;
  HeaderListReader::Headers headers;

  explicit ApimRequest(std::int64_t now_ms) : timestamp_ms(std::to_string(now_ms)) {
    headers = {
        {"x-dd-proxy", "azure-apim"},
        {"x-dd-proxy-request-time-ms", timestamp_ms},
        {"x-dd-proxy-httpmethod", "GET"},
        {"x-dd-proxy-path", "/api/users/{id}"},
        {"x-dd-proxy-domain-name", "contoso-shop.azure-api.net"},
        {"x-dd-proxy-region", "West Europe"},
        {"traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
        {"tracestate", "dd=s:1;p:b7ad6b7169203331;t.dm:-0,congo=t61rcWkgMzE"},
        {"x-datadog-trace-id", "9532127138774266268"},
        {"x-datadog-parent-id", "13235353014750950193"},
        {"x-datadog-sampling-priority", "1"},
        {"user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"},
        {"host", "backend.contoso.internal"},
        {"accept", "application/json"},
        {"content-type", "application/json; charset=utf-8"},
    };
  }
};

inline std::int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// An outgoing request's header map as an HTTP client keeps it: a small vector whose
// entries are overwritten in place, so repeated injections reuse their storage.
class ReusedHeaderMap final : public DictWriter {
 public:
  void set(std::string_view key, std::string_view value) override {
    for (std::size_t i = 0; i < used_; ++i) {
      if (equals_ignore_case(entries_[i].first, key)) {
        entries_[i].second.assign(value);
        return;
      }
    }
    if (used_ == entries_.size()) entries_.emplace_back();
    entries_[used_].first.assign(key);
    entries_[used_].second.assign(value);
    ++used_;
  }
  void clear() { used_ = 0; }
  std::size_t size() const { return used_; }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
  std::size_t used_ = 0;
};

// A TracerConfig isolated from the machine's DD_* variables, logging nothing.
inline TracerConfig base_config() {
  TracerConfig config;
  config.service = "web-backend";
  config.environment = "prod";
  config.startup_logs = false;
  config.logger = std::make_shared<SilentLogger>();
  config.environment_lookup = [](std::string_view) -> std::optional<std::string> {
    return std::nullopt;
  };
  return config;
}

}  // namespace gatetrace::bench
