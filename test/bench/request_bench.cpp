// Benchmarks 4 and 5: the per-request header work. (4a) one APIM request's headers, as
// the request helper (HttpServerSpan) reads them: the framework's headers indexed in one
// pass, the proxy headers read and validated, then Datadog + W3C (+ baggage)
// extraction. (4b, 4c) the whole request through the `http` helper: inferred span and
// server span created, status set, both finished and handed to a discarding collector;
// without and with a two-parameter query string (which goes through the obfuscation
// pattern). (5) injecting the trace context into an outgoing request's header map.
#include <benchmark/benchmark.h>

#include <memory>

#include "bench/bench_support.h"
#include "gatetrace/clock.h"
#include "gatetrace/http_server_span.h"
#include "gatetrace/propagation/propagation.h"
#include "gatetrace/proxy/header_index.h"
#include "gatetrace/proxy/proxy_headers.h"
#include "gatetrace/span.h"
#include "gatetrace/tracer.h"

namespace gatetrace::bench {
namespace {

void BM_4a_ApimHeaderWork(benchmark::State& state) {
  const ApimRequest request(unix_now_ms());
  const HeaderListReader reader(request.headers);
  const PropagationSettings settings;  // datadog, tracecontext, baggage
  const std::vector<Glob> any_domain;
  const TimePoint now = default_clock()->now();
  bool complete = true;
  for (auto _ : state) {
    const HeaderIndex headers(reader);
    ProxyHeaderReading proxy = read_proxy_header_fields(headers, now, any_domain);
    ExtractedContext context = extract_context(headers, settings);
    complete &= proxy.valid && context.has_trace();
    benchmark::DoNotOptimize(proxy);
    benchmark::DoNotOptimize(context);
  }
  if (!complete) state.SkipWithError("the APIM headers yielded no inferred span or no context");
  state.counters["spans_per_iter"] = 1;
}
BENCHMARK(BM_4a_ApimHeaderWork);

Tracer& helper_tracer() {
  static auto* tracer = [] {
    TracerConfig config = base_config();
    config.collector = std::make_shared<DiscardingCollector>();
    config.inferred_proxy_services_enabled = true;
    return new Tracer(config);
  }();
  return *tracer;
}

void run_helper(benchmark::State& state, std::string_view target) {
  Tracer& tracer = helper_tracer();
  const ApimRequest request(unix_now_ms());
  const HeaderListReader reader(request.headers);
  HttpServerRequest http_request;
  http_request.method = "GET";
  http_request.target = target;
  http_request.route = "/api/users/{id}";
  http_request.headers = &reader;
  http_request.component = "cpp-httplib";
  bool had_inferred = true;
  for (auto _ : state) {
    HttpServerSpan span(tracer, http_request);
    had_inferred &= span.inferred_span() != nullptr;
    span.set_status(200);
  }
  if (!had_inferred) state.SkipWithError("the APIM headers produced no inferred span");
  state.counters["spans_per_iter"] = 1;
}

void BM_4b_HelperRequest(benchmark::State& state) { run_helper(state, "/api/users/7"); }
BENCHMARK(BM_4b_HelperRequest);

void BM_4c_HelperRequestQuery(benchmark::State& state) {
  run_helper(state, "/api/users/7?fields=name,email&sort=asc");
}
BENCHMARK(BM_4c_HelperRequestQuery);

void BM_5_Inject(benchmark::State& state) {
  Tracer& tracer = helper_tracer();
  const ApimRequest request(unix_now_ms());
  const HeaderListReader reader(request.headers);
  SpanConfig config;
  config.name = "web.request";
  Span server = tracer.extract_or_create_span(reader, config);
  Span client = server.create_child();
  ReusedHeaderMap headers;
  for (auto _ : state) {
    headers.clear();
    client.inject(headers);
    benchmark::DoNotOptimize(headers);
  }
  state.counters["headers"] = static_cast<double>(headers.size());
  state.counters["spans_per_iter"] = 1;
}
BENCHMARK(BM_5_Inject);

}  // namespace
}  // namespace gatetrace::bench
