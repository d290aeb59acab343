// HeaderIndex::any_indexed, which tells in one load whether any of a run of consecutive
// headers came: for every run of 1 to 8 ids from every id, against get_indexed of each,
// with each header present alone, repeated, and with neighbours present just outside
// the run.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gatetrace/dict_reader.h"
#include "gatetrace/proxy/header_index.h"

namespace gatetrace {
namespace {

constexpr int kIds = static_cast<int>(IndexedHeader::kB3) + 1;

bool any_by_get(const HeaderIndex& index, int first, int count) {
  for (int id = first; id < first + count && id < kIds; ++id) {
    if (index.get_indexed(static_cast<IndexedHeader>(id))) return true;
  }
  return false;
}

void expect_runs_agree(const HeaderListReader::Headers& headers) {
  const HeaderListReader reader(headers);
  const HeaderIndex index(reader);
  ASSERT_TRUE(index.indexed());
  for (int first = 0; first < kIds; ++first) {
    for (int count = 1; count <= 8 && first + count <= kIds; ++count) {
      EXPECT_EQ(index.any_indexed(static_cast<IndexedHeader>(first), count),
                any_by_get(index, first, count))
          << first << " " << count;
    }
  }
}

TEST(HeaderIndexGroups, NoIndexedHeader) {
  expect_runs_agree({{"accept", "*/*"}, {"x-forwarded-for", "10.0.0.1"}});
}

TEST(HeaderIndexGroups, EachHeaderAloneOnceAndRepeated) {
  for (int id = 0; id < kIds; ++id) {
    SCOPED_TRACE(id);
    const std::string_view name = kIndexedHeaderNames[id];
    expect_runs_agree({{name, "v"}});
    expect_runs_agree({{name, "v"}, {"accept", "x"}, {name, "w"}});
  }
}

TEST(HeaderIndexGroups, PairsOfHeaders) {
  for (int a = 0; a < kIds; ++a) {
    for (int b = a; b < kIds; b += 3) {
      expect_runs_agree({{kIndexedHeaderNames[a], "1"},
                         {kIndexedHeaderNames[b], "2"},
                         {"x-real-ip", "10.0.0.2"}});
    }
  }
}

TEST(HeaderIndexGroups, ManyRepeatsStayCounted) {
  // Past the clamping of the counts (every 250 entries), a header is still present.
  HeaderListReader::Headers headers;
  for (int i = 0; i < 600; ++i) headers.emplace_back("x-dd-proxy-stage", "prod");
  expect_runs_agree(headers);
}

}  // namespace
}  // namespace gatetrace
