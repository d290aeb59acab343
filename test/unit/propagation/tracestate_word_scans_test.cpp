// The tracestate scans that judge 16 bytes at a time: a simple member key found by one
// vector test (keys of every length, a bad byte in every position, near the end of
// short and long lists), and the dd member judged by bit masks when every field starts
// with a known key (every field shape in every position, and generated members,
// against a field-by-field reading of the rule).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>

#include "gatetrace/propagation/tracestate.h"

namespace gatetrace {
namespace propagation {
namespace {

// The rule, field by field: a dd member has only known keys when every field with a
// ':' after its first byte has the key s, o, p or t.<name>.
bool reference_only_known_keys(std::string_view member) {
  std::size_t begin = 0;
  while (begin <= member.size()) {
    std::size_t end = member.find(';', begin);
    if (end == std::string_view::npos) end = member.size();
    const std::string_view field = member.substr(begin, end - begin);
    begin = end + 1;
    const std::size_t colon = field.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    const std::string_view key = field.substr(0, colon);
    if (key == "s" || key == "o" || key == "p") continue;
    if (key.size() > 2 && key[0] == 't' && key[1] == '.') continue;
    return false;
  }
  return true;
}

// What scan_tidy_tracestate says of "dd=<member>", checked against parse_tracestate when
// it accepts; the member is valid by construction (value characters only).
bool tidy_dd(const std::string& member) {
  const std::string header = "dd=" + member;
  std::string_view datadog_member;
  std::string_view others;
  const bool tidy = scan_tidy_tracestate(header, datadog_member, others);
  ParsedTracestate parsed;
  std::string why;
  EXPECT_TRUE(parse_tracestate(header, parsed, why, DatadogFields::kUnknownOnly)) << header;
  if (tidy) {
    EXPECT_EQ(datadog_member, member);
    EXPECT_TRUE(others.empty());
    EXPECT_TRUE(parsed.additional_datadog.empty()) << header;
  }
  return tidy;
}

TEST(DatadogMemberKeys, EveryFieldShapeInEveryPosition) {
  const char* const shapes[] = {
      "s:1",     "o:rum",      "p:b7ad6b7169203331",
      "t.dm:-0", "t.usr.id:x", "t.:x",
      "t.",      "t.x",        "t:1",
      "tt.x:2",  "x:y",        "s",
      "so:1",    "sx",         ":",
      ":v",      "",           "nocolon",
      "k:v:w",   "p",          "o:",
      "s:",      "t",          ".:x",
      "pp:1",
  };
  for (const char* shape : shapes) {
    for (std::size_t before = 0; before <= 5; ++before) {
      for (std::size_t after = 0; after <= 3; ++after) {
        std::string member;
        for (std::size_t i = 0; i < before; ++i) member += i % 2 == 0 ? "s:1;" : "t.dm:-0;";
        member += shape;
        for (std::size_t i = 0; i < after; ++i) member += ";p:0123456789abcdef";
        if (member.empty() || member.size() > 256) continue;
        SCOPED_TRACE(member);
        EXPECT_EQ(tidy_dd(member), reference_only_known_keys(member) && member.size() <= 64);
      }
    }
  }
}

TEST(DatadogMemberKeys, KnownKeysAtTheLastBytes) {
  // A key byte at the member's very end has no ':' after it (no key): its field is
  // known however the mask test reads the byte past the end.
  for (std::size_t size = 1; size <= 64; ++size) {
    for (const char last : {'s', 'o', 'p', 't', ':', '.', 'x'}) {
      std::string member(size - 1, 'a');
      for (std::size_t i = 3; i + 1 < size; i += 4) member[i] = ';';
      member.push_back(last);
      if (member[0] == ';') continue;
      SCOPED_TRACE(member);
      EXPECT_EQ(tidy_dd(member), reference_only_known_keys(member));
    }
    std::string with_t_dot(size >= 2 ? size - 2 : 0, 'a');
    with_t_dot += "t.";
    with_t_dot = with_t_dot.substr(with_t_dot.size() - size);
    EXPECT_EQ(tidy_dd(with_t_dot), reference_only_known_keys(with_t_dot)) << with_t_dot;
  }
}

TEST(DatadogMemberKeys, GeneratedMembersAgreeWithTheRule) {
  std::mt19937_64 random(8);
  const std::string_view alphabet = "sopt.:;;xa1";
  for (int i = 0; i < 40000; ++i) {
    std::string member(1 + random() % 70, 'a');
    for (char& c : member) c = alphabet[random() % alphabet.size()];
    SCOPED_TRACE(member);
    EXPECT_EQ(tidy_dd(member), reference_only_known_keys(member) && member.size() <= 64);
  }
}

TEST(SimpleMemberKeys, EveryLengthAndEveryBadBytePosition) {
  const std::string key_chars = "abcxyz0189_-*/";
  for (std::size_t length = 1; length <= 40; ++length) {
    std::string key;
    for (std::size_t i = 0; i < length; ++i) key.push_back(key_chars[i % key_chars.size()]);
    key[0] = 'k';  // a key starts with a letter
    // Short and long lists, the key first, in the middle and last (its bytes then
    // reached by a load that ends at the list's end).
    for (const std::string& before :
         {std::string(), std::string("dd=s:1,"), std::string("congo=t61rcWkgMzE,rojo=00f067aa,")}) {
      for (const std::string& after : {std::string(), std::string(",z=1")}) {
        const std::string header = before + key + "=v" + after;
        std::string_view datadog_member;
        std::string_view others;
        EXPECT_TRUE(scan_tidy_tracestate(header, datadog_member, others)) << header;
        for (std::size_t at = 1; at < length; ++at) {
          for (const int byte : {0x00, 0x09, 0x20, 0x29, 0x2b, 0x2c, 0x2e, 0x3a, 0x3d, 0x40, 0x41,
                                 0x5a, 0x5e, 0x60, 0x7b, 0x7f, 0x80, 0xc3, 0xff}) {
            std::string bad_key = key;
            bad_key[at] = static_cast<char>(byte);
            const std::string bad = before + bad_key + "=v" + after;
            // None of these bytes is a key character: the one-pass scan leaves the list
            // to the general path.
            EXPECT_FALSE(scan_tidy_tracestate(bad, datadog_member, others)) << bad;
          }
        }
      }
    }
  }
}

TEST(SimpleMemberKeys, EveryByteInEveryLoadPosition) {
  // Each byte value where a key's load puts it first, in the middle, last, and in the
  // byte-by-byte tail of a short list: taken exactly when the grammar allows it.
  for (int byte = 0; byte < 256; ++byte) {
    const char c = static_cast<char>(byte);
    const bool key_char = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                          c == '-' || c == '*' || c == '/';
    for (const std::size_t at : {1, 2, 7, 15, 16, 17, 31}) {
      std::string key(at + 3, 'k');
      key[at] = c;
      for (const std::string& before : {std::string(), std::string("dd=s:1,")}) {
        const std::string header = before + key + "=v";
        std::string_view datadog_member;
        std::string_view others;
        EXPECT_EQ(scan_tidy_tracestate(header, datadog_member, others), key_char)
            << byte << " at " << at << " in " << header;
      }
    }
  }
}

}  // namespace
}  // namespace propagation
}  // namespace gatetrace
