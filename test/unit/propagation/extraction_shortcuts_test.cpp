// The shortcuts of extraction against the loops they skip: trim_ows returning a value
// whose ends are above ' ' as it is, a one-digit priority read without the general
// parse, the inline sixteen-hex-digit id parse, the `dd=` key taken without its byte
// loop by tracestate's one-pass path (anything else still judged byte by byte), and
// the dd member's keys judged from its field starts (secondary tracecontext).
#include <gtest/gtest.h>

#include <cstdint>
#include <iterator>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "gatetrace/propagation/codec.h"
#include "gatetrace/propagation/tracestate.h"
#include "propagation_test_util.h"

namespace gatetrace {
namespace propagation {
namespace {

using testing::parse_tracestate_text;
using testing::TracestateParse;

// Space and tab off both ends, one byte at a time.
std::string_view reference_trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

TEST(TrimOwsShortcut, AgreesWithTheLoopsForEveryEndByte) {
  // Every byte at either end (OWS, other bytes up to ' ', high bytes) around short
  // and empty middles.
  for (int first = 0; first < 256; ++first) {
    for (const int last : {0x00, 0x01, 0x09, 0x0a, 0x0d, 0x1f, 0x20, 0x21, 0x7f, 0x80, 0xff}) {
      for (const std::string_view middle : {"", "a", " ", "\t", "x y"}) {
        std::string text(1, static_cast<char>(first));
        text.append(middle);
        text.push_back(static_cast<char>(last));
        EXPECT_EQ(trim_ows(text), reference_trim(text)) << first << " " << last;
        const std::string single(1, static_cast<char>(first));
        EXPECT_EQ(trim_ows(single), reference_trim(single)) << first;
      }
    }
  }
  EXPECT_EQ(trim_ows(""), "");
  EXPECT_EQ(trim_ows("\t1\t"), "1");
  EXPECT_EQ(trim_ows("1 "), "1");
  EXPECT_EQ(trim_ows(" 1"), "1");
  // The same bytes, not a copy.
  const std::string_view kept = "00-abc";
  EXPECT_EQ(trim_ows(kept).data(), kept.data());
}

TEST(PriorityShortcut, EveryOneByteValue) {
  for (int byte = 0; byte < 256; ++byte) {
    const std::string text(1, static_cast<char>(byte));
    const std::optional<int> parsed = parse_decimal_int(text);
    if (byte >= '0' && byte <= '9') {
      EXPECT_EQ(parsed, byte - '0') << byte;
    } else {
      EXPECT_FALSE(parsed) << byte;
    }
  }
}

TEST(PriorityShortcut, LongerValuesTakeTheGeneralParse) {
  EXPECT_EQ(parse_decimal_int("10"), 10);
  EXPECT_EQ(parse_decimal_int("-1"), -1);
  EXPECT_EQ(parse_decimal_int("-0"), 0);
  EXPECT_EQ(parse_decimal_int("01"), 1);
  EXPECT_FALSE(parse_decimal_int(""));
  EXPECT_FALSE(parse_decimal_int("+1"));
  EXPECT_FALSE(parse_decimal_int("1 "));
  EXPECT_FALSE(parse_decimal_int("1x"));
  EXPECT_EQ(parse_decimal_int("2147483647"), 2147483647);
  EXPECT_FALSE(parse_decimal_int("2147483648"));
}

TEST(HexSixteenInline, AgreesWithTheGeneralParse) {
  const std::string ids[] = {"0000000000000000", "ffffffffffffffff", "0af7651916cd43dd",
                             "b7ad6b7169203331", "8448eb211c80319c"};
  for (const std::string& id : ids) {
    std::uint64_t value = 0;
    ASSERT_TRUE(parse_hex16_lowercase(id.data(), value)) << id;
    EXPECT_EQ(value, parse_hex_u64(id, HexCase::kLowerOnly)) << id;
    for (std::size_t at = 0; at < id.size(); ++at) {
      for (const char bad : {'A', 'F', 'g', '/', ':', '`', ' ', '\0', '\x80', '\xff'}) {
        std::string text = id;
        text[at] = bad;
        std::uint64_t ignored = 0;
        EXPECT_FALSE(parse_hex16_lowercase(text.data(), ignored)) << text;
      }
    }
  }
}

TEST(TracestateDatadogKeyShortcut, DdMembersAnywhereInTheList) {
  for (const std::string_view header :
       {"dd=s:1;p:b7ad6b7169203331", "congo=t61,dd=s:1;p:b7ad6b7169203331",
        "congo=t61,dd=s:1;p:b7ad6b7169203331,rojo=1", " dd=s:1 ", "\tdd=s:1,"}) {
    const TracestateParse result = parse_tracestate_text(header);
    ASSERT_TRUE(result.valid) << header << ": " << result.why;
    EXPECT_EQ(result.parsed.sampling_priority, 1) << header;
    EXPECT_EQ(result.parsed.datadog_member.substr(0, 3), "s:1") << header;
  }
}

TEST(TracestateDatadogKeyShortcut, KeysThatOnlyStartLikeDd) {
  // Other vendors' keys that share dd's first bytes stay theirs.
  for (const std::string_view header : {"ddx=1,dd=s:2", "d=1,dd=s:2", "dd_=1,dd=s:2",
                                        "ddd=1,dd=s:2", "dd-1=1,dd=s:2", "dd@x=1,dd=s:2"}) {
    const TracestateParse result = parse_tracestate_text(header);
    ASSERT_TRUE(result.valid) << header << ": " << result.why;
    EXPECT_EQ(result.parsed.sampling_priority, 2) << header;
    const std::string_view other = header.substr(0, header.find(','));
    EXPECT_EQ(result.parsed.additional_w3c, other) << header;
  }
}

TEST(TracestateDatadogKeyShortcut, BrokenDdMembersAreStillRejected) {
  EXPECT_EQ(parse_tracestate_text("dd=s:1,dd=s:2").why, "duplicate key 'dd'");
  EXPECT_EQ(parse_tracestate_text("a=1,dd=s:1,dd=x").why, "duplicate key 'dd'");
  EXPECT_EQ(parse_tracestate_text("dd=").why, "malformed list member 'dd='");
  EXPECT_EQ(parse_tracestate_text("a=1,dd=").why, "malformed list member 'dd='");
  EXPECT_EQ(parse_tracestate_text("a=1,dd").why, "malformed list member 'dd'");
  EXPECT_EQ(parse_tracestate_text("dd==1").why, "malformed list member 'dd==1'");
  EXPECT_EQ(parse_tracestate_text("dd= ").why, "malformed list member 'dd='");
  EXPECT_EQ(parse_tracestate_text("DD=s:1").why, "malformed list member 'DD=s:1'");
  EXPECT_FALSE(parse_tracestate_text("dd=s:1\x01").valid);
}

TEST(TracestateDatadogKeyShortcut, SecondaryScanKeepsTheSameViews) {
  const std::string_view header = "dd=s:1;p:b7ad6b7169203331;t.dm:-0,congo=t61rcWkgMzE";
  std::string_view datadog_member;
  std::string_view others;
  ASSERT_TRUE(scan_tidy_tracestate(header, datadog_member, others));
  EXPECT_EQ(datadog_member, "s:1;p:b7ad6b7169203331;t.dm:-0");
  EXPECT_EQ(datadog_member.data(), header.data() + 3);
  EXPECT_EQ(others, "congo=t61rcWkgMzE");
  // The shortcut must not take a `dd=` that is a value's tail or a longer key's.
  ASSERT_TRUE(scan_tidy_tracestate("xdd=1,dd=s:1", datadog_member, others));
  EXPECT_EQ(datadog_member, "s:1");
  EXPECT_EQ(others, "xdd=1");
  EXPECT_FALSE(scan_tidy_tracestate("dd=s:1,dd=s:1", datadog_member, others));
  EXPECT_FALSE(scan_tidy_tracestate("dd=", datadog_member, others));
}

// A secondary tracecontext's tidy scan of "dd=<member>" against the field-by-field
// parse: tidy exactly when the parse keeps no unknown subkey, for members up to the 64
// bytes the scan's bit walk covers (longer ones it leaves to the parse).
void expect_tidy_iff_no_unknown_keys(const std::string& member) {
  const std::string header = "dd=" + member;
  std::string_view datadog_member;
  std::string_view others;
  const bool tidy = scan_tidy_tracestate(header, datadog_member, others);
  ParsedTracestate parsed;
  std::string why;
  ASSERT_TRUE(parse_tracestate(header, parsed, why, DatadogFields::kUnknownOnly)) << header;
  if (member.size() <= 64) {
    EXPECT_EQ(tidy, parsed.additional_datadog.empty())
        << header << " " << parsed.additional_datadog;
  } else {
    EXPECT_FALSE(tidy) << header;
  }
  if (tidy) {
    EXPECT_EQ(datadog_member, member);
    EXPECT_TRUE(others.empty());
  }
}

TEST(DatadogMemberKeys, FieldShapesAtTheEdges) {
  const std::string members[] = {
      "s:1", "s", "s:", ":", ":x", ";", ";;", "s:1;", "s:1;;", "s:1;;:x", "s:1;:x", "x", "x:1",
      "t.:1", "t.", "t.;s:1", "t.x", "t.x:1", "t:1", "tx:1", "t..:1", "ss:1", "o:rum;p:1",
      "s:1;p:b7ad6b7169203331;t.dm:-0", "s:1;p:b7ad6b7169203331;t.dm:-0;zz:1",
      "s:1;p:b7ad6b7169203331;t.dm:-0;t.:1",
      // 63 to 65 bytes: the last bits of the walk, and past them.
      "p:" + std::string(61, 'a'), "p:" + std::string(60, 'a') + ";x",
      "p:" + std::string(59, 'a') + ";x:", "p:" + std::string(62, 'a'),
      "s:1;" + std::string(59, 'x') + ":", "s:1;" + std::string(60, 'x') + ":"};
  for (const std::string& member : members) expect_tidy_iff_no_unknown_keys(member);
}

TEST(DatadogMemberKeys, AgreesWithTheFieldParseOnGeneratedMembers) {
  std::mt19937 random(20261126);
  const std::string pieces[] = {"s", "o", "p", "t", ".", ":", ";", "x", "1", "-", "t.", "dm", "~"};
  for (int run = 0; run < 20000; ++run) {
    std::string member;
    const int count = 1 + static_cast<int>(random() % 24);
    for (int i = 0; i < count; ++i) member += pieces[random() % std::size(pieces)];
    expect_tidy_iff_no_unknown_keys(member);
  }
}

}  // namespace
}  // namespace propagation
}  // namespace gatetrace
