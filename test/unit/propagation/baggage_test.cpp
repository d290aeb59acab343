// W3C baggage: parsing, percent-coding, and the item and byte caps.
#include <gtest/gtest.h>

#include "propagation_test_util.h"

namespace gatetrace {
namespace {

using testing::extract_from;
using testing::find_header;
using testing::has_code;
using testing::OwnedHeaders;
using S = PropagationStyle;

const PropagationSettings kBaggageOnly = testing::styles({S::kBaggage});

TagList extract_baggage(const std::string& value, std::vector<Error>* diagnostics = nullptr) {
  return extract_from({{"baggage", value}}, kBaggageOnly, diagnostics).baggage;
}

std::string inject_baggage(const TagList& items) {
  InjectionContext context;
  context.trace_id = TraceId{1, 0};
  context.span_id = 2;
  context.baggage = &items;
  HeaderListWriter writer;
  inject_context(writer, context, kBaggageOnly);
  return find_header(writer.headers(), "baggage").value_or("<missing>");
}

TEST(BaggageExtract, ItemsWithWhitespacePropertiesAndPercentDecoding) {
  std::vector<Error> diagnostics;
  auto items = extract_baggage(
      " userId = alice , serverNode=DF%2028;prop=1;flag, isProduction=false,empty=,"
      "%E2%9C%93k=%e2%9c%93",
      &diagnostics);
  EXPECT_TRUE(diagnostics.empty());
  EXPECT_EQ(items, (TagList{{"userId", "alice"},
                            {"serverNode", "DF 28"},
                            {"isProduction", "false"},
                            {"empty", ""},
                            {"\xe2\x9c\x93k", "\xe2\x9c\x93"}}));
}

TEST(BaggageExtract, NoTraceContextNeeded) {
  auto context = extract_from({{"baggage", "a=1"}},
                              testing::styles({S::kDatadog, S::kTraceContext, S::kBaggage}));
  EXPECT_FALSE(context.has_trace());
  EXPECT_EQ(context.baggage, (TagList{{"a", "1"}}));
}

TEST(BaggageExtract, NotReadUnlessConfigured) {
  auto context = extract_from({{"baggage", "a=1"}}, testing::styles({S::kDatadog}));
  EXPECT_TRUE(context.baggage.empty());
}

TEST(BaggageExtract, MalformedHeaderIsDroppedWhole) {
  for (const char* bad : {"a=1,b", "a=1,=2", "a=%zz", "a=%2", "a=1,b=%", "noequals"}) {
    std::vector<Error> diagnostics;
    auto items = extract_baggage(bad, &diagnostics);
    EXPECT_TRUE(items.empty()) << bad;
    EXPECT_TRUE(has_code(diagnostics, Error::kMalformedBaggage)) << bad;
  }
}

TEST(BaggageExtract, EmptyHeaderAndEmptyItemsAreFine) {
  std::vector<Error> diagnostics;
  EXPECT_TRUE(extract_baggage("", &diagnostics).empty());
  EXPECT_EQ(extract_baggage(",a=1,,", &diagnostics), (TagList{{"a", "1"}}));
  EXPECT_TRUE(diagnostics.empty());
}

TEST(BaggageExtract, ItemsBeyondSixtyFourAreDropped) {
  std::string header;
  for (int i = 0; i < 70; ++i) header += (i ? "," : "") + ("k" + std::to_string(i)) + "=v";
  std::vector<Error> diagnostics;
  auto items = extract_baggage(header, &diagnostics);
  ASSERT_EQ(items.size(), kBaggageMaxItems);
  EXPECT_EQ(items.front().first, "k0");
  EXPECT_EQ(items.back().first, "k63");
  EXPECT_TRUE(has_code(diagnostics, Error::kMalformedBaggage));
}

TEST(BaggageExtract, BytesBeyond8192AreDropped) {
  // Three items of 3000 bytes: the third ends past byte 8192.
  const std::string value(2998, 'v');
  const std::string header = "a=" + value + ",b=" + value + ",c=" + value;
  auto items = extract_baggage(header);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[1].first, "b");
}

TEST(BaggageInject, PercentEncodesWhatAHeaderCannotCarry) {
  const std::string value =
      inject_baggage({{"user id", "a,b;c=d e%\"\\\n\xe2\x9c\x93"}, {"plain", "x-y_z.~!"}});
  EXPECT_EQ(value, "user%20id=a%2Cb%3Bc=d%20e%25%22%5C%0A%E2%9C%93,plain=x-y_z.~!");
  EXPECT_TRUE(testing::is_clean_header_value(value));
  // And it reads back exactly.
  auto items = extract_baggage(value);
  EXPECT_EQ(items, (TagList{{"user id", "a,b;c=d e%\"\\\n\xe2\x9c\x93"}, {"plain", "x-y_z.~!"}}));
}

TEST(BaggageInject, CapsItemsAndBytes) {
  TagList many;
  for (int i = 0; i < 80; ++i) many.emplace_back("k" + std::to_string(i), "v");
  auto back = extract_baggage(inject_baggage(many));
  ASSERT_EQ(back.size(), kBaggageMaxItems);
  EXPECT_EQ(back.back().first, "k63");

  TagList big{{"a", std::string(5000, 'x')}, {"b", std::string(5000, 'y')}, {"c", "small"}};
  const std::string value = inject_baggage(big);
  EXPECT_LE(value.size(), kBaggageMaxBytes);
  EXPECT_EQ(extract_baggage(value), (TagList{big[0], big[2]}));
}

TEST(BaggageInject, EmptyBaggageWritesNoHeader) {
  EXPECT_EQ(inject_baggage({}), "<missing>");
  EXPECT_EQ(inject_baggage({{"", "no key"}}), "<missing>");
}

}  // namespace
}  // namespace gatetrace
