// JoinedValue joins on the stack up to its buffer's size and in a per-thread string
// beyond; both must give exactly the concatenation.
#include "gatetrace/proxy/joined_value.h"

#include <gtest/gtest.h>

#include <string>

namespace gatetrace {
namespace {

TEST(JoinedValue, JoinsThePieces) {
  EXPECT_EQ(JoinedValue({"GET", " ", "/users/{id}"}).view(), "GET /users/{id}");
  EXPECT_EQ(JoinedValue({}).view(), "");
  EXPECT_EQ(JoinedValue({std::string_view(), "", "a", std::string_view()}).view(), "a");
}

TEST(JoinedValue, AtAndBeyondTheStackBuffer) {
  for (std::size_t size : {255u, 256u, 257u, 4000u}) {
    const std::string head(size / 2, 'h');
    const std::string tail(size - size / 2, 't');
    const JoinedValue joined({head, tail});
    EXPECT_EQ(joined.view(), head + tail) << size;
  }
}

TEST(JoinedValue, OversizedValuesDoNotDisturbStackOnes) {
  const JoinedValue small({"a", "b"});
  const JoinedValue large({std::string(300, 'x'), "y"});
  EXPECT_EQ(small.view(), "ab");
  EXPECT_EQ(large.view(), std::string(300, 'x') + "y");
}

}  // namespace
}  // namespace gatetrace
