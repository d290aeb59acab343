// The fast paths against the general ones they stand in for: decimal ids parsed eight
// digits a word, W3C hex ids sixteen digits at once, tracestate lists validated in one pass (and
// anything unusual handed to the member-by-member path with the same verdict and reason), and other
// vendors' members injected in one piece when they are as extraction kept them.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <random>
#include <string>

#include "gatetrace/propagation/codec.h"
#include "gatetrace/propagation/tracestate.h"
#include "propagation_test_util.h"

namespace gatetrace {
namespace propagation {
namespace {

using testing::parse_tracestate_text;
using testing::reference_decimal;
using testing::TracestateParse;

TEST(DecimalWords, EveryLengthAndEveryPositionOfABadByte) {
  for (std::size_t length = 1; length <= 21; ++length) {
    std::string digits;
    for (std::size_t i = 0; i < length; ++i) digits.push_back(static_cast<char>('1' + i % 9));
    EXPECT_EQ(parse_decimal_u64(digits), reference_decimal(digits)) << digits;
    // A byte just outside the digits (carries, high bytes, neighbours of '0' and '9')
    // in each position: the word test must see it wherever it sits.
    for (std::size_t at = 0; at < length; ++at) {
      for (const int byte : {0x00, 0x2f, 0x3a, 0x40, 0x7f, 0x80, 0xb0, 0xf9, 0xfa, 0xff}) {
        std::string bad = digits;
        bad[at] = static_cast<char>(byte);
        EXPECT_FALSE(parse_decimal_u64(bad)) << length << " " << at << " " << byte;
      }
    }
  }
}

// parse_decimal_id, the inline parse of the usual 16 to 20 digits, answers as the call.
TEST(DecimalWords, InlineIdParseAgreesWithTheCall) {
  for (std::size_t length = 0; length <= 22; ++length) {
    std::string digits;
    for (std::size_t i = 0; i < length; ++i)
      digits.push_back(static_cast<char>('0' + (i * 7) % 10));
    EXPECT_EQ(parse_decimal_id(digits), reference_decimal(digits)) << digits;
    for (std::size_t at = 0; at < length; ++at) {
      for (const int byte : {0x00, 0x20, 0x2f, 0x3a, 0x7f, 0x80, 0xff}) {
        std::string bad = digits;
        bad[at] = static_cast<char>(byte);
        EXPECT_FALSE(parse_decimal_id(bad)) << length << " " << at << " " << byte;
      }
    }
  }
  for (const char* text :
       {"18446744073709551615", "18446744073709551616", "18446744083709551615",
        "18450000000000000000", "99999999999999999999", "00000000000000000000", "0000000000000001",
        "9999999999999999", "10000000000000000", "13235353014750950193", "9532127138774266268"}) {
    EXPECT_EQ(parse_decimal_id(text), parse_decimal_u64(text)) << text;
    EXPECT_EQ(parse_decimal_id(text), reference_decimal(text)) << text;
  }
  std::mt19937_64 random(11);
  for (int round = 0; round < 20000; ++round) {
    std::string text = std::to_string(random() >> (random() % 64));
    if (random() % 4 == 0) text.insert(0, random() % 5, '0');
    EXPECT_EQ(parse_decimal_id(text), parse_decimal_u64(text)) << text;
  }
}

TEST(DecimalWords, TwentyDigitOverflowAtTheWordSteps) {
  EXPECT_EQ(parse_decimal_u64("18446744073709551615"), UINT64_MAX);
  EXPECT_FALSE(parse_decimal_u64("18446744073709551616"));
  EXPECT_FALSE(parse_decimal_u64("18446744083709551615"));  // the middle word tips it
  EXPECT_FALSE(parse_decimal_u64("18450000000000000000"));  // the leading digits do
  EXPECT_EQ(parse_decimal_u64("13235353014750950193"), 13235353014750950193u);
  EXPECT_EQ(parse_decimal_u64("00000000"), 0u);
  EXPECT_EQ(parse_decimal_u64("12345678"), 12345678u);
  EXPECT_EQ(parse_decimal_u64("9876543210123456"), 9876543210123456u);
}

TEST(DecimalWords, AgreesWithDigitByDigitOnRandomText) {
  std::mt19937_64 random(7);
  const std::string alphabet = "0123456789/:+- ";
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const std::size_t length = random() % 22;
    const bool digits_only = random() % 2 == 0;
    for (std::size_t i = 0; i < length; ++i) {
      text.push_back(digits_only ? static_cast<char>('0' + random() % 10)
                                 : alphabet[random() % alphabet.size()]);
    }
    ASSERT_EQ(parse_decimal_u64(text), reference_decimal(text)) << text;
  }
}

// Digit by digit: what parse_hex_u64's 16-digit lowercase path must agree with.
std::optional<std::uint64_t> reference_hex_lower(const std::string& text) {
  if (text.empty() || text.size() > 16) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : text) {
    unsigned digit;
    if (c >= '0' && c <= '9') {
      digit = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<unsigned>(c - 'a' + 10);
    } else {
      return std::nullopt;
    }
    value = (value << 4) | digit;
  }
  return value;
}

TEST(HexSixteen, EveryByteInEveryPosition) {
  const std::string id = "0af7651916cd43dd";
  EXPECT_EQ(parse_hex_u64(id, HexCase::kLowerOnly), 0x0af7651916cd43ddu);
  EXPECT_EQ(parse_hex_u64("ffffffffffffffff", HexCase::kLowerOnly), UINT64_MAX);
  EXPECT_EQ(parse_hex_u64("0000000000000000", HexCase::kLowerOnly), 0u);
  for (std::size_t at = 0; at < 16; ++at) {
    for (int byte = 0; byte < 256; ++byte) {
      std::string text = id;
      text[at] = static_cast<char>(byte);
      ASSERT_EQ(parse_hex_u64(text, HexCase::kLowerOnly), reference_hex_lower(text))
          << at << " " << byte;
    }
  }
  // Uppercase stays the lenient reader's.
  EXPECT_EQ(parse_hex_u64("0AF7651916CD43DD", HexCase::kAny), 0x0af7651916cd43ddu);
}

TEST(HexSixteen, AgreesWithDigitByDigitOnRandomIds) {
  std::mt19937_64 random(11);
  const std::string alphabet = "0123456789abcdefABCDEFg/:@`";
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    for (int i = 0; i < 16; ++i) {
      text.push_back(round % 2 == 0 ? "0123456789abcdef"[random() % 16]
                                    : alphabet[random() % alphabet.size()]);
    }
    ASSERT_EQ(parse_hex_u64(text, HexCase::kLowerOnly), reference_hex_lower(text)) << text;
  }
}

