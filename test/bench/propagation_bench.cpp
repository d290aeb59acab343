// The propagation module alone, without the span machinery around it: extraction of
// the APIM request's Datadog + W3C headers (the propagation half of benchmark 4a) and
// injection of the context benchmark 5 injects (the header writing of benchmark 5).
// Extraction is measured twice: behind the HeaderListReader of benchmark 4a, and
// behind a reader whose lookups cost next to nothing, so the propagation module's own
// share can be told apart from the reader's case-insensitive scans.
#include <benchmark/benchmark.h>

#include <string>
#include <string_view>
#include <vector>

#include "bench/bench_support.h"
#include "gatetrace/propagation/propagation.h"

namespace gatetrace::bench {
namespace {

// Looks headers up by exact (lowercase) name in the order a map would find them: the
// keys of the APIM request are lowercase already, so this is a faithful stand-in for
// an indexing reader.
class ExactNameReader final : public DictReader {
 public:
  explicit ExactNameReader(const HeaderListReader::Headers& headers) : headers_(headers) {}

  std::optional<std::string_view> lookup(std::string_view key) const override {
    for (const auto& [name, value] : headers_) {
      if (name.size() == key.size() && name == key) return value;
    }
    return std::nullopt;
  }
  void visit(
      const std::function<void(std::string_view, std::string_view)>& visitor) const override {
    for (const auto& [name, value] : headers_) visitor(name, value);
  }

 private:
  const HeaderListReader::Headers& headers_;
};

template <typename Reader>
void run_extract(benchmark::State& state) {
  const ApimRequest request(unix_now_ms());
  const Reader reader(request.headers);
  const PropagationSettings settings;  // datadog, tracecontext, baggage
  for (auto _ : state) {
    ExtractedContext context = extract_context(reader, settings);
    benchmark::DoNotOptimize(context);
  }
}

void BM_Prop_ExtractApim(benchmark::State& state) { run_extract<HeaderListReader>(state); }
BENCHMARK(BM_Prop_ExtractApim);

void BM_Prop_ExtractApimExactReader(benchmark::State& state) {
  run_extract<ExactNameReader>(state);
}
BENCHMARK(BM_Prop_ExtractApimExactReader);

// The context benchmark 5's client span injects: the APIM request's 128-bit trace, a
// sampling decision tag, and the other vendor's tracestate member.
void BM_Prop_Inject(benchmark::State& state) {
  const ApimRequest request(unix_now_ms());
  const HeaderListReader reader(request.headers);
  const PropagationSettings settings;
  ExtractedContext extracted = extract_context(reader, settings);
  extracted.trace_tags.emplace_back("_dd.p.dm", "-0");
  InjectionContext context;
  context.trace_id = extracted.trace_id;
  context.span_id = 0x1234567890abcdefULL;
  context.sampling_priority = 1;
  context.trace_tags = &extracted.trace_tags;
  context.additional_w3c_tracestate =
      extracted.additional_w3c_tracestate ? &*extracted.additional_w3c_tracestate : nullptr;
  context.baggage = &extracted.baggage;
  ReusedHeaderMap headers;
  for (auto _ : state) {
    headers.clear();
    std::optional<std::string> error;
    inject_context(headers, context, settings, &error);
    benchmark::DoNotOptimize(headers);
    benchmark::DoNotOptimize(error);
  }
  state.counters["headers"] = static_cast<double>(headers.size());
}
BENCHMARK(BM_Prop_Inject);

}  // namespace
}  // namespace gatetrace::bench
