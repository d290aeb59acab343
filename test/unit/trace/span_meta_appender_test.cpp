// Meta::can_append and Meta::Appender (span_meta.h): a run of new fixed-key tags
// written after one check must leave the map exactly as Meta::set_known one tag after
// another would (same tags in the same order, same text bounds, same key filter bits,
// so that later writes find those keys), and can_append must refuse a run when a key is
// already there or the area lacks room, down to the last byte.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "gatetrace/span_data.h"
#include "gatetrace/span_keys.h"

namespace gatetrace {
namespace {

// Everything a Meta shows: its tags in order (with the intern record of each key, or
// null for a key kept in the area), its text bound and heap bytes.
struct MetaState {
  std::vector<std::tuple<const void*, std::string, std::string>> tags;
  std::size_t text_bound = 0;
  std::size_t heap = 0;
  bool operator==(const MetaState& other) const {
    return tags == other.tags && text_bound == other.text_bound && heap == other.heap;
  }
};

MetaState state_of(const Meta& meta) {
  MetaState state;
  meta.for_each_raw([&](const detail::StringRecord* record, std::string_view key,
                        std::string_view value) {
    state.tags.emplace_back(record, std::string(record ? record->view() : key), std::string(value));
  });
  state.text_bound = meta.text_bytes_bound();
  state.heap = meta.heap_bytes();
  return state;
}

// The HTTP keys the request helper writes as runs.
constexpr std::uint32_t kRunKeys[] = {
    span_keys::kSpanKind,     span_keys::kComponent, span_keys::kHttpMethod,   span_keys::kHttpUrl,
    span_keys::kHttpClientIp, span_keys::kHttpRoute, span_keys::kHttpUserAgent};

// Meta::Appender::append<kKey> for a key chosen at run time (or place<kKey>, then the
// value written there).
void append_any(Meta::Appender& run, std::uint32_t key, std::string_view value, bool by_place) {
  auto put = [&](auto tag) {
    constexpr std::uint32_t kKey = decltype(tag)::value;
    if (by_place) {
      char* out = run.place<kKey>(value.size());
      if (!value.empty()) std::memcpy(out, value.data(), value.size());
    } else {
      run.append<kKey>(value);
    }
  };
  switch (key) {
    case span_keys::kSpanKind:
      return put(std::integral_constant<std::uint32_t, span_keys::kSpanKind>());
    case span_keys::kComponent:
      return put(std::integral_constant<std::uint32_t, span_keys::kComponent>());
    case span_keys::kHttpMethod:
      return put(std::integral_constant<std::uint32_t, span_keys::kHttpMethod>());
    case span_keys::kHttpUrl:
      return put(std::integral_constant<std::uint32_t, span_keys::kHttpUrl>());
    case span_keys::kHttpClientIp:
      return put(std::integral_constant<std::uint32_t, span_keys::kHttpClientIp>());
    case span_keys::kHttpRoute:
      return put(std::integral_constant<std::uint32_t, span_keys::kHttpRoute>());
    case span_keys::kHttpUserAgent:
      return put(std::integral_constant<std::uint32_t, span_keys::kHttpUserAgent>());
    default:
      FAIL() << key;
  }
}

std::string text_of(std::mt19937& rng, std::size_t size) {
  std::string text(size, ' ');
  for (char& c : text) c = static_cast<char>('a' + rng() % 26);
  return text;
}

// The text keys the tests use, interned up front: a key the table has not yet seen
// twice is kept in the area instead (span_string.h's doorkeeper), so the first of two
// maps built alike would otherwise differ from the second.
void intern_test_keys() {
  for (int i = 0; i < 6; ++i) SpanString::intern("appender.key." + std::to_string(i));
  for (const char* key : {"appender.big", "appender.after"}) SpanString::intern(key);
}

// Tags a Meta may hold before a run: fixed keys (some of the run's), interned text keys,
// keys too long to intern (kept in the area), overwrites and erases, values up to past
// the inline area. The same seed builds the same map.
void fill(Meta& meta, std::uint32_t seed) {
  std::mt19937 rng(seed);
  const int count = static_cast<int>(rng() % 14);
  for (int i = 0; i < count; ++i) {
    const std::string value = text_of(rng, rng() % 4 == 0 ? rng() % 200 : rng() % 24);
    switch (rng() % 5) {
      case 0:
        meta.set_known(1 + rng() % span_keys::kCount, value);
        break;
      case 1:
        meta.set("appender.key." + std::to_string(rng() % 6), value);
        break;
      case 2:
        meta.set("appender.long.key." + std::string(220, static_cast<char>('a' + rng() % 3)),
                 value);
        break;
      case 3:
        meta.erase(span_keys::kTexts[1 + rng() % span_keys::kCount]);
        break;
      default:
        if (rng() % 3 == 0) meta.clear();
        break;
    }
  }
}

TEST(SpanMetaAppender, SameAsSetKnownOneByOne) {
  intern_test_keys();
  int runs = 0;
  int refused = 0;
  for (std::uint32_t seed = 1; seed <= 4000; ++seed) {
    Meta by_run;
    Meta one_by_one;
    fill(by_run, seed);
    fill(one_by_one, seed);
    ASSERT_TRUE(state_of(by_run) == state_of(one_by_one));

    std::mt19937 rng(seed * 31 + 7);
    std::vector<std::uint32_t> keys(std::begin(kRunKeys), std::end(kRunKeys));
    std::shuffle(keys.begin(), keys.end(), rng);
    keys.resize(rng() % (keys.size() + 1));
    std::vector<std::string> values;
    std::uint32_t bits = 0;
    std::size_t text = 0;
    for (std::uint32_t key : keys) {
      values.push_back(text_of(rng, rng() % 3 == 0 ? rng() % 140 : rng() % 30));
      bits |= std::uint32_t{1} << key;
      text += values.back().size();
    }
    // Callers may reserve more than they write.
    const std::size_t extra_entries = rng() % 2;
    const std::size_t extra_text = rng() % 2 ? 0 : rng() % 40;

    bool any_present = false;
    for (std::uint32_t key : keys) any_present |= one_by_one.find_known(key).has_value();
    const bool can = by_run.can_append(bits, keys.size() + extra_entries, text + extra_text);
    if (any_present) {
      EXPECT_FALSE(can) << "seed " << seed;
    }
    if (!can) {
      ++refused;
      continue;
    }
    ++runs;
    {
      Meta::Appender run(by_run);
      for (std::size_t i = 0; i < keys.size(); ++i) {
        append_any(run, keys[i], values[i], rng() % 2 == 0);
      }
    }
    for (std::size_t i = 0; i < keys.size(); ++i) one_by_one.set_known(keys[i], values[i]);
    ASSERT_TRUE(state_of(by_run) == state_of(one_by_one)) << "seed " << seed;
    // The filter bits: overwriting each key finds it (no second entry), and the maps
    // stay alike through a few more writes, including growth past the area.
    for (std::uint32_t key : kRunKeys) {
      const std::string value = text_of(rng, rng() % 90);
      by_run.set_known(key, value);
      one_by_one.set_known(key, value);
    }
    by_run.set("appender.after", std::string(300, 'z'));
    one_by_one.set("appender.after", std::string(300, 'z'));
    ASSERT_TRUE(state_of(by_run) == state_of(one_by_one)) << "seed " << seed;
  }
  // Both outcomes were met often.
  EXPECT_GT(runs, 1000);
  EXPECT_GT(refused, 200);
}

TEST(SpanMetaAppender, RoomDownToTheLastByte) {
  constexpr std::size_t kEntry = 12;
  const std::uint32_t url_bit = std::uint32_t{1} << span_keys::kHttpUrl;
  Meta empty;
  EXPECT_TRUE(empty.can_append(url_bit, 1, Meta::kInlineBytes - kEntry));
  EXPECT_FALSE(empty.can_append(url_bit, 1, Meta::kInlineBytes - kEntry + 1));
  EXPECT_FALSE(empty.can_append(url_bit, 2, Meta::kInlineBytes - kEntry));
  EXPECT_TRUE(empty.can_append(0, 0, 0));

  // Filled to the last byte by a run: the same as set_known, still inline.
  const std::string full(Meta::kInlineBytes - kEntry, 'u');
  {
    Meta::Appender run(empty);
    run.append<span_keys::kHttpUrl>(full);
  }
  Meta reference;
  reference.set_known(span_keys::kHttpUrl, full);
  EXPECT_TRUE(state_of(empty) == state_of(reference));
  EXPECT_EQ(empty.heap_bytes(), 0u);
  EXPECT_EQ(*empty.find("http.url"), full);
  EXPECT_FALSE(empty.can_append(std::uint32_t{1} << span_keys::kHttpRoute, 0, 1));
  EXPECT_TRUE(empty.can_append(std::uint32_t{1} << span_keys::kHttpRoute, 0, 0));
}

TEST(SpanMetaAppender, RefusesKeysAlreadyThere) {
  Meta meta;
  meta.set_known(span_keys::kHttpRoute, "/r");
  const std::uint32_t route = std::uint32_t{1} << span_keys::kHttpRoute;
  const std::uint32_t url = std::uint32_t{1} << span_keys::kHttpUrl;
  EXPECT_FALSE(meta.can_append(route, 1, 0));
  EXPECT_FALSE(meta.can_append(route | url, 2, 0));
  EXPECT_TRUE(meta.can_append(url, 1, 10));
  // Set by text, the fixed key is the same tag.
  Meta by_text;
  by_text.set("http.url", "x");
  EXPECT_FALSE(by_text.can_append(url, 1, 0));
}

TEST(SpanMetaAppender, EmptyAndLongValuesOnAHeapArea) {
  // A map already on the heap (a recycled span's), values of every copy size.
  intern_test_keys();
  for (std::size_t size : {0, 1, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 300}) {
    Meta by_run;
    Meta one_by_one;
    for (Meta* meta : {&by_run, &one_by_one}) {
      meta->set("appender.big", std::string(400, 'b'));
      meta->clear();
      meta->set_known(span_keys::kEnv, "prod");
    }
    const std::string value = std::string(size, 'v');
    const std::uint32_t bits = (std::uint32_t{1} << span_keys::kHttpUserAgent) |
                               (std::uint32_t{1} << span_keys::kSpanKind);
    ASSERT_TRUE(by_run.can_append(bits, 2, size + 6)) << size;
    {
      Meta::Appender run(by_run);
      run.append<span_keys::kHttpUserAgent>(value);
      run.append<span_keys::kSpanKind>("server");
    }
    one_by_one.set_known(span_keys::kHttpUserAgent, value);
    one_by_one.set_known(span_keys::kSpanKind, "server");
    EXPECT_TRUE(state_of(by_run) == state_of(one_by_one)) << size;
    EXPECT_EQ(*by_run.find("http.useragent"), value);
  }
}

}  // namespace
}  // namespace gatetrace
