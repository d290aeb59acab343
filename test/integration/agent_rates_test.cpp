// The agent's rate_by_service reaches the sampler: a real Tracer, the real exporter and
// curl client, and the agent stand-in answering with rates that change mid-run.
#include <gtest/gtest.h>

#include "agent_stand_in/agent_stand_in.h"
#include "gatetrace/tracer.h"

namespace gatetrace {
namespace {

using nlohmann::json;

class AgentRatesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TracerConfig config;
    config.service = "my-backend";
    config.environment = "prod";
    config.agent_url = agent_.url();
    config.startup_logs = false;
    config.flush_interval = std::chrono::milliseconds(50);
    config.environment_lookup = [](std::string_view) { return std::nullopt; };
    auto finalized = finalize_config(config);
    ASSERT_TRUE(finalized) << finalized.error().message;
    tracer_ = std::make_unique<Tracer>(*finalized);
  }

  // Sends one trace and returns its root as the agent received it.
  json send_trace() {
    const std::size_t before = agent_.traces().size();
    { Span root = tracer_->create_span({.name = "job"}); }
    EXPECT_TRUE(tracer_->flush(std::chrono::seconds(5)));
    EXPECT_TRUE(agent_.wait_for_traces(before + 1, std::chrono::seconds(5)));
    return agent_.traces().back()[0];
  }

  standin::AgentStandIn agent_;
  std::unique_ptr<Tracer> tracer_;
};

TEST_F(AgentRatesTest, RatesFromTheAgentDecideLaterTraces) {
  agent_.set_reply(
      {200, R"({"rate_by_service":{"service:my-backend,env:prod":0,"service:,env:":1}})"});
  const json first = send_trace();
  EXPECT_EQ(first["metrics"]["_sampling_priority_v1"], 1) << "no rates known yet";
  EXPECT_EQ(first["meta"]["_dd.p.dm"], "-0");
  EXPECT_FALSE(first["metrics"].contains("_dd.agent_psr"));

  const json second = send_trace();
  EXPECT_EQ(second["metrics"]["_sampling_priority_v1"], 0) << "the agent's rate 0 applied";
  EXPECT_EQ(second["metrics"]["_dd.agent_psr"], 0);
  EXPECT_FALSE(second["meta"].contains("_dd.p.dm")) << "absent on a rejected trace";

  agent_.set_reply({200, R"({"rate_by_service":{"service:my-backend,env:prod":1}})"});
  send_trace();  // its response carries the new rates
  const json fourth = send_trace();
  EXPECT_EQ(fourth["metrics"]["_sampling_priority_v1"], 1);
  EXPECT_EQ(fourth["metrics"]["_dd.agent_psr"], 1);
  EXPECT_EQ(fourth["meta"]["_dd.p.dm"], "-1");
}

TEST_F(AgentRatesTest, DefaultKeyAppliesToOtherServices) {
  agent_.set_reply({200, R"({"rate_by_service":{"service:,env:":0}})"});
  send_trace();
  const json root = send_trace();
  EXPECT_EQ(root["metrics"]["_sampling_priority_v1"], 0);
  EXPECT_EQ(root["metrics"]["_dd.agent_psr"], 0);
}

TEST_F(AgentRatesTest, GarbageAnswersLeaveTheRatesAsTheyWere) {
  agent_.set_reply({200, R"({"rate_by_service":{"service:my-backend,env:prod":0}})"});
  send_trace();
  agent_.set_reply({200, "not json at all"});
  send_trace();
  const json root = send_trace();
  EXPECT_EQ(root["metrics"]["_sampling_priority_v1"], 0) << "the last good rates still apply";
}

}  // namespace
}  // namespace gatetrace
