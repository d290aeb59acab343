#include <gtest/gtest.h>

#include "gatetrace/dict_reader.h"
#include "gatetrace/dict_writer.h"
#include "gatetrace/trace_id.h"

namespace gatetrace {
namespace {

TEST(HeaderListReader, LookupIsCaseInsensitiveAndReturnsFirstValue) {
  HeaderListReader::Headers headers{{"X-Dd-Proxy", "azure-apim"}, {"x-dd-proxy", "aws"}};
  HeaderListReader reader(headers);
  ASSERT_TRUE(reader.lookup("x-dd-proxy").has_value());
  EXPECT_EQ(*reader.lookup("x-dd-proxy"), "azure-apim");
  EXPECT_FALSE(reader.lookup("x-dd-prox").has_value());
  int visited = 0;
  reader.visit([&](std::string_view, std::string_view) { ++visited; });
  EXPECT_EQ(visited, 2);
}

TEST(HeaderListWriter, SetReplacesCaseInsensitively) {
  HeaderListWriter writer;
  writer.set("traceparent", "a");
  writer.set("TraceParent", "b");
  ASSERT_EQ(writer.headers().size(), 1u);
  EXPECT_EQ(writer.headers()[0].second, "b");
}

TEST(TraceId, HexForms) {
  TraceId id{0xabc, 0};
  EXPECT_EQ(id.hex(), "0000000000000abc");
  EXPECT_EQ(id.hex_padded(), "00000000000000000000000000000abc");
  id.high = 0x6789abcd00000000ULL;
  EXPECT_EQ(id.hex(), "6789abcd000000000000000000000abc");
}

}  // namespace
}  // namespace gatetrace
