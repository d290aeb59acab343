// TraceSampler: the keep/drop decision for a whole trace, made once per trace on its
// local root (the inferred span when there is one), as Datadog's tracers make it:
//   1. a priority extracted from upstream is kept (the tracer does not call us then);
//   2. the first matching sampling rule (DD_TRACE_SAMPLING_RULES, then
//      DD_TRACE_SAMPLE_RATE as a catch-all), its keeps passing the rate limiter;
//   3. otherwise the agent's rate for "service:S,env:E", else its default, else 1.0.
// Keep or drop follows from the trace id (Datadog's Knuth formula), so every tracer of
// a distributed trace agrees.
//
// Thread-safety: `decide` is called on request threads concurrently; `update_agent_rates`
// on the flush thread. Neither waits on the other for long.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "gatetrace/clock.h"
#include "gatetrace/span_data.h"
#include "gatetrace/tracer_config.h"

namespace gatetrace {

using TagList = std::vector<std::pair<std::string, std::string>>;

// The `_dd.p.dm` values.
enum class SamplingMechanism : int {
  kDefault = 0,
  kAgentRate = 1,
  kRule = 3,
  kManual = 4,
};

struct SamplingDecision {
  int priority = 1;  // -1, 0, 1, 2
  SamplingMechanism mechanism = SamplingMechanism::kDefault;
  std::optional<double> agent_rate;    // _dd.agent_psr
  std::optional<double> rule_rate;     // _dd.rule_psr
  std::optional<double> limiter_rate;  // _dd.limit_psr (effective rate of the limiter)
};

class TraceSampler {
 public:
  TraceSampler(const FinalizedTracerConfig& config, std::shared_ptr<const Clock> clock);
  ~TraceSampler();

  // Rule matched: its rate keeps by Knuth, then the limiter -> 2 (USER_KEEP), else -1
  // (USER_REJECT); mechanism kRule, `rule_rate` always, `limiter_rate` when the limiter
  // was consulted. Else an agent rate (the root's `env` tag, else the configured
  // environment; else the agent's default key) -> 1 (AUTO_KEEP) or 0 (AUTO_REJECT),
  // mechanism kAgentRate, `agent_rate`. Else 1 with mechanism kDefault and no rate.
  SamplingDecision decide(const SpanData& local_root);

  // From the agent's response: `{"service:S,env:E": rate, ..., "service:,env:": rate}`.
  void update_agent_rates(const std::unordered_map<std::string, double>& rate_by_service);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Writes a decision's tags: `_sampling_priority_v1` (metric), `_dd.agent_psr` /
// `_dd.rule_psr` / `_dd.limit_psr` (metrics, each only when the decision carries it,
// otherwise removed) on `local_root`, and the trace tags `_dd.p.dm` ("-<mechanism>";
// removed when priority <= 0) and `_dd.p.ksr` into `trace_tags`. `_dd.p.ksr` is the
// rate that decided, for kRule and kAgentRate only (removed for kDefault and kManual,
// as in Datadog's tracers); see `format_knuth_rate` in knuth.h for its text. Manual
// decisions are built by the caller: {priority 2 or -1, kManual, no rates}.
void apply_sampling_decision(const SamplingDecision& decision, SpanData& local_root,
                             TagList& trace_tags);
// apply_sampling_decision() in parts: the metrics on `local_root`, and the trace tags.
void set_sampling_metrics(const SamplingDecision& decision, SpanData& local_root);
void set_sampling_trace_tags(const SamplingDecision& decision, TagList& trace_tags);
// apply_sampling_decision() with an empty trace-tag list that nobody reads afterwards,
// followed by setting that list's tags on `local_root` (as a trace's first span gets
// them): the same metrics and tags on the root, without the list. For a trace that is
// delivered whole as its last handle goes away, its usual end.
void apply_sampling_decision_to_root(const SamplingDecision& decision, SpanData& local_root);

// Keeps single spans of dropped traces (DD_SPAN_SAMPLING_RULES): a span that matches a
// rule and passes its rate and per-rule limiter gets `_dd.span_sampling.mechanism=8`,
// `_dd.span_sampling.rule_rate` and `_dd.span_sampling.max_per_second`.
class SpanSampler {
 public:
  SpanSampler(const std::vector<SpanSamplingRule>& rules, std::shared_ptr<const Clock> clock);
  ~SpanSampler();
  bool enabled() const;
  void sample(SpanData& span);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace gatetrace
