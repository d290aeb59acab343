// Benchmark 6: one trace-level sampling decision against 10 rules, of which only the
// 10th matches (the worst ordinary case: every rule is tried). The first nine fail in
// different places: service, name, resource, tag.
#include <benchmark/benchmark.h>

#include "bench/bench_support.h"
#include "gatetrace/clock.h"
#include "gatetrace/sampling/trace_sampler.h"

namespace gatetrace::bench {
namespace {

std::vector<TraceSamplingRule> ten_rules() {
  auto rule = [](std::string service, std::string name, std::string resource,
                 std::vector<std::pair<std::string, std::string>> tags = {}) {
    TraceSamplingRule r;
    r.service = std::move(service);
    r.name = std::move(name);
    r.resource = std::move(resource);
    r.tags = std::move(tags);
    r.sample_rate = 0.5;
    return r;
  };
  std::vector<TraceSamplingRule> rules = {
      rule("billing-*", "*", "*"),
      rule("auth-service", "*", "*"),
      rule("web-frontend", "web.request", "*"),
      rule("web-backend", "grpc.server", "*"),
      rule("web-backend", "web.request", "POST *"),
      rule("web-backend", "web.request", "GET /health*"),
      rule("*-backend", "web.request", "GET /api/orders/*"),
      rule("web-backend", "web.*", "*", {{"customer.tier", "free"}}),
      rule("web-back?nd", "web.request", "*", {{"http.status_code", "5??"}}),
      rule("web-back*", "web.request", "GET /api/users/*", {{"customer.tier", "enterprise*"}}),
  };
  rules.back().sample_rate = 1.0;
  return rules;
}

void BM_6_SamplingDecision(benchmark::State& state) {
  TracerConfig config = base_config();
  config.trace_sampling_rules = ten_rules();
  config.rate_limit = 1e9;  // the limiter is consulted, and keeps
  auto finalized = finalize_config(config);
  if (!finalized) {
    state.SkipWithError("invalid sampling rules");
    return;
  }
  TraceSampler sampler(*finalized, default_clock());
  SpanData root;
  root.trace_id = TraceId{0x8448eb211c80319cULL, 0};
  root.span_id = 0x9b1e4c7d2a3f5e60ULL;
  root.service = "web-backend";
  root.name = "web.request";
  root.resource = "GET /api/users/{id}";
  root.meta.set("env", std::string("prod"));
  for (const auto& [key, value] : typical_tags()) root.meta.set(key, std::string(value));
  root.meta.set("customer.tier", std::string("enterprise-annual"));
  root.meta.set("http.status_code", std::string("200"));
  int kept = 0;
  for (auto _ : state) {
    const SamplingDecision decision = sampler.decide(root);
    kept += decision.mechanism == SamplingMechanism::kRule;
    benchmark::DoNotOptimize(decision);
  }
  if (kept != static_cast<int>(state.iterations())) {
    state.SkipWithError("the 10th rule did not decide");
  }
  state.counters["spans_per_iter"] = 1;
}
BENCHMARK(BM_6_SamplingDecision);

}  // namespace
}  // namespace gatetrace::bench
