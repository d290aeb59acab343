// Meta and Metrics (span_meta.h, span_metrics.h) through their interface: keys that
// look alike stay distinct, erase and clear, overwrites with shorter and longer values
// (in place, or new text at the area's back), values that point into the map's own
// text, copies and moves, recycled slots whose keys come back; and the inline text
// helpers (text_copy.h, same_short_text).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "gatetrace/span_data.h"
#include "gatetrace/span_keys.h"
#include "gatetrace/span_string.h"
#include "meta_keys.h"

namespace gatetrace {
namespace {

using testing::meta_keys;

TEST(SpanMetaKeys, CollidingKeysAreStillDistinct) {
  // Short keys of one length (KeysSharingAFilterBit... below finds keys whose filter bits
  // collide; these may or may not).
  Meta meta;
  meta.set("ab", std::string_view("1"));
  meta.set("cb", std::string_view("2"));
  meta.set("xb", std::string_view("3"));
  EXPECT_EQ(meta.size(), 3u);
  EXPECT_EQ(*meta.find("ab"), "1");
  EXPECT_EQ(*meta.find("cb"), "2");
  EXPECT_EQ(*meta.find("xb"), "3");
  EXPECT_FALSE(meta.find("zb"));
  meta.set("cb", std::string_view("two"));
  EXPECT_EQ(meta.size(), 3u) << "an existing key is overwritten, not added";
  EXPECT_EQ(*meta.find("cb"), "two");
  EXPECT_TRUE(meta.erase("ab"));
  EXPECT_FALSE(meta.erase("ab"));
  EXPECT_EQ(*meta.find("cb"), "two") << "erasing one colliding key keeps the other's bit";
  EXPECT_EQ(*meta.find("xb"), "3");
  EXPECT_EQ(meta_keys(meta), (std::vector<std::string>{"cb", "xb"}));
}

TEST(SpanMetaKeys, KeysSharingAFilterBitInTheAreaAndInTheTable) {
  // Keys whose texts share a filter bit, some interned (by id), some kept in the area
  // (first sight, behind the doorkeeper), others absent: each is found by text and by
  // id, overwritten in place, erased alone.
  std::vector<std::string> same_bit;
  const std::uint8_t bit = SpanString::key_bit_of("filter.bit.0");
  for (int i = 0; same_bit.size() < 6; ++i) {
    std::string key = "filter.bit." + std::to_string(i) + ".";
    key += std::to_string(reinterpret_cast<std::uintptr_t>(&same_bit) & 0xffff);
    if (SpanString::key_bit_of(key) == bit) same_bit.push_back(key);
  }
  const std::uint32_t id0 = SpanString::intern(same_bit[0]);
  const std::uint32_t id2 = SpanString::intern(same_bit[2]);
  ASSERT_NE(id0, 0u);
  ASSERT_NE(id2, 0u);
  Meta meta;
  for (int i = 0; i < 4; ++i) meta.set(same_bit[i], "v" + std::to_string(i));
  EXPECT_EQ(meta.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(*meta.find(same_bit[i]), "v" + std::to_string(i));
  EXPECT_EQ(*meta.find_known(id0), "v0");
  EXPECT_EQ(*meta.find_known(id2), "v2");
  EXPECT_FALSE(meta.find(same_bit[4]));
  EXPECT_FALSE(meta.contains(same_bit[5]));
  meta.set(same_bit[1], std::string_view("one"));
  meta.set_known(id2, "two");
  EXPECT_EQ(meta.size(), 4u);
  EXPECT_EQ(*meta.find(same_bit[1]), "one");
  EXPECT_EQ(*meta.find(same_bit[2]), "two");
  EXPECT_TRUE(meta.erase(same_bit[0]));
  EXPECT_FALSE(meta.find_known(id0));
  EXPECT_EQ(*meta.find(same_bit[3]), "v3");
  // A key first kept in the area, interned since, is still that one tag.
  const std::uint32_t id1 = SpanString::intern(same_bit[1]);
  ASSERT_NE(id1, 0u);
  EXPECT_EQ(*meta.find_known(id1), "one");
  meta.set_known(id1, "uno");
  EXPECT_EQ(meta.size(), 3u);
  EXPECT_EQ(meta_keys(meta), (std::vector<std::string>{same_bit[1], same_bit[2], same_bit[3]}));
  EXPECT_EQ(*meta.find(same_bit[1]), "uno");
}

TEST(SpanMetaKeys, TheHelpersKeysNeverShareAFilterBit) {
  // A request's spans carry all of these: none takes the slow path for another.
  Meta meta;
  const char* keys[] = {
      "env",           "version",        "component",   "span.kind",      "http.method",
      "http.url",      "http.client_ip", "http.route",  "http.useragent", "http.status_code",
      "error.message", "error.type",     "error.stack", "_dd.origin",     "_dd.p.tid",
      "_dd.p.dm"};
  std::uint32_t bits = 0;
  for (const char* key : keys) {
    const std::uint32_t id = SpanString::lookup(key);
    ASSERT_NE(id, 0u) << key;
    const std::uint32_t bit = 1u << SpanString::interned(id)->filter_bit();
    EXPECT_EQ(bits & bit, 0u) << key;
    bits |= bit;
    meta.set(key, std::string_view(key));
  }
  for (const char* key : keys) EXPECT_EQ(*meta.find(key), key);
}

TEST(SpanMetaKeys, ErasedAndClearedKeysAreGone) {
  Meta meta;
  meta.set("alpha", std::string_view("1"));
  meta.set("beta", std::string_view("2"));
  EXPECT_TRUE(meta.erase("alpha"));
  EXPECT_FALSE(meta.find("alpha"));
  EXPECT_FALSE(meta.contains("alpha"));
  meta.set("alpha", std::string_view("again"));
  EXPECT_EQ(meta_keys(meta), (std::vector<std::string>{"beta", "alpha"}));
  meta.clear();
  EXPECT_FALSE(meta.find("beta"));
  EXPECT_FALSE(meta.erase("beta"));
  meta.set("beta", std::string_view("3"));
  EXPECT_EQ(meta.size(), 1u);
  EXPECT_EQ(*meta.find("beta"), "3");
}

TEST(SpanMetaKeys, EmptyKeyAndManyKeys) {
  Metrics metrics;
  metrics.set("", 1.0);
  EXPECT_EQ(*metrics.find(""), 1.0);
  // More keys than bits: every bit set, every key still found exactly.
  for (int i = 0; i < 100; ++i) metrics.set("metric." + std::to_string(i), i);
  ASSERT_EQ(metrics.size(), 101u);
  for (int i = 0; i < 100; ++i) {
    const double* value = metrics.find("metric." + std::to_string(i));
    ASSERT_NE(value, nullptr) << i;
    EXPECT_EQ(*value, i);
  }
  for (int i = 0; i < 100; i += 2) EXPECT_TRUE(metrics.erase("metric." + std::to_string(i)));
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(metrics.contains("metric." + std::to_string(i)), i % 2 == 1) << i;
  }
  EXPECT_EQ(*metrics.find(""), 1.0);
  EXPECT_FALSE(metrics.find("metric.100"));
}

TEST(SpanMetaKeys, CopiesAndMovesKeepLookupsWorking) {
  Meta meta;
  meta.set("k1", std::string_view("v1"));
  meta.set("k2", std::string_view("v2"));
  Meta copy = meta;
  EXPECT_EQ(*copy.find("k2"), "v2");
  Meta assigned;
  assigned.set("old", std::string_view("x"));
  assigned = copy;
  EXPECT_FALSE(assigned.find("old"));
  EXPECT_EQ(*assigned.find("k1"), "v1");
  Meta moved = std::move(copy);
  EXPECT_EQ(*moved.find("k1"), "v1");
  EXPECT_FALSE(copy.find("k1"));  // NOLINT(bugprone-use-after-move): moved-from is empty
  Meta move_assigned;
  move_assigned = std::move(moved);
  EXPECT_EQ(*move_assigned.find("k2"), "v2");
  EXPECT_FALSE(moved.find("k2"));  // NOLINT(bugprone-use-after-move)
}

TEST(SpanMetaKeys, ForEachVisitsWhatIterationVisits) {
  Meta meta;
  meta.set("env", "prod");                      // a fixed key
  meta.set(std::string(40, 'k'), "long key");   // kept as text or interned
  meta.set("a.key.seen.once.only.here", "");    // likely kept as text
  meta.set("http.url", std::string(300, 'u'));  // a heap area
  std::vector<std::pair<std::string, std::string>> by_iteration;
  for (const auto& [key, value] : meta) by_iteration.emplace_back(key, value);
  std::vector<std::pair<std::string, std::string>> by_for_each;
  meta.for_each(
      [&](std::string_view key, std::string_view value) { by_for_each.emplace_back(key, value); });
  ASSERT_EQ(by_iteration.size(), 4u);
  EXPECT_EQ(by_for_each, by_iteration);
  EXPECT_EQ(by_for_each[0].first, "env");
  EXPECT_EQ(by_for_each[3].second, std::string(300, 'u'));
}

TEST(SpanMetaOverwrite, ShorterAndLongerValuesOverOldText) {
  Meta meta;
  meta.set("key", std::string_view("a value well past the small-string buffer"));
  meta.clear();
  meta.set("k", std::string_view("short"));
  EXPECT_EQ(*meta.find("k"), "short");
  EXPECT_EQ(meta.find("k")->size(), 5u);
  meta.clear();
  meta.set("a longer key than before", std::string_view("and a value longer than the old one too"));
  EXPECT_EQ(meta_keys(meta), (std::vector<std::string>{"a longer key than before"}));
  EXPECT_EQ(*meta.find("a longer key than before"), "and a value longer than the old one too");
  meta.set("a longer key than before", std::string_view(""));
  EXPECT_EQ(*meta.find("a longer key than before"), "");
  meta.set("nul", std::string_view("a\0b", 3));
  EXPECT_EQ(*meta.find("nul"), std::string("a\0b", 3));
}

TEST(SpanMetaOverwrite, ValuesThatPointIntoTheSlotItself) {
  Meta meta;
  meta.set("k", std::string_view("0123456789abcdefghij"));
  meta.set("k", std::string_view(*meta.find("k")));  // itself
  EXPECT_EQ(*meta.find("k"), "0123456789abcdefghij");
  meta.set("k", std::string_view(*meta.find("k")).substr(5));  // its own tail
  EXPECT_EQ(*meta.find("k"), "56789abcdefghij");
  meta.set("k", std::string_view(*meta.find("k")).substr(0, 3));  // its own head
  EXPECT_EQ(*meta.find("k"), "567");
  // An erased tag's old text (still in the area), written back as a new tag.
  meta.set("spare", std::string_view("recycled text in a spare slot"));
  const std::string_view old_text = *meta.find("spare");
  EXPECT_TRUE(meta.erase("spare"));
  meta.set("spare", old_text.substr(9));
  EXPECT_EQ(*meta.find("spare"), "text in a spare slot");
}

TEST(SpanMetaHeap, InlineUntilItOutgrowsThenOneBlock) {
  const std::string long_text(300, 'x');
  Meta meta;
  meta.set("short", std::string_view("value"));
  EXPECT_EQ(meta.heap_bytes(), 0u) << "a short tag stays in the inline area";
  meta.set("short", std::string_view(long_text));  // grows an existing entry
  EXPECT_GT(meta.heap_bytes(), long_text.size());
  EXPECT_EQ(*meta.find("short"), long_text);
  const std::size_t block = meta.heap_bytes();
  meta.clear();
  EXPECT_EQ(meta.heap_bytes(), block) << "clear keeps the block for the next tags";
  meta.set("k", std::string_view("v"));
  EXPECT_EQ(meta.heap_bytes(), block);
  meta.release_memory();
  EXPECT_EQ(meta.heap_bytes(), 0u);
  EXPECT_TRUE(meta.empty());

  meta.set(long_text, std::string_view("v"));  // a key too long to intern: kept in the area
  EXPECT_EQ(*meta.find(long_text), "v");
  EXPECT_EQ(meta.begin()->first, long_text);
  meta.set("moved", std::string(long_text));
  EXPECT_TRUE(meta.erase("moved"));
  EXPECT_FALSE(meta.find("moved"));
  EXPECT_EQ(*meta.find(long_text), "v");

  Metrics metrics;
  metrics.set(long_text, 1.0);
  EXPECT_EQ(*metrics.find(long_text), 1.0);
  EXPECT_TRUE(metrics.begin()->first.owned()) << "too long for the intern table";
}

TEST(MoveChars, EveryShortLengthAndOverlap) {
  // Lengths around each of move_chars' size classes, copied forwards, backwards and
  // onto themselves inside one buffer, against std::memmove.
  for (std::size_t n = 0; n <= 72; ++n) {
    for (int shift = -35; shift <= 35; ++shift) {
      std::string buffer(160, '.');
      for (std::size_t i = 0; i < buffer.size(); ++i) buffer[i] = static_cast<char>('A' + i % 50);
      std::string expected = buffer;
      const std::size_t from = 40;
      const std::size_t to = static_cast<std::size_t>(40 + shift);
      std::memmove(expected.data() + to, expected.data() + from, n);
      detail::move_chars(buffer.data() + to, buffer.data() + from, n);
      EXPECT_EQ(buffer, expected) << "n=" << n << " shift=" << shift;
    }
  }
}

// A cleared map reused with other keys and values (as a recycled span's is): nothing of
// the old tags shows, whatever the lengths.
TEST(SpanMetaReuse, NewKeysOverLongerOldText) {
  Meta meta;
  meta.set("a.fairly.long.key.name", std::string_view(std::string(60, 'v')));
  meta.set("second.key", std::string_view("second value of some length"));
  meta.clear();
  // Shorter key and value than each spare slot's: the inline path.
  meta.set("k1", std::string_view("http://example.com/a/path/of/forty-one/b"));
  meta.set("k2", std::string_view("v2"));
  EXPECT_EQ(meta_keys(meta), (std::vector<std::string>{"k1", "k2"}));
  EXPECT_EQ(*meta.find("k1"), "http://example.com/a/path/of/forty-one/b");
  EXPECT_EQ(*meta.find("k2"), "v2");
  EXPECT_EQ(meta.begin()->first, "k1");
  // The same key again: found and overwritten, not added.
  meta.set("k1", std::string_view("shorter"));
  EXPECT_EQ(meta.size(), 2u);
  EXPECT_EQ(*meta.find("k1"), "shorter");
  // No spare slot left: appended.
  meta.set("k3", std::string_view("v3"));
  EXPECT_EQ(meta_keys(meta), (std::vector<std::string>{"k1", "k2", "k3"}));
}

TEST(SpanMetaReuse, SpareSlotWithShorterKeyOrValue) {
  Meta meta;
  meta.set("ab", std::string_view("cd"));
  meta.set("ef", std::string_view("a value long enough"));
  meta.clear();
  // A longer key than the spare slot's, then a longer value than the next one's.
  meta.set("a longer key", std::string_view("x"));
  meta.set("g", std::string_view("a value longer than the one before it"));
  EXPECT_EQ(meta_keys(meta), (std::vector<std::string>{"a longer key", "g"}));
  EXPECT_EQ(*meta.find("a longer key"), "x");
  EXPECT_EQ(*meta.find("g"), "a value longer than the one before it");
  EXPECT_FALSE(meta.contains("ab"));
  EXPECT_FALSE(meta.contains("ef"));
}

TEST(SpanMetaReuse, ValueKindsAndLongValues) {
  Meta meta;
  for (int i = 0; i < 4; ++i) meta.set("key" + std::to_string(i), std::string(80, 'o'));
  meta.clear();
  const std::string copied(70, 'c');  // over 64 bytes: the library's memmove
  meta.set("key0", copied);
  meta.set("key1", std::string(50, 'm'));  // moved in: the general path
  meta.set("key2", "a literal");
  meta.set("key3", std::string_view(""));
  EXPECT_EQ(*meta.find("key0"), copied);
  EXPECT_EQ(*meta.find("key1"), std::string(50, 'm'));
  EXPECT_EQ(*meta.find("key2"), "a literal");
  EXPECT_EQ(*meta.find("key3"), "");
  EXPECT_EQ(meta.size(), 4u);
}

TEST(SameShortText, TrueOnlyForEqualTextsOfOneTo32Bytes) {
  // Meta::set's inline path compares a recycled slot's key with same_short_text(): for
  // every length, equal texts, and texts differing in any one byte; 0 and over 32 bytes
  // are never "the same" there (the intern lookup decides those).
  for (std::size_t n = 0; n <= 40; ++n) {
    std::string stored(n, '.');
    for (std::size_t i = 0; i < n; ++i) stored[i] = static_cast<char>('a' + (i * 7) % 26);
    const std::string text = stored;  // another buffer
    const bool short_enough = n >= 1 && n <= 32;
    EXPECT_EQ(detail::same_short_text(stored.data(), text), short_enough) << "n=" << n;
    for (std::size_t at = 0; at < n; ++at) {
      std::string other = text;
      other[at] = static_cast<char>(other[at] ^ 0x20);
      EXPECT_FALSE(detail::same_short_text(stored.data(), other)) << "n=" << n << " at=" << at;
    }
  }
}

TEST(SpanMetaReuse, RecycledKeysOfEveryLength) {
  // Keys of 1 to 40 bytes set, cleared and set again: in the same order (each slot still
  // names its key: the inline path for 1..32 bytes), shifted by one (each slot names
  // another key of another length), and with one byte changed (same length, other key).
  std::vector<std::string> keys;
  for (std::size_t n = 1; n <= 40; ++n) {
    std::string key(n, 'k');
    for (std::size_t i = 0; i < n; ++i) key[i] = static_cast<char>('a' + (i * 5 + n) % 26);
    keys.push_back(key);
    SpanString::intern(key);  // as a recycled span's keys are
  }
  const auto check = [](const Meta& meta, const std::vector<std::string>& expected_keys) {
    ASSERT_EQ(meta_keys(meta), expected_keys);
    for (std::size_t i = 0; i < expected_keys.size(); ++i) {
      EXPECT_EQ(*meta.find(expected_keys[i]), "v" + std::to_string(i)) << expected_keys[i];
    }
  };
  Meta meta;
  for (std::size_t i = 0; i < keys.size(); ++i) meta.set(keys[i], "v" + std::to_string(i));
  check(meta, keys);
  for (int round = 0; round < 2; ++round) {
    meta.clear();
    for (std::size_t i = 0; i < keys.size(); ++i) meta.set(keys[i], "v" + std::to_string(i));
    check(meta, keys);
  }
  std::vector<std::string> shifted(keys.begin() + 1, keys.end());
  shifted.push_back(keys.front());
  meta.clear();
  for (std::size_t i = 0; i < shifted.size(); ++i) meta.set(shifted[i], "v" + std::to_string(i));
  check(meta, shifted);
  std::vector<std::string> changed = shifted;
  for (std::string& key : changed) key.back() = static_cast<char>(key.back() ^ 0x20);
  meta.clear();
  for (std::size_t i = 0; i < changed.size(); ++i) meta.set(changed[i], "v" + std::to_string(i));
  check(meta, changed);
  for (const std::string& key : shifted) EXPECT_FALSE(meta.contains(key)) << key;
}

TEST(SpanMetricsStorage, FirstKnownMetricOfAKeptBlock) {
  // set_known() writes a cleared map's first metric inline (the block kept): it must
  // read as set() would have written it, and the next ones follow it in order.
  Metrics metrics;
  metrics.set_known(span_keys::kInferredSpan, 1);  // no block yet: the general path
  metrics.set("user.metric", 2);
  metrics.clear();
  metrics.set_known(span_keys::kSamplingPriority, 2);  // kept block, empty: inline
  ASSERT_EQ(metrics.size(), 1u);
  EXPECT_EQ(metrics.begin()->first.id(), span_keys::kSamplingPriority);
  EXPECT_FALSE(metrics.begin()->first.owned());
  EXPECT_EQ(*metrics.find("_sampling_priority_v1"), 2);
  EXPECT_FALSE(metrics.contains("_dd.inferred_span"));
  EXPECT_FALSE(metrics.contains("user.metric"));
  metrics.set_known(span_keys::kSamplingPriority, 1);  // present: overwritten
  metrics.set("_sampling_priority_v1", 3);             // by text: the same entry
  metrics.set_known(span_keys::kAgentRate, 0.5);
  std::vector<std::pair<std::string, double>> entries;
  for (const auto& [k, v] : metrics) entries.emplace_back(std::string(k), v);
  const std::vector<std::pair<std::string, double>> expected = {{"_sampling_priority_v1", 3},
                                                                {"_dd.agent_psr", 0.5}};
  EXPECT_EQ(entries, expected);
  // A copy and an erase see the inline-written entry like any other.
  Metrics copy(metrics);
  EXPECT_TRUE(copy.erase("_sampling_priority_v1"));
  EXPECT_EQ(copy.size(), 1u);
  EXPECT_EQ(*metrics.find("_sampling_priority_v1"), 3);
}

TEST(AssignReusing, MatchesPlainAssignment) {
  const std::vector<std::string> texts = {
      "", "x", "fifteen chars!!", "sixteen chars!!!", std::string(100, 'y'), "mid-length value"};
  for (const std::string& before : texts) {
    for (const std::string& after : texts) {
      std::string target = before;
      detail::assign_reusing(target, after);
      EXPECT_EQ(target, after) << "'" << before << "' -> '" << after << "'";
      EXPECT_EQ(target.c_str()[target.size()], '\0');
    }
  }
}

}  // namespace
}  // namespace gatetrace
