#include "gatetrace/export/msgpack_writer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "gatetrace/export/byte_buffer.h"
#include "support/msgpack_inspect.h"

namespace gatetrace {
namespace {

using nlohmann::json;

// Encodes into both outputs (a std::string grows by zero-filling, a ByteBuffer without
// initializing), checks that they agree byte for byte, and returns the bytes.
template <typename Write>
std::string encode(Write&& write) {
  std::string out;
  {
    MsgpackWriter writer(out);
    write(writer);
    writer.finish();
  }
  ByteBuffer buffer;
  {
    MsgpackWriter writer(buffer);
    write(writer);
  }
  EXPECT_EQ(buffer.view(), out);
  return out;
}

json decode(const std::string& bytes) { return testing::decode_checked(bytes); }

std::uint8_t first_byte(const std::string& bytes) { return static_cast<std::uint8_t>(bytes[0]); }

TEST(MsgpackWriter, NilAndBooleans) {
  EXPECT_EQ(decode(encode([](MsgpackWriter& w) { w.write_nil(); })), json(nullptr));
  EXPECT_EQ(decode(encode([](MsgpackWriter& w) { w.write_bool(true); })), json(true));
  EXPECT_EQ(decode(encode([](MsgpackWriter& w) { w.write_bool(false); })), json(false));
}

struct UintCase {
  std::uint64_t value;
  std::size_t size;
  std::uint8_t marker;
};

TEST(MsgpackWriter, UnsignedAtEveryBoundaryUsesTheCompactForm) {
  const std::vector<UintCase> cases = {
      {0, 1, 0x00},
      {127, 1, 0x7f},
      {128, 2, 0xcc},
      {255, 2, 0xcc},
      {256, 3, 0xcd},
      {65535, 3, 0xcd},
      {65536, 5, 0xce},
      {4294967295u, 5, 0xce},
      {4294967296u, 9, 0xcf},
      {(std::uint64_t{1} << 63) - 1, 9, 0xcf},
      {std::uint64_t{1} << 63, 9, 0xcf},
      {0xfedcba9876543210u, 9, 0xcf},
      {std::numeric_limits<std::uint64_t>::max(), 9, 0xcf},
  };
  for (const auto& c : cases) {
    const std::string bytes = encode([&](MsgpackWriter& w) { w.write_uint(c.value); });
    SCOPED_TRACE(c.value);
    EXPECT_EQ(bytes.size(), c.size);
    EXPECT_EQ(first_byte(bytes), c.marker);
    const json decoded = decode(bytes);
    ASSERT_TRUE(decoded.is_number_unsigned() || decoded.is_number_integer());
    EXPECT_EQ(decoded.get<std::uint64_t>(), c.value);
  }
}

struct IntCase {
  std::int64_t value;
  std::size_t size;
  std::uint8_t marker;
};

TEST(MsgpackWriter, SignedAtEveryBoundary) {
  const std::vector<IntCase> cases = {
      {0, 1, 0x00},
      {5, 1, 0x05},
      {200, 2, 0xcc},  // non-negative values take the unsigned forms
      {-1, 1, 0xff},
      {-32, 1, 0xe0},
      {-33, 2, 0xd0},
      {-128, 2, 0xd0},
      {-129, 3, 0xd1},
      {-32768, 3, 0xd1},
      {-32769, 5, 0xd2},
      {std::numeric_limits<std::int32_t>::min(), 5, 0xd2},
      {std::int64_t{std::numeric_limits<std::int32_t>::min()} - 1, 9, 0xd3},
      {std::numeric_limits<std::int64_t>::min(), 9, 0xd3},
      {std::numeric_limits<std::int64_t>::max(), 9, 0xcf},
  };
  for (const auto& c : cases) {
    const std::string bytes = encode([&](MsgpackWriter& w) { w.write_int(c.value); });
    SCOPED_TRACE(c.value);
    EXPECT_EQ(bytes.size(), c.size);
    EXPECT_EQ(first_byte(bytes), c.marker);
    EXPECT_EQ(decode(bytes).get<std::int64_t>(), c.value);
  }
}

TEST(MsgpackWriter, Float64) {
  for (const double value : {0.0, -0.5, 1.0, 0.1, 3.5e300, -1e-300, 123456789.125}) {
    const std::string bytes = encode([&](MsgpackWriter& w) { w.write_float64(value); });
    EXPECT_EQ(bytes.size(), 9u);
    EXPECT_EQ(first_byte(bytes), 0xcb);
    EXPECT_EQ(decode(bytes).get<double>(), value);
  }
}

struct StrCase {
  std::size_t length;
  std::size_t header;
  std::uint8_t marker;
};

TEST(MsgpackWriter, StringsOfEverySizeClass) {
  const std::vector<StrCase> cases = {
      {0, 1, 0xa0},   {1, 1, 0xa1},     {31, 1, 0xbf},    {32, 2, 0xd9},    {255, 2, 0xd9},
      {256, 3, 0xda}, {65535, 3, 0xda}, {65536, 5, 0xdb}, {70000, 5, 0xdb},
  };
  for (const auto& c : cases) {
    std::string value(c.length, 'x');
    for (std::size_t i = 0; i < value.size(); ++i) value[i] = static_cast<char>('a' + i % 26);
    const std::string bytes = encode([&](MsgpackWriter& w) { w.write_str(value); });
    SCOPED_TRACE(c.length);
    EXPECT_EQ(bytes.size(), c.header + c.length);
    EXPECT_EQ(first_byte(bytes), c.marker);
    EXPECT_EQ(decode(bytes).get<std::string>(), value);
  }
}

TEST(MsgpackWriter, FixstrOfEveryLengthKeepsEveryByte) {
  // Short strings are copied with overlapping word moves: check each length's bytes.
  for (std::size_t length = 0; length < 32; ++length) {
    std::string value;
    for (std::size_t i = 0; i < length; ++i) value.push_back(static_cast<char>('A' + i));
    std::string out = "..";
    {
      MsgpackWriter writer(out);
      writer.write_str(value);
      writer.write_uint(7);  // a neighbour that an overlong copy would clobber
    }
    SCOPED_TRACE(length);
    ASSERT_EQ(out.size(), 2 + 1 + length + 1);
    EXPECT_EQ(static_cast<std::uint8_t>(out[2]), 0xa0 | length);
    EXPECT_EQ(out.substr(3, length), value);
    EXPECT_EQ(out.back(), '\x07');
  }
}

TEST(MsgpackWriter, NonAsciiStringsAreWrittenByteForByte) {
  const std::string value = "caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x9a\x80 \xe6\x97\xa5\xe6\x9c\xac";
  const std::string bytes = encode([&](MsgpackWriter& w) { w.write_str(value); });
  EXPECT_EQ(bytes.size(), 1 + value.size());
  EXPECT_EQ(decode(bytes).get<std::string>(), value);
}

TEST(MsgpackWriter, LiteralKeys) {
  const std::string bytes = encode([](MsgpackWriter& w) { w.write_literal("trace_id"); });
  EXPECT_EQ(bytes, std::string("\xa8trace_id"));
}

TEST(MsgpackWriter, EmptyContainers) {
  EXPECT_EQ(decode(encode([](MsgpackWriter& w) { w.write_array_header(0); })), json::array());
  EXPECT_EQ(decode(encode([](MsgpackWriter& w) { w.write_map_header(0); })), json::object());
}

struct ContainerCase {
  std::uint32_t count;
  std::size_t header;
  std::uint8_t array_marker;
  std::uint8_t map_marker;
};

TEST(MsgpackWriter, ArraysAndMapsOfEverySizeClass) {
  const std::vector<ContainerCase> cases = {
      {1, 1, 0x91, 0x81},     {15, 1, 0x9f, 0x8f},    {16, 3, 0xdc, 0xde},
      {65535, 3, 0xdc, 0xde}, {65536, 5, 0xdd, 0xdf}, {70001, 5, 0xdd, 0xdf},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.count);
    const std::string array = encode([&](MsgpackWriter& w) {
      w.write_array_header(c.count);
      for (std::uint32_t i = 0; i < c.count; ++i) w.write_uint(i);
    });
    EXPECT_EQ(first_byte(array), c.array_marker);
    const json decoded_array = decode(array);
    ASSERT_EQ(decoded_array.size(), c.count);
    EXPECT_EQ(decoded_array[c.count - 1].get<std::uint32_t>(), c.count - 1);

    const std::string map = encode([&](MsgpackWriter& w) {
      w.write_map_header(c.count);
      for (std::uint32_t i = 0; i < c.count; ++i) {
        w.write_str("k" + std::to_string(i));
        w.write_int(-static_cast<std::int64_t>(i));
      }
    });
    EXPECT_EQ(first_byte(map), c.map_marker);
    const json decoded_map = decode(map);
    ASSERT_EQ(decoded_map.size(), c.count);
    EXPECT_EQ(decoded_map.at("k" + std::to_string(c.count - 1)).get<std::int64_t>(),
              -static_cast<std::int64_t>(c.count - 1));
  }
}

TEST(MsgpackWriter, AppendsAfterExistingContentAndRawBytes) {
  std::string out = "prefix";
  {
    MsgpackWriter writer(out);
    writer.write_raw(std::string("\x92\x01", 2));
    writer.write_str("two");
    EXPECT_EQ(writer.written(), 6u);
  }
  ASSERT_EQ(out.substr(0, 6), "prefix");
  EXPECT_EQ(decode(out.substr(6)), json::array({1, "two"}));
}

TEST(MsgpackWriter, FinishTrimsScratchSpaceAndWritingMayContinue) {
  std::string out;
  MsgpackWriter writer(out);
  writer.reserve(1000);
  writer.write_array_header(2);
  writer.write_uint(1);
  writer.finish();
  EXPECT_EQ(out.size(), 2u);
  writer.write_uint(2);
  writer.finish();
  EXPECT_EQ(decode(out), json::array({1, 2}));
}

TEST(MsgpackWriter, NestedDocument) {
  const std::string bytes = encode([](MsgpackWriter& w) {
    w.write_map_header(3);
    w.write_literal("list");
    w.write_array_header(3);
    w.write_nil();
    w.write_float64(2.5);
    w.write_int(-7);
    w.write_literal("map");
    w.write_map_header(1);
    w.write_literal("x");
    w.write_bool(true);
    w.write_literal("big");
    w.write_uint(std::numeric_limits<std::uint64_t>::max());
  });
  const json expected = {{"list", {nullptr, 2.5, -7}},
                         {"map", {{"x", true}}},
                         {"big", std::numeric_limits<std::uint64_t>::max()}};
  EXPECT_EQ(decode(bytes), expected);
}

TEST(MsgpackWriter, ByteBufferOutputAppendsAfterContentAndKeepsItAcrossGrowth) {
  ByteBuffer buffer;
  buffer.reserve(8);
  std::memcpy(buffer.data(), "prefix", 6);
  buffer.set_size(6);
  const std::string long_value(70000, 'q');
  {
    MsgpackWriter writer(buffer);
    writer.write_array_header(2);
    writer.write_str(long_value);  // grows the buffer well past its capacity
    writer.write_uint(0xfedcba9876543210u);
    EXPECT_EQ(writer.written(), 1 + 5 + long_value.size() + 9);
  }
  ASSERT_EQ(buffer.size(), 6 + 1 + 5 + long_value.size() + 9);
  EXPECT_EQ(buffer.view().substr(0, 6), "prefix");
  const json decoded = decode(std::string(buffer.view().substr(6)));
  EXPECT_EQ(decoded, json::array({long_value, 0xfedcba9876543210u}));
}

TEST(MsgpackWriter, ByteBufferFinishSetsTheSizeAndWritingMayContinue) {
  ByteBuffer buffer;
  MsgpackWriter writer(buffer);
  writer.write_array_header(2);
  writer.write_uint(1);
  writer.finish();
  EXPECT_EQ(buffer.size(), 2u);
  writer.write_uint(2);
  writer.finish();
  EXPECT_EQ(decode(std::string(buffer.view())), json::array({1, 2}));
}

TEST(MsgpackWriter, RawCursorWritesTheSameBytesAsTheCheckedCalls) {
  const std::string long_value(300, 'L');
  const std::string expected = encode([&](MsgpackWriter& w) {
    w.write_map_header(3);
    w.write_literal("id");
    w.write_uint(0x1234567890u);
    w.write_literal("neg");
    w.write_int(-40000);
    w.write_str(long_value);
    w.write_float64(0.5);
  });
  ByteBuffer buffer;
  {
    MsgpackWriter writer(buffer);
    char* p = writer.raw(64 + long_value.size());
    p = MsgpackWriter::put_map_header(p, 3);
    p = MsgpackWriter::put_literal(p, "id");
    p = MsgpackWriter::put_uint(p, 0x1234567890u);
    p = MsgpackWriter::put_bytes(p,
                                 "\xa3"
                                 "neg");
    p = MsgpackWriter::put_int(p, -40000);
    p = MsgpackWriter::put_str(p, long_value);
    p = MsgpackWriter::put_float64(p, 0.5);
    writer.commit(p);
  }
  EXPECT_EQ(buffer.view(), expected);
}

TEST(ByteBuffer, GrowthKeepsTheContentAndMovesTransferIt) {
  ByteBuffer buffer;
  EXPECT_EQ(buffer.capacity(), 0u);
  buffer.reserve(3);
  std::memcpy(buffer.data(), "abc", 3);
  buffer.set_size(3);
  buffer.reserve(100000);
  EXPECT_GE(buffer.capacity(), 100000u);
  EXPECT_EQ(buffer.view(), "abc");

  ByteBuffer moved(std::move(buffer));
  EXPECT_EQ(moved.view(), "abc");
  EXPECT_EQ(buffer.capacity(), 0u);  // NOLINT(bugprone-use-after-move): moved-from state
  ByteBuffer assigned;
  assigned = std::move(moved);
  EXPECT_EQ(assigned.view(), "abc");

  assigned.clear();
  EXPECT_TRUE(assigned.empty());
  EXPECT_GE(assigned.capacity(), 100000u);  // clear keeps the memory for reuse
  assigned.release();
  EXPECT_EQ(assigned.capacity(), 0u);
}

}  // namespace
}  // namespace gatetrace
