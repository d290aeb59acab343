#include <gtest/gtest.h>

#include "gatetrace/propagation/propagation.h"

namespace gatetrace {
namespace {

using S = PropagationStyle;

TEST(ParsePropagationStyles, AcceptsEveryNameCaseInsensitively) {
  auto parsed = parse_propagation_styles("Datadog,TRACECONTEXT,b3Multi,B3,Baggage,NONE");
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(*parsed, (std::vector<S>{S::kDatadog, S::kTraceContext, S::kB3Multi, S::kB3Single,
                                     S::kBaggage, S::kNone}));
}

TEST(ParsePropagationStyles, CommasSpacesAndTabsSeparate) {
  auto parsed = parse_propagation_styles("  datadog , tracecontext\tb3multi,,baggage ");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, (std::vector<S>{S::kDatadog, S::kTraceContext, S::kB3Multi, S::kBaggage}));
}

TEST(ParsePropagationStyles, B3IsTheSingleHeaderAndB3MultiTheMultiHeader) {
  auto single = parse_propagation_styles("b3");
  auto multi = parse_propagation_styles("b3multi");
  ASSERT_TRUE(single);
  ASSERT_TRUE(multi);
  EXPECT_EQ(*single, std::vector<S>{S::kB3Single});
  EXPECT_EQ(*multi, std::vector<S>{S::kB3Multi});
}

TEST(ParsePropagationStyles, B3SingleHeaderLongSpelling) {
  auto parsed = parse_propagation_styles("datadog,B3 single header,tracecontext");
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(*parsed, (std::vector<S>{S::kDatadog, S::kB3Single, S::kTraceContext}));
}

TEST(ParsePropagationStyles, RepeatedNamesAreKeptOnceInFirstOrder) {
  auto parsed = parse_propagation_styles("tracecontext,datadog,tracecontext,b3,b3 single header");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, (std::vector<S>{S::kTraceContext, S::kDatadog, S::kB3Single}));
}

TEST(ParsePropagationStyles, UnknownNameIsAnErrorNamingIt) {
  auto parsed = parse_propagation_styles("datadog,w3cx");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, Error::kInvalidPropagationStyle);
  EXPECT_NE(parsed.error().message.find("'w3cx'"), std::string::npos) << parsed.error().message;
}

TEST(ParsePropagationStyles, PartialLongSpellingIsAnError) {
  auto parsed = parse_propagation_styles("b3 single");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, Error::kInvalidPropagationStyle);
  EXPECT_NE(parsed.error().message.find("'single'"), std::string::npos);
}

TEST(ParsePropagationStyles, EmptyOrSeparatorsOnlyIsAnError) {
  for (const char* text : {"", "   ", ",,", " , \t"}) {
    auto parsed = parse_propagation_styles(text);
    ASSERT_FALSE(parsed) << "'" << text << "'";
    EXPECT_EQ(parsed.error().code, Error::kInvalidPropagationStyle);
  }
}

TEST(ParsePropagationStyles, ControlCharactersInAnErrorAreEscaped) {
  auto parsed = parse_propagation_styles("data\ndog");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().message.find('\n'), std::string::npos);
  EXPECT_NE(parsed.error().message.find("\\x0a"), std::string::npos);
}

TEST(PropagationStyleToString, NamesRoundTripThroughTheParser) {
  for (S style :
       {S::kDatadog, S::kTraceContext, S::kB3Multi, S::kB3Single, S::kBaggage, S::kNone}) {
    auto parsed = parse_propagation_styles(to_string(style));
    ASSERT_TRUE(parsed) << to_string(style);
    EXPECT_EQ(*parsed, std::vector<S>{style});
  }
  EXPECT_EQ(to_string(S::kB3Single), "b3");
  EXPECT_EQ(to_string(S::kB3Multi), "b3multi");
  EXPECT_EQ(to_string(S::kTraceContext), "tracecontext");
}

}  // namespace
}  // namespace gatetrace