TEST(TracestateOnePass, KeepsMembersTrimmedAndJoined) {
  const TracestateParse result =
      parse_tracestate_text(" ,dd=s:2;o:rum, congo=t61rcWkgMzE ,,\trojo=00f067aa0ba902b7  ");
  ASSERT_TRUE(result.valid) << result.why;
  EXPECT_EQ(result.parsed.datadog_member, "s:2;o:rum");
  EXPECT_EQ(result.parsed.additional_w3c, "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
  EXPECT_EQ(result.parsed.sampling_priority, 2);
  EXPECT_EQ(result.parsed.origin, "rum");
}

TEST(TracestateOnePass, ValuesLongerThanAVectorAndAtTheLimit) {
  const std::string value_256(256, 'v');
  const TracestateParse ok = parse_tracestate_text("a=" + std::string(40, 'x') + ",b=" + value_256);
  ASSERT_TRUE(ok.valid) << ok.why;
  EXPECT_EQ(ok.parsed.additional_w3c, "a=" + std::string(40, 'x') + ",b=" + value_256);
  EXPECT_FALSE(parse_tracestate_text("b=" + value_256 + "w").valid);
  // A bad byte past the first sixteen of a value, and one in the sixteen-byte tail.
  for (const char bad : {'\t', '\x7f', '\x80', '=', '\x1f'}) {
    for (const std::size_t at : {3u, 17u, 33u, 39u}) {
      std::string header = "a=" + std::string(40, 'x');
      header[at] = bad;
      const TracestateParse result = parse_tracestate_text(header);
      EXPECT_FALSE(result.valid) << header;
      EXPECT_NE(result.why.find("malformed list member"), std::string::npos) << result.why;
    }
  }
}

TEST(TracestateOnePass, UnusualButValidListsTakeTheGeneralPath) {
  // Tenant keys, a key starting with a digit, a tab before a comma.
  const TracestateParse result = parse_tracestate_text("0tenant@vendor=1,a@b=2,k=v\t,dd=s:1");
  ASSERT_TRUE(result.valid) << result.why;
  EXPECT_EQ(result.parsed.additional_w3c, "0tenant@vendor=1,a@b=2,k=v");
  EXPECT_EQ(result.parsed.sampling_priority, 1);
}

TEST(TracestateOnePass, RejectionsKeepTheirReasons) {
  EXPECT_EQ(parse_tracestate_text("a=1,a=2").why, "duplicate key 'a'");
  EXPECT_EQ(parse_tracestate_text("a=1,b").why, "malformed list member 'b'");
  EXPECT_EQ(parse_tracestate_text("a=1,B=2").why, "malformed list member 'B=2'");
  EXPECT_EQ(parse_tracestate_text("a=1,b =2").why, "malformed list member 'b =2'");
  EXPECT_EQ(parse_tracestate_text("a=1,b= ").why, "malformed list member 'b='");
  std::string many;
  for (int i = 0; i < 33; ++i) many += "k" + std::to_string(i) + "=v,";
  EXPECT_EQ(parse_tracestate_text(many).why, "more than 32 list members");
  many.resize(many.rfind("k32"));
  EXPECT_TRUE(parse_tracestate_text(many).valid);  // exactly 32
  // What a rejected one-pass attempt had kept does not leak into the result.
  const TracestateParse tenant = parse_tracestate_text("a=1,x@y=2");
  ASSERT_TRUE(tenant.valid);
  EXPECT_EQ(tenant.parsed.additional_w3c, "a=1,x@y=2");
}

std::string inject_tracestate_with(const std::string& others) {
  InjectionContext context;
  context.trace_id = TraceId{1, 0};
  context.span_id = 0xbb;
  context.sampling_priority = 1;
  context.additional_w3c_tracestate = &others;
  std::string out;
  encode_tracestate(context, out);
  return out;
}

TEST(TracestateInjectOthers, TidyListsGoOutWhole) {
  EXPECT_EQ(inject_tracestate_with("congo=t61rcWkgMzE"),
            "dd=s:1;p:00000000000000bb,congo=t61rcWkgMzE");
  EXPECT_EQ(inject_tracestate_with("a=1,b=2 3"), "dd=s:1;p:00000000000000bb,a=1,b=2 3");
  EXPECT_EQ(inject_tracestate_with(""), "dd=s:1;p:00000000000000bb");
}

TEST(TracestateInjectOthers, UntidyListsAreFilteredMemberByMember) {
  const std::string prefix = "dd=s:1;p:00000000000000bb";
  EXPECT_EQ(inject_tracestate_with(" a=1 , ,b=2"), prefix + ",a=1,b=2");      // OWS, empty
  EXPECT_EQ(inject_tracestate_with("a=1,dd=s:2,b=2"), prefix + ",a=1,b=2");   // our key
  EXPECT_EQ(inject_tracestate_with("a=1,a=2"), prefix + ",a=1");              // repeated
  EXPECT_EQ(inject_tracestate_with("a=1,B=2,x@y=3"), prefix + ",a=1,x@y=3");  // invalid
  EXPECT_EQ(inject_tracestate_with("a=1,"), prefix + ",a=1");                 // trailing comma
  // 31 members are the most that fit beside ours; the 32nd is dropped.
  std::string members;
  for (int i = 0; i < 32; ++i) members += (i ? ",k" : "k") + std::to_string(i) + "=v";
  const std::string kept = members.substr(0, members.rfind(",k31"));
  EXPECT_EQ(inject_tracestate_with(kept), prefix + "," + kept);
  EXPECT_EQ(inject_tracestate_with(members), prefix + "," + kept);
}

}  // namespace
}  // namespace propagation
}  // namespace gatetrace
