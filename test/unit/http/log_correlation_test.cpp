// Log correlation ids and their fmt formatter.
#include "gatetrace/log_correlation.h"

#include <gtest/gtest.h>

#include "gatetrace/http_server_span.h"
#include "support/test_doubles.h"

namespace gatetrace {
namespace {

TEST(LogCorrelation, TraceIdDecimalFor64BitHexFor128Bit) {
  EXPECT_EQ(log_trace_id({1234567890123456789ULL, 0}), "1234567890123456789");
  EXPECT_EQ(log_trace_id({0xffffffffffffffffULL, 0}), "18446744073709551615");
  EXPECT_EQ(log_trace_id({0x2a, 0x6553f1a200000000ULL}), "6553f1a200000000000000000000002a");
}

TEST(LogCorrelation, Formatter) {
  LogCorrelation ids{{42, 0}, 7};
  EXPECT_EQ(fmt::format("msg {}", ids), "msg dd.trace_id=42 dd.span_id=7");
  EXPECT_EQ(fmt::format("{{{:j}}}", ids), R"({"dd.trace_id":"42","dd.span_id":"7"})");
  LogCorrelation wide{{1, 0x10}, 18446744073709551615ULL};
  EXPECT_EQ(fmt::format("{}", wide),
            "dd.trace_id=00000000000000100000000000000001 dd.span_id=18446744073709551615");
  EXPECT_EQ(fmt::format("[{}]", LogCorrelation{}), "[]");
}

TEST(LogCorrelation, FromALiveSpan) {
  testing::TestTracerSetup setup;
  auto config = setup.config();
  config.startup_logs = false;
  config.generate_128bit_trace_ids = true;
  Tracer tracer(config);
  Span span = tracer.create_span();
  const LogCorrelation ids = log_correlation(span);
  EXPECT_EQ(ids.span_id, span.id());
  EXPECT_EQ(ids.trace_id, span.trace_id());
  ASSERT_NE(span.trace_id().high, 0u);
  EXPECT_EQ(fmt::format("{}", ids),
            fmt::format("dd.trace_id={} dd.span_id={}", span.trace_id().hex_padded(), span.id()));
  EXPECT_EQ(fmt::format("{}", log_correlation(Span())), "");
}

}  // namespace
}  // namespace gatetrace
