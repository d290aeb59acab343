#include "gatetrace/export/payload.h"

#include <gtest/gtest.h>

#include <numeric>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gatetrace/export/span_encoder.h"
#include "support/msgpack_inspect.h"
#include "support/span_factory.h"

namespace gatetrace {
namespace {

using Groups = std::vector<std::size_t>;

TEST(Payload, ArrayHeaderSizes) {
  EXPECT_EQ(array_header_size(0), 1u);
  EXPECT_EQ(array_header_size(15), 1u);
  EXPECT_EQ(array_header_size(16), 3u);
  EXPECT_EQ(array_header_size(65535), 3u);
  EXPECT_EQ(array_header_size(65536), 5u);
}

TEST(Payload, EverythingFitsInOnePayload) {
  EXPECT_EQ(split_payloads({10, 20, 30}, 61), Groups({3}));
  EXPECT_EQ(split_payloads({}, 100), Groups());
}

TEST(Payload, SplitsWhenTheHeaderAndChunksWouldExceedTheMaximum) {
  // 1 header byte + 10 + 20 + 30 = 61 > 60: the third chunk starts a new payload.
  EXPECT_EQ(split_payloads({10, 20, 30}, 60), Groups({2, 1}));
  EXPECT_EQ(split_payloads({50, 50, 50, 50}, 101), Groups({2, 2}));
  EXPECT_EQ(split_payloads({50, 50, 50, 50}, 100), Groups({1, 1, 1, 1}));
}

TEST(Payload, AChunkLargerThanTheMaximumGoesAlone) {
  EXPECT_EQ(split_payloads({10, 500, 10, 10}, 100), Groups({1, 1, 2}));
  EXPECT_EQ(split_payloads({500}, 100), Groups({1}));
}

TEST(Payload, HeaderGrowthAtSixteenChunksIsCounted) {
  // 16 chunks of 1 byte need a 3-byte header: 19 bytes.
  const std::vector<std::size_t> sizes(16, 1);
  EXPECT_EQ(split_payloads(sizes, 19), Groups({16}));
  EXPECT_EQ(split_payloads(sizes, 18), Groups({15, 1}));
}

TEST(Payload, EveryGroupRespectsTheMaximumAndNoChunkIsLost) {
  std::vector<std::size_t> sizes;
  for (std::size_t i = 0; i < 500; ++i) sizes.push_back(1 + (i * 7919) % 400);
  const std::size_t max = 1000;
  const Groups groups = split_payloads(sizes, max);
  EXPECT_EQ(std::accumulate(groups.begin(), groups.end(), std::size_t{0}), sizes.size());
  std::size_t index = 0;
  for (const std::size_t count : groups) {
    std::size_t bytes = array_header_size(count);
    for (std::size_t i = 0; i < count; ++i) bytes += sizes[index++];
    EXPECT_LE(bytes, max);
  }
}

TEST(Payload, WritePayloadIsAnArrayOfTheChunks) {
  const EncodeContext context{"svc", "rid", 1};
  std::vector<std::string> encoded(20);
  std::vector<std::string_view> views;
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    auto owned = testing::make_chunk(i + 1, 2);
    encode_chunk(encoded[i], owned.chunk, context);
    views.push_back(encoded[i]);
  }
  std::string body;
  write_payload(body, views);
  const nlohmann::json payload = testing::decode_checked(body);
  ASSERT_EQ(payload.size(), 20u);
  for (std::size_t i = 0; i < payload.size(); ++i) {
    ASSERT_EQ(payload[i].size(), 2u);
    EXPECT_EQ(payload[i][1].at("trace_id").get<std::uint64_t>(), i + 1);
  }
}

}  // namespace
}  // namespace gatetrace
