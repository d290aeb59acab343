// Meta's lookups compare key words only while no key is kept in the area (a key the
// intern table did not take, or the empty key), and compare text too once one may be
// (Meta::kAreaKeyBit). These follow that bit through the write paths: a key kept in the
// area, then interned, must still be found by its id and its text, in the map, its
// copies and the map it moved to, after other tags are erased, and not after it is;
// clear() and release_memory() start again from word-only lookups.
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "gatetrace/span_keys.h"
#include "gatetrace/span_meta.h"
#include "gatetrace/span_string.h"

namespace gatetrace {
namespace {

// A key this thread has not seen: Meta::set keeps it in the area (the doorkeeper lets it
// into the table only when seen again). Interning it afterwards gives it an id the entry
// does not have.
std::string fresh_key(const char* name) {
  static int count = 0;
  return std::string("area.keys.") + name + "." + std::to_string(++count);
}

TEST(SpanMetaAreaKeys, KeyKeptInTheAreaThenInternedIsFoundByIdAndText) {
  Meta meta;
  const std::string key = fresh_key("then.interned");
  meta.set("http.method", "GET");
  meta.set(key, "in the area");
  meta.set("env", "prod");
  const std::uint32_t id = SpanString::intern(key);
  ASSERT_NE(id, 0u);

  const auto check = [&](const Meta& m, const char* where) {
    SCOPED_TRACE(where);
    ASSERT_TRUE(m.find_known(id));
    EXPECT_EQ(*m.find_known(id), "in the area");
    EXPECT_EQ(m.find(key).value_or("absent"), "in the area");
    EXPECT_EQ(m.find("env").value_or("absent"), "prod");
  };
  check(meta, "the map");
  Meta copy(meta);
  check(copy, "a copy");
  Meta assigned;
  assigned.set("other", "tag");
  assigned = meta;
  check(assigned, "an assigned copy");
  Meta moved(std::move(copy));
  check(moved, "moved from the copy");
  Meta move_assigned;
  move_assigned = std::move(moved);
  check(move_assigned, "move-assigned");

  // Setting it by id overwrites the entry found by text: still one tag.
  meta.set_known(id, "overwritten");
  EXPECT_EQ(meta.size(), 3u);
  EXPECT_EQ(*meta.find(key), "overwritten");

  // Erasing another tag keeps it; erasing it leaves word-only lookups that still work.
  EXPECT_TRUE(meta.erase("http.method"));
  EXPECT_EQ(*meta.find_known(id), "overwritten");
  EXPECT_TRUE(meta.erase(key));
  EXPECT_FALSE(meta.find_known(id));
  EXPECT_FALSE(meta.contains(key));
  EXPECT_EQ(meta.find("env").value_or("absent"), "prod");
  meta.set_known(id, "interned now");
  EXPECT_EQ(*meta.find(key), "interned now");
  EXPECT_EQ(meta.size(), 2u);
}

TEST(SpanMetaAreaKeys, TwoAreaKeysEraseOneAndTheEmptyKey) {
  Meta meta;
  const std::string first = fresh_key("first");
  const std::string second = fresh_key("second");
  const std::string too_long(300, 'k');  // never interned
  meta.set(first, "1");
  meta.set(second, "2");
  meta.set(too_long, "3");
  meta.set("", "empty");  // the empty key is never interned: kept in the area
  EXPECT_TRUE(meta.erase(first));
  const std::uint32_t second_id = SpanString::intern(second);
  EXPECT_EQ(meta.find_known(second_id).value_or("absent"), "2");
  EXPECT_EQ(meta.find(too_long).value_or("absent"), "3");
  EXPECT_EQ(meta.find("").value_or("absent"), "empty");
  EXPECT_TRUE(meta.erase(second));
  EXPECT_TRUE(meta.erase(too_long));
  EXPECT_EQ(meta.find("").value_or("absent"), "empty");
  EXPECT_TRUE(meta.erase(""));
  EXPECT_FALSE(meta.contains(""));
  EXPECT_TRUE(meta.empty());
}

TEST(SpanMetaAreaKeys, ClearAndReleaseStartAgain) {
  for (const bool release : {false, true}) {
    SCOPED_TRACE(release ? "release_memory" : "clear");
    Meta meta;
    const std::string key = fresh_key("cleared");
    meta.set(key, "before");
    meta.set(std::string(300, 'v'), std::string(400, 'w'));  // a heap area
    if (release) {
      meta.release_memory();
    } else {
      meta.clear();
    }
    const std::uint32_t id = SpanString::intern(key);
    EXPECT_FALSE(meta.find_known(id));
    meta.set_known(id, "after");  // interned now: its word names it
    meta.set("env", "prod");
    EXPECT_EQ(meta.find(key).value_or("absent"), "after");
    EXPECT_EQ(meta.find_known(id).value_or("absent"), "after");
    EXPECT_FALSE(meta.find(std::string(300, 'v')));
  }
}

TEST(SpanMetaAreaKeys, WordOnlyScanFindsEveryPositionOfOddAndEvenSizes) {
  // Interned keys only (fixed keys by id): the scan by key word, two entries per step.
  for (std::uint32_t count = 0; count <= 9; ++count) {
    SCOPED_TRACE(count);
    Meta meta;
    for (std::uint32_t key = 1; key <= count; ++key) {
      meta.set_known(key, std::string(key, 'v'));
    }
    for (std::uint32_t key = 1; key <= 10; ++key) {
      const TagLookup found = meta.find_known(key);
      if (key <= count) {
        ASSERT_TRUE(found) << key;
        EXPECT_EQ(*found, std::string(key, 'v'));
        EXPECT_TRUE(meta.contains(span_keys::kTexts[key]));
      } else {
        EXPECT_FALSE(found) << key;
        EXPECT_FALSE(meta.contains(span_keys::kTexts[key]));
      }
    }
    // An erased key keeps its filter bit: its lookup scans every entry, and misses.
    if (count == 0) continue;
    ASSERT_TRUE(meta.erase(span_keys::kTexts[1]));
    EXPECT_FALSE(meta.find_known(1));
    EXPECT_FALSE(meta.contains(span_keys::kTexts[1]));
    for (std::uint32_t key = 2; key <= count; ++key) EXPECT_TRUE(meta.find_known(key)) << key;
  }
}

}  // namespace
}  // namespace gatetrace
