// A decision by agent rates reads them through a per-thread copy that is refreshed only
// when the flush thread replaces them: these tests pin down that every decision still
// sees the rates of its own sampler, and the latest ones, on any thread.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <thread>

#include "gatetrace/sampling/trace_sampler.h"
#include "unit/sampling/fake_clock.h"
#include "unit/sampling/sampling_test_util.h"

namespace gatetrace {
namespace {

using testing::FakeClock;
using testing::find_id;
using testing::make_config;
using testing::make_root;

std::optional<double> agent_rate_for(TraceSampler& sampler, const char* service) {
  return sampler.decide(make_root(service, find_id(0.5, true))).agent_rate;
}

TEST(AgentRatesCache, TwoSamplersOnOneThreadEachSeeTheirOwnRates) {
  TraceSampler first(make_config({}), std::make_shared<FakeClock>());
  TraceSampler second(make_config({}), std::make_shared<FakeClock>());
  first.update_agent_rates({{"service:,env:", 0.25}});
  second.update_agent_rates({{"service:,env:", 0.75}});
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(agent_rate_for(first, "checkout"), 0.25);
    EXPECT_EQ(agent_rate_for(second, "checkout"), 0.75);
  }
}

TEST(AgentRatesCache, ANewSamplerDoesNotInheritAFreedOnesRates) {
  // Built and freed in turn: the second may well land at the first one's address.
  for (int i = 0; i < 4; ++i) {
    auto sampler = std::make_unique<TraceSampler>(make_config({}), std::make_shared<FakeClock>());
    EXPECT_EQ(sampler->decide(make_root("checkout", find_id(0.5, false))).mechanism,
              SamplingMechanism::kDefault)
        << "round " << i;
    sampler->update_agent_rates({{"service:,env:", 0.5}});
    EXPECT_EQ(agent_rate_for(*sampler, "checkout"), 0.5);
  }
}

TEST(AgentRatesCache, RatesReplacedOnAnotherThreadAreSeenByTheNextDecision) {
  TraceSampler sampler(make_config({}), std::make_shared<FakeClock>());
  EXPECT_FALSE(agent_rate_for(sampler, "checkout").has_value());  // cached: none yet (env "prod")
  for (const double rate : {0.1, 0.2, 0.3}) {
    std::thread flush([&] { sampler.update_agent_rates({{"service:checkout,env:prod", rate}}); });
    flush.join();
    EXPECT_EQ(agent_rate_for(sampler, "checkout"), rate);
  }
  std::thread flush([&] { sampler.update_agent_rates({}); });
  flush.join();
  EXPECT_FALSE(agent_rate_for(sampler, "checkout").has_value());
}

// Decides in its destructor: a thread_local of these built before the thread's first
// decision is destroyed after the thread's cache of the rates.
struct DecidesAtThreadExit {
  TraceSampler* sampler = nullptr;
  std::optional<double>* result = nullptr;
  ~DecidesAtThreadExit() {
    if (sampler != nullptr) *result = agent_rate_for(*sampler, "checkout");
  }
};

TEST(AgentRatesCache, ADecisionMadeWhileTheThreadExitsStillSeesTheRates) {
  TraceSampler sampler(make_config({}), std::make_shared<FakeClock>());
  sampler.update_agent_rates({{"service:,env:", 0.5}});
  std::optional<double> during_exit;
  std::optional<double> before_exit;
  std::thread worker([&] {
    thread_local DecidesAtThreadExit late;
    late.sampler = &sampler;
    late.result = &during_exit;
    before_exit = agent_rate_for(sampler, "checkout");  // builds the cache after `late`
  });
  worker.join();
  EXPECT_EQ(before_exit, 0.5);
  EXPECT_EQ(during_exit, 0.5);
}

}  // namespace
}  // namespace gatetrace
