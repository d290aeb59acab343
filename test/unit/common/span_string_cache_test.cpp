// SpanString's per-thread cache (span_string.cpp): sets of a few ways keyed by a text's
// address and length. The cache only remembers ids the table gave, so every answer must
// be the table's: hot texts taking turns at shared addresses (a stack buffer holding a
// method, then a resource), a buffer rewritten with another text of the same length
// (its way replaced in place), texts too long for the cached compare, and more texts
// than the cache has ways, on several threads.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "gatetrace/span_string.h"

namespace gatetrace {
namespace {

// Writes `text` into `buffer` and looks it up there, as a span setter reading a stack
// buffer does; checks the id against the first one the text got.
void expect_same_id(char* buffer, const std::string& text,
                    std::map<std::string, std::uint32_t>& ids) {
  std::memcpy(buffer, text.data(), text.size());
  const std::string_view view(buffer, text.size());
  const std::uint32_t id = SpanString::intern(view);
  ASSERT_NE(id, 0u) << text;
  EXPECT_EQ(SpanString::interned(id)->view(), text);
  const auto [it, first] = ids.emplace(text, id);
  EXPECT_EQ(it->second, id) << text;
  EXPECT_EQ(SpanString::lookup(view), id) << text;
  EXPECT_EQ(SpanString::intern_guarded(view), id) << text;
}

TEST(SpanStringCache, TextsTakingTurnsInOneBufferKeepTheirIds) {
  // A method and then a route's resource in the same two buffers, request after request.
  char method[8];
  char resource[64];
  std::map<std::string, std::uint32_t> ids;
  for (int request = 0; request < 50; ++request) {
    expect_same_id(method, "GET", ids);
    expect_same_id(resource, "GET /internal/stock/{id}", ids);
    expect_same_id(resource, "GET /api/widgets/{id}", ids);
    expect_same_id(method, request % 2 ? "POST" : "GET", ids);
  }
}

TEST(SpanStringCache, BufferRewrittenWithTextsOfOneLength) {
  // The same address and length, another text each time: short and long (over 32 bytes,
  // compared outside the cached path) texts, in turn.
  char buffer[128];
  std::map<std::string, std::uint32_t> ids;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 20; ++i) {
      expect_same_id(buffer, "cache.same.len." + std::to_string(100 + i), ids);
      expect_same_id(buffer,
                     "cache.same.len.long." + std::string(40, 'x') + std::to_string(100 + i), ids);
    }
  }
}

TEST(SpanStringCache, MoreHotTextsThanWaysAtNearbyAddresses) {
  // Texts at every offset of one buffer and of every length from 1 to 48: many share a
  // set, so ways are evicted and refilled; every lookup still gives the table's id.
  std::vector<char> buffer(4096);
  std::map<std::string, std::uint32_t> ids;
  for (int round = 0; round < 3; ++round) {
    for (std::size_t n = 1; n <= 48; ++n) {
      for (std::size_t offset = 0; offset < 64; offset += 8) {
        std::string text = "w" + std::to_string(n) + "." + std::to_string(offset) + ".";
        text.resize(n, 'k');
        expect_same_id(buffer.data() + offset * 48 + n, text, ids);
      }
    }
  }
}

TEST(SpanStringCache, EmptyTextIsNeverInterned) {
  EXPECT_EQ(SpanString::intern(std::string_view()), 0u);
  EXPECT_EQ(SpanString::lookup(std::string_view()), 0u);
  const char empty[] = "";
  EXPECT_EQ(SpanString::intern(std::string_view(empty, 0)), 0u);
  EXPECT_EQ(SpanString::intern_guarded(std::string_view(empty, 0)), 0u);
}

TEST(SpanStringCache, ThreadsCacheTheSameIds) {
  // Each thread caches the texts in its own buffers; all agree on every text's id.
  std::vector<std::string> texts;
  for (int i = 0; i < 40; ++i) texts.push_back("cache.threads." + std::to_string(i));
  std::vector<std::uint32_t> expected;
  for (const std::string& text : texts) expected.push_back(SpanString::intern(text));
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      char buffer[64];
      for (int round = 0; round < 200; ++round) {
        for (std::size_t i = 0; i < texts.size(); ++i) {
          std::memcpy(buffer, texts[i].data(), texts[i].size());
          const std::string_view view(buffer, texts[i].size());
          if (SpanString::intern(view) != expected[i] || SpanString::lookup(view) != expected[i]) {
            ++wrong[t];
          }
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace gatetrace
