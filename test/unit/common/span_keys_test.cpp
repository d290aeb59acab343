// The fixed keys of span_keys.h: each id's record is the constant the library ships,
// and the intern table answers each key's text with that id, including the inferred
// span's gateway keys (region, stage) and the client span's out.host, which their runs of
// tags write by id.
#include "gatetrace/span_keys.h"

#include <gtest/gtest.h>

#include <set>
#include <string_view>

#include "gatetrace/span_meta.h"
#include "gatetrace/span_string.h"

namespace gatetrace {
namespace {

TEST(SpanKeysTest, EveryFixedKeyInternsToItsId) {
  std::set<std::string_view> texts;
  for (std::uint32_t id = 1; id <= span_keys::kCount; ++id) {
    const std::string_view text = span_keys::kTexts[id];
    EXPECT_TRUE(texts.insert(text).second) << "one id per text: " << text;
    const detail::StringRecord* record = SpanString::interned(id);
    ASSERT_NE(record, nullptr) << id;
    EXPECT_EQ(record->view(), text);
    EXPECT_EQ(record->filter_bit(), id) << text;
    EXPECT_EQ(SpanString::lookup(text), id) << text;
    EXPECT_EQ(SpanString::intern_guarded(text), id) << text << ": no doorkeeper for a fixed key";
  }
}

TEST(SpanKeysTest, GatewayAndClientKeys) {
  EXPECT_EQ(span_keys::kTexts[span_keys::kRegion], "region");
  EXPECT_EQ(span_keys::kTexts[span_keys::kStage], "stage");
  EXPECT_EQ(SpanString::intern("region"), span_keys::kRegion);
  EXPECT_EQ(SpanString::intern("stage"), span_keys::kStage);
  EXPECT_EQ(SpanString::intern("out.host"), span_keys::kOutHost);
  // The AWS-only keys are ordinary interned keys.
  EXPECT_GT(SpanString::intern("apiid"), span_keys::kCount);
}

// A key set by text and the same key set by id are one tag.
TEST(SpanKeysTest, TextAndIdNameTheSameTag) {
  Meta meta;
  meta.set("region", "West Europe");
  meta.set_known(span_keys::kRegion, "Canada Central");
  meta.set_known(span_keys::kStage, "prod");
  meta.set("stage", "dev");
  ASSERT_EQ(meta.size(), 2u);
  EXPECT_EQ(meta.at(0), (Meta::value_type{"region", "Canada Central"}));
  EXPECT_EQ(meta.at(1), (Meta::value_type{"stage", "dev"}));
  EXPECT_EQ(*meta.find_known(span_keys::kRegion), "Canada Central");
  EXPECT_EQ(*meta.find("stage"), "dev");
}

}  // namespace
}  // namespace gatetrace
