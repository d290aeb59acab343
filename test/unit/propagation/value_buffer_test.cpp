// ValueBuffer: the inline storage that injection assembles header values in, and its
// move to the heap when a value outgrows it.
#include "gatetrace/propagation/value_buffer.h"

#include <gtest/gtest.h>

#include <string>

namespace gatetrace {
namespace propagation {
namespace {

TEST(ValueBuffer, StartsEmpty) {
  ValueBuffer buffer;
  EXPECT_TRUE(buffer.empty());
  EXPECT_EQ(buffer.view(), "");
  buffer.append("");
  EXPECT_TRUE(buffer.empty());
}

TEST(ValueBuffer, AppendsPushesAndCommits) {
  ValueBuffer buffer;
  buffer.append("dd=");
  buffer.push_back('s');
  char* room = buffer.reserve_more(4);
  room[0] = ':';
  room[1] = '1';
  buffer.commit(2);
  EXPECT_EQ(buffer.view(), "dd=s:1");
  buffer.truncate(3);
  EXPECT_EQ(buffer.view(), "dd=");
  buffer.truncate(10);  // never grows
  EXPECT_EQ(buffer.view(), "dd=");
}

// Every way of writing crosses the inline capacity, and what was written survives.
TEST(ValueBuffer, OutgrowsTheInlineStorageKeepingItsContent) {
  for (int way = 0; way < 3; ++way) {
    ValueBuffer buffer;
    std::string expected;
    for (std::size_t i = 0; expected.size() < 3 * ValueBuffer::kInlineCapacity; ++i) {
      const char c = static_cast<char>('a' + i % 26);
      if (way == 0) {
        buffer.push_back(c);
        expected.push_back(c);
      } else if (way == 1) {
        const std::string piece(i % 50 + 1, c);
        buffer.append(piece);
        expected += piece;
      } else {
        const std::size_t count = i % 70 + 1;
        char* room = buffer.reserve_more(count);
        for (std::size_t k = 0; k < count; ++k) room[k] = c;
        buffer.commit(count);
        expected.append(count, c);
      }
      ASSERT_EQ(buffer.view(), expected) << way << " " << i;
    }
    buffer.truncate(5);
    buffer.append(std::string(2 * ValueBuffer::kInlineCapacity, 'z'));
    EXPECT_EQ(buffer.view(),
              expected.substr(0, 5) + std::string(2 * ValueBuffer::kInlineCapacity, 'z'));
  }
}

TEST(ValueBuffer, OneAppendLargerThanTwiceTheCapacity) {
  ValueBuffer buffer;
  buffer.append("x");
  const std::string big(5 * ValueBuffer::kInlineCapacity + 3, 'y');
  buffer.append(big);
  EXPECT_EQ(buffer.view(), "x" + big);
}

}  // namespace
}  // namespace propagation
}  // namespace gatetrace
