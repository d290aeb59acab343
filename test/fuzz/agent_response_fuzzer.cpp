// Fuzzes the agent's answer to a payload: the fuzz input is the body of a 200 response
// to /v0.4/traces. The body is parsed inside AgentExporter (there is no free function
// for it), so the fuzzer drives a real exporter whose HttpClient is the test double and
// flushes one trace per input. Invariants: the flush thread survives whatever the body
// holds; the rates it hands to the sampler are exactly the numeric entries in [0, 1] of
// `rate_by_service` (checked against nlohmann's own reading of the body); and a
// TraceSampler fed those rates decides with a valid priority.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "fuzz_support.h"
#include "gatetrace/export/agent_exporter.h"
#include "gatetrace/sampling/agent_rates.h"
#include "gatetrace/sampling/trace_sampler.h"
#include "support/fake_http_client.h"

namespace {

class NullLogger : public gatetrace::Logger {
 public:
  void log(gatetrace::LogLevel, std::string_view) override {}
};

// One exporter for the whole run: a thread per input would dominate the time.
struct Harness {
  std::shared_ptr<gatetrace::testing::FakeHttpClient> client =
      std::make_shared<gatetrace::testing::FakeHttpClient>();
  // Written on the flush thread inside flush(), read after flush() returned.
  int callbacks = 0;
  std::unordered_map<std::string, double> rates;
  std::unique_ptr<gatetrace::AgentExporter> exporter;

  Harness() {
    gatetrace::ExporterSettings settings;
    settings.flush_interval = std::chrono::hours(1);  // only flush() sends
    settings.shutdown_timeout = std::chrono::milliseconds(100);
    settings.request_timeout = std::chrono::milliseconds(1000);
    settings.default_service = "fuzzed-service";
    settings.cgroup_path.clear();
    settings.on_agent_rates = [this](const std::unordered_map<std::string, double>& received) {
      ++callbacks;
      rates = received;
    };
    exporter = std::make_unique<gatetrace::AgentExporter>(settings, client,
                                                          std::make_shared<NullLogger>());
  }
};

// What the exporter should hand over, read independently: nullopt when it should not
// call back at all.
std::optional<std::unordered_map<std::string, double>> expected_rates(const std::string& body) {
  const auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return std::nullopt;
  const auto rates = json.find("rate_by_service");
  if (rates == json.end() || !rates->is_object()) return std::nullopt;
  std::unordered_map<std::string, double> result;
  for (const auto& [key, value] : rates->items()) {
    if (!value.is_number()) continue;
    const double rate = value.get<double>();
    if (rate >= 0.0 && rate <= 1.0) result.emplace(key, rate);
  }
  return result;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Harness harness;
  const std::string body(gatetrace::fuzz::as_text(data, size));

  harness.client->set_default(gatetrace::HttpResponse{200, body});
  harness.callbacks = 0;
  harness.rates.clear();

  gatetrace::SpanData span;
  span.trace_id = gatetrace::TraceId{42, 0};
  span.span_id = 42;
  span.service = "fuzzed-service";
  span.name = "fuzz";
  gatetrace::TraceChunk chunk;
  chunk.spans.push_back(&span);
  harness.exporter->send(chunk);
  GATETRACE_FUZZ_CHECK(harness.exporter->flush(std::chrono::seconds(5)));

  const auto expected = expected_rates(body);
  GATETRACE_FUZZ_CHECK(harness.callbacks == (expected ? 1 : 0));
  if (!expected) return 0;
  GATETRACE_FUZZ_CHECK(harness.rates == *expected);

  const gatetrace::AgentRates table(harness.rates);
  GATETRACE_FUZZ_CHECK(table.size() <= harness.rates.size());
  if (const auto rate = table.default_rate()) GATETRACE_FUZZ_CHECK(*rate >= 0.0 && *rate <= 1.0);

  gatetrace::FinalizedTracerConfig config;
  config.service = "fuzzed-service";
  config.environment = "fuzz";
  gatetrace::TraceSampler sampler(
      config, std::make_shared<gatetrace::fuzz::FixedClock>(gatetrace::TimePoint{0, 0}));
  sampler.update_agent_rates(harness.rates);
  std::uint64_t trace_id = 0x9e3779b97f4a7c15;
  for (const auto& [key, rate] : harness.rates) {
    // The pair named by the key, when it reads "service:S,env:E".
    const auto comma = key.find(",env:");
    if (key.rfind("service:", 0) != 0 || comma == std::string::npos) continue;
    gatetrace::SpanData root;
    root.trace_id = gatetrace::TraceId{trace_id++, 0};
    root.service = key.substr(8, comma - 8);
    root.meta.set("env", key.substr(comma + 5));
    const auto decision = sampler.decide(root);
    GATETRACE_FUZZ_CHECK(decision.priority >= -1 && decision.priority <= 2);
    if (decision.agent_rate) {
      GATETRACE_FUZZ_CHECK(*decision.agent_rate >= 0.0 && *decision.agent_rate <= 1.0);
    }
    if (rate == 0.0 && decision.mechanism == gatetrace::SamplingMechanism::kAgentRate) {
      GATETRACE_FUZZ_CHECK(decision.priority == 0);
    }
  }
  return 0;
}
