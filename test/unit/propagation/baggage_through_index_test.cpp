// Baggage extraction when the request's headers were indexed: the style is skipped
// without a call when the index says no baggage header came, and otherwise reads
// (and diagnoses) exactly what it reads over the plain reader, in any case of the
// name and whether or not the header is repeated.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "gatetrace/dict_reader.h"
#include "gatetrace/propagation/header_index.h"
#include "gatetrace/propagation/propagation.h"
#include "propagation_test_util.h"

namespace gatetrace {
namespace {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Extraction {
  ExtractedContext context;
  std::vector<Error> diagnostics;
};

Extraction extract(const DictReader& reader, const std::vector<PropagationStyle>& styles) {
  PropagationSettings settings;
  settings.extract = styles;
  Extraction out;
  out.context = extract_context(reader, settings, &out.diagnostics);
  return out;
}

TEST(BaggageThroughIndex, SameAsThePlainReader) {
  const std::vector<HeaderList> header_sets = {
      {},
      {{"x-datadog-trace-id", "12"}, {"x-datadog-parent-id", "34"}},
      {{"baggage", "k=v,user.id=a%20b"}},
      {{"BAGGAGE", "k=v"}, {"x-datadog-trace-id", "12"}, {"x-datadog-parent-id", "34"}},
      {{"baggage", "k=v"}, {"baggage", "x=y"}},
      {{"baggage", "not a list"}},
      {{"baggage", ""}},
  };
  const std::vector<std::vector<PropagationStyle>> style_lists = {
      {PropagationStyle::kDatadog, PropagationStyle::kTraceContext, PropagationStyle::kBaggage},
      {PropagationStyle::kBaggage},
      {PropagationStyle::kBaggage, PropagationStyle::kDatadog, PropagationStyle::kBaggage},
      {PropagationStyle::kDatadog},
  };
  for (const auto& headers : header_sets) {
    for (const auto& styles : style_lists) {
      const testing::IndexableHeaders reader(headers);
      const HeaderIndex index(reader);
      ASSERT_TRUE(index.indexed());
      const Extraction plain = extract(reader, styles);
      const Extraction indexed = extract(index, styles);
      EXPECT_EQ(indexed.context.baggage, plain.context.baggage);
      EXPECT_EQ(indexed.context.trace_id.low, plain.context.trace_id.low);
      ASSERT_EQ(indexed.diagnostics.size(), plain.diagnostics.size());
      for (std::size_t i = 0; i < plain.diagnostics.size(); ++i) {
        EXPECT_EQ(indexed.diagnostics[i].code, plain.diagnostics[i].code);
        EXPECT_EQ(indexed.diagnostics[i].message, plain.diagnostics[i].message);
      }
    }
  }
}

TEST(BaggageThroughIndex, ReadWhenItCameSkippedWhenNot) {
  const std::vector<PropagationStyle> styles = {PropagationStyle::kBaggage};
  const testing::IndexableHeaders with(HeaderList{{"Baggage", "k=v"}});
  const HeaderIndex with_index(with);
  const TagList expected = {{"k", "v"}};
  EXPECT_EQ(extract(with_index, styles).context.baggage, expected);
  const testing::IndexableHeaders without(HeaderList{{"x-baggage", "k=v"}, {"baggages", "k=v"}});
  const HeaderIndex without_index(without);
  const Extraction none = extract(without_index, styles);
  EXPECT_TRUE(none.context.baggage.empty());
  EXPECT_TRUE(none.diagnostics.empty());
}

}  // namespace
}  // namespace gatetrace
