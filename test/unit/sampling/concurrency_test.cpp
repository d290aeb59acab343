// Request threads decide while the flush thread swaps agent rates: run under
// ThreadSanitizer (-DGATETRACE_SANITIZE=thread) to check there is no data race.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gatetrace/sampling/trace_sampler.h"
#include "unit/sampling/fake_clock.h"
#include "unit/sampling/sampling_test_util.h"

namespace gatetrace {
namespace {

using testing::FakeClock;
using testing::make_config;
using testing::make_root;
using testing::rule;

TEST(TraceSamplerConcurrency, DecideWhileAgentRatesChange) {
  auto clock = std::make_shared<FakeClock>();
  // One rule (so the limiter is shared too), the rest by agent rates.
  TraceSampler sampler(make_config({rule("limited", 1.0)}, /*rate_limit=*/50), clock);
  std::atomic<bool> stop{false};
  std::atomic<int> unexpected{0};
  std::atomic<long> decisions{0};
  std::atomic<int> rule_keeps{0};

  std::vector<std::thread> request_threads;
  for (int t = 0; t < 4; ++t) {
    request_threads.emplace_back([&, t] {
      std::uint64_t id = static_cast<std::uint64_t>(t) << 40;
      while (!stop.load()) {
        ++id;
        const SamplingDecision agent = sampler.decide(make_root("checkout", id));
        // Every table the updater installs gives checkout either 0 or 1: a torn or
        // stale-freed table would show up as anything else.
        const bool consistent =
            agent.mechanism == SamplingMechanism::kDefault ||
            (agent.mechanism == SamplingMechanism::kAgentRate && agent.agent_rate &&
             (*agent.agent_rate == 0.0 || *agent.agent_rate == 1.0) &&
             agent.priority == static_cast<int>(*agent.agent_rate));
        if (!consistent) ++unexpected;
        const SamplingDecision limited = sampler.decide(make_root("limited", id));
        if (limited.priority == 2) ++rule_keeps;
        decisions += 2;
      }
    });
  }

  std::thread flush_thread([&] {
    // Keep swapping until the request threads have done real work too.
    for (int i = 0; i < 2000 || decisions.load() < 20000; ++i) {
      const double rate = (i % 2 == 0) ? 0.0 : 1.0;
      if (i % 7 == 0) {
        sampler.update_agent_rates({});
      } else {
        sampler.update_agent_rates({{"service:checkout,env:prod", rate},
                                    {"service:,env:", rate},
                                    {"service:s" + std::to_string(i) + ",env:prod", 0.5}});
      }
    }
    stop.store(true);
  });

  flush_thread.join();
  for (auto& thread : request_threads) thread.join();
  EXPECT_EQ(unexpected.load(), 0);
  EXPECT_GT(decisions.load(), 0);
  // The fake clock never moves: the shared limiter lets exactly its burst through.
  EXPECT_EQ(rule_keeps.load(), 50);
}

}  // namespace
}  // namespace gatetrace
