// Other vendors' tracestate members: W3cMembersText (kept in place up to its inline
// capacity, on the heap past it) behaves as the std::optional<std::string> it replaced,
// also once moved where the trace segment keeps it; W3cMembersRef injects either form;
// and the per-thread memory of the last tidy list injected never lets a different list
// through unchecked.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "gatetrace/dict_reader.h"
#include "gatetrace/propagation/propagation.h"
#include "gatetrace/propagation/tracestate.h"

namespace gatetrace {
namespace {

constexpr std::size_t kInline = W3cMembersText::kInlineCapacity;

// A list of one member whose text is `size` bytes long.
std::string list_of_size(std::size_t size) {
  std::string list = "v=";
  list.append(size - list.size(), 'a');
  return list;
}

std::optional<std::string> moved_to_segment(W3cMembersText text) {
  std::optional<std::string> field = std::string("stale");
  field = std::move(text);
  return field;
}

TEST(W3cMembersText, StartsEmpty) {
  const W3cMembersText text;
  EXPECT_FALSE(text);
  EXPECT_FALSE(text.has_value());
  EXPECT_EQ(text.view(), "");
  EXPECT_EQ(text.value_or("-"), "-");
  EXPECT_FALSE(text == "");
}

TEST(W3cMembersText, KeepsEveryLengthAroundTheInlineCapacity) {
  for (const std::size_t size : {std::size_t{2}, std::size_t{15}, std::size_t{16}, kInline - 1,
                                 kInline, kInline + 1, std::size_t{300}}) {
    const std::string list = list_of_size(size);
    SCOPED_TRACE(size);
    W3cMembersText text;
    text.emplace(list);
    EXPECT_TRUE(text);
    EXPECT_EQ(text.view(), list);
    EXPECT_EQ(text, list);
    EXPECT_EQ(text.value_or("-"), list);
    EXPECT_EQ(*text, list);

    W3cMembersText from_string;
    from_string.take(std::string(list));
    EXPECT_EQ(from_string, list);

    const W3cMembersText copy = text;
    EXPECT_EQ(copy, list);
    EXPECT_EQ(text, list);  // a copy leaves its source as it was

    W3cMembersText moved = std::move(text);
    EXPECT_EQ(moved, list);
    EXPECT_EQ(moved_to_segment(moved), std::optional<std::string>(list));
    EXPECT_EQ(moved_to_segment(std::move(moved)), std::optional<std::string>(list));
  }
}

TEST(W3cMembersText, ReplacingAndResetting) {
  W3cMembersText text;
  text.emplace(list_of_size(kInline + 20));
  text.emplace("a=1");  // from the heap back to the inline bytes
  EXPECT_EQ(text, "a=1");
  text.emplace(list_of_size(kInline + 5));
  EXPECT_EQ(text, list_of_size(kInline + 5));
  W3cMembersText other;
  other.emplace("b=2");
  text = other;
  EXPECT_EQ(text, "b=2");
  other.emplace(list_of_size(kInline + 7));
  text = std::move(other);
  EXPECT_EQ(text, list_of_size(kInline + 7));
  text.reset();
  EXPECT_FALSE(text);
  EXPECT_EQ(moved_to_segment(text), std::nullopt);
  // An empty text is still a text, as an engaged optional of "" was.
  text.emplace("");
  EXPECT_TRUE(text);
  EXPECT_EQ(moved_to_segment(text), std::optional<std::string>(""));
}

TEST(W3cMembersRef, TakesEitherFormOrNone) {
  InjectionContext context;
  EXPECT_TRUE(context.additional_w3c_tracestate == nullptr);
  const std::string kept = "a=1";
  context.additional_w3c_tracestate = &kept;
  ASSERT_TRUE(context.additional_w3c_tracestate != nullptr);
  EXPECT_EQ(*context.additional_w3c_tracestate, "a=1");
  const std::string* none = nullptr;
  context.additional_w3c_tracestate = none;
  EXPECT_TRUE(context.additional_w3c_tracestate == nullptr);

  W3cMembersText text;
  context.additional_w3c_tracestate = &text;  // holds no text: as a null pointer
  EXPECT_TRUE(context.additional_w3c_tracestate == nullptr);
  text.emplace(list_of_size(kInline + 1));
  context.additional_w3c_tracestate = &text;
  ASSERT_TRUE(context.additional_w3c_tracestate != nullptr);
  EXPECT_EQ(*context.additional_w3c_tracestate, list_of_size(kInline + 1));
  context.additional_w3c_tracestate = nullptr;
  EXPECT_TRUE(context.additional_w3c_tracestate == nullptr);
}

ExtractedContext extract_with_tracestate(const std::string& tracestate) {
  const HeaderListReader::Headers headers = {
      {"x-datadog-trace-id", "9532127138774266268"},
      {"x-datadog-parent-id", "13235353014750950193"},
      {"traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
      {"tracestate", tracestate}};
  const HeaderListReader reader(headers);
  return extract_context(reader, PropagationSettings{});
}

TEST(W3cMembersText, ExtractionKeepsOtherVendorsOfEveryLength) {
  for (const std::size_t size :
       {std::size_t{17}, kInline - 1, kInline, kInline + 1, std::size_t{200}}) {
    const std::string others = list_of_size(size);
    SCOPED_TRACE(others);
    for (const std::string& tracestate :
         {"dd=s:1;p:b7ad6b7169203331," + others, others + ",dd=s:1", others,
          "dd=s:1," + others + ",zz=1", "zz=1 , dd=s:1," + others}) {
      ExtractedContext context = extract_with_tracestate(tracestate);
      std::string expected = others;
      if (tracestate.find("zz=1 ,") == 0) expected = "zz=1," + others;
      if (tracestate.rfind(",zz=1") != std::string::npos) expected = others + ",zz=1";
      EXPECT_EQ(context.additional_w3c_tracestate, expected) << tracestate;
      std::optional<std::string> segment_field;
      segment_field = std::move(context.additional_w3c_tracestate);
      EXPECT_EQ(segment_field, std::optional<std::string>(expected));
    }
  }
  ExtractedContext none = extract_with_tracestate("dd=s:1");
  EXPECT_FALSE(none.additional_w3c_tracestate);
  std::optional<std::string> segment_field = std::string("stale");
  segment_field = std::move(none.additional_w3c_tracestate);
  EXPECT_EQ(segment_field, std::nullopt);
}

std::string inject_others(const std::string& others) {
  InjectionContext context;
  context.trace_id = TraceId{1, 0};
  context.span_id = 0xbb;
  context.sampling_priority = 1;
  context.additional_w3c_tracestate = &others;
  std::string out;
  propagation::encode_tracestate(context, out);
  return out;
}

constexpr std::string_view kOurs = "dd=s:1;p:00000000000000bb";

TEST(TidyListMemo, ARepeatedListGoesOutAsTheFirstTime) {
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(inject_others("congo=t61rcWkgMzE"), std::string(kOurs) + ",congo=t61rcWkgMzE");
  }
}

TEST(TidyListMemo, AListOfTheSameSizeIsCheckedAfresh) {
  // Each right after a tidy list of its size was remembered: the same bytes but one.
  const std::pair<std::string, std::string> cases[] = {
      {"a=1,b=2", "a=1,a=2"},    // a repeated key: the second goes
      {"a=1,bb=2", "a=1,dd=2"},  // other vendors may not bring a dd member
      {"a=1,bb=2", "a=1, b=2"},  // the list is re-joined without the space
      {"a=1,bb=2", "a=1,,b=2"},  // an empty member
      {"ab=1,b=2", "a=1,b=2x"},  // another tidy list: it is remembered in turn
      {"a=1,b=22", "A=1,b=22"},  // an invalid key
      {"a=1,b=22", "a=1,b=2,"},  // a trailing comma
  };
  for (const auto& [tidy, other] : cases) {
    ASSERT_EQ(tidy.size(), other.size());
    EXPECT_EQ(inject_others(tidy), std::string(kOurs) + "," + tidy);
    std::string expected(kOurs);
    if (other == "a=1,a=2" || other == "a=1,dd=2") expected += ",a=1";
    if (other == "a=1, b=2" || other == "a=1,,b=2") expected += ",a=1,b=2";
    if (other == "a=1,b=2x") expected += ",a=1,b=2x";
    if (other == "A=1,b=22") expected += ",b=22";
    if (other == "a=1,b=2,") expected += ",a=1,b=2";
    EXPECT_EQ(inject_others(other), expected) << other;
    EXPECT_EQ(inject_others(tidy), std::string(kOurs) + "," + tidy);
  }
}

TEST(TidyListMemo, LongListsAndEmptyOnes) {
  std::string many;
  for (int i = 1; i <= 32; ++i) many += (i > 1 ? ",k" : "k") + std::to_string(i) + "=v";
  std::string first31 = many.substr(0, many.find(",k32"));
  for (int i = 0; i < 2; ++i) {
    // 32 others with ours make 33: the last goes, every time.
    EXPECT_EQ(inject_others(many), std::string(kOurs) + "," + first31);
    EXPECT_EQ(inject_others(first31), std::string(kOurs) + "," + first31);
    EXPECT_EQ(inject_others(""), std::string(kOurs));
    const std::string long_list = list_of_size(100);
    EXPECT_EQ(inject_others(long_list), std::string(kOurs) + "," + long_list);
  }
}

TEST(TidyListMemo, EachThreadRemembersItsOwn) {
  EXPECT_EQ(inject_others("a=1,b=2"), std::string(kOurs) + ",a=1,b=2");
  std::string seen;
  std::thread other([&seen] { seen = inject_others("a=1,a=2"); });
  other.join();
  EXPECT_EQ(seen, std::string(kOurs) + ",a=1");
  EXPECT_EQ(inject_others("a=1,a=2"), std::string(kOurs) + ",a=1");
}

}  // namespace
}  // namespace gatetrace
