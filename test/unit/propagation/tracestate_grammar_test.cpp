// The table-driven tracestate key and value checks against the W3C grammar written out
// plainly, over generated keys and values that hit each rule's edges: first
// characters, the '@' split (tenant at most 241, system at most 14 characters), every
// byte, and the length limits.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "gatetrace/propagation/tracestate.h"

namespace gatetrace {
namespace propagation {
namespace {

bool lcalpha(char c) { return c >= 'a' && c <= 'z'; }
bool digit(char c) { return c >= '0' && c <= '9'; }
bool key_char(char c) {
  return lcalpha(c) || digit(c) || c == '_' || c == '-' || c == '*' || c == '/';
}
bool all_key_chars(const std::string& text) {
  for (const char c : text) {
    if (!key_char(c)) return false;
  }
  return true;
}

// key = simple-key / multi-tenant-key
// simple-key = lcalpha 0*255( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )
// multi-tenant-key = tenant-id "@" system-id
// tenant-id = ( lcalpha / DIGIT ) 0*240( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )
// system-id = lcalpha 0*13( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )
bool reference_key(const std::string& key) {
  const std::size_t at = key.find('@');
  if (at == std::string::npos) {
    return !key.empty() && key.size() <= 256 && lcalpha(key[0]) && all_key_chars(key);
  }
  const std::string tenant = key.substr(0, at);
  const std::string system = key.substr(at + 1);
  return !tenant.empty() && tenant.size() <= 241 && (lcalpha(tenant[0]) || digit(tenant[0])) &&
         all_key_chars(tenant) && !system.empty() && system.size() <= 14 && lcalpha(system[0]) &&
         all_key_chars(system);
}

// value = 0*255(chr) nblk-chr; chr = %x20 / nblk-chr; nblk-chr = %x21-2B / %x2D-3C / %x3E-7E
bool reference_value(const std::string& value) {
  if (value.empty() || value.size() > 256) return false;
  for (const char c : value) {
    if (c < 0x20 || c > 0x7e || c == ',' || c == '=') return false;
  }
  return value.back() != ' ';
}

TEST(TracestateGrammar, EveryByteInEveryKeyPosition) {
  for (int byte = 0; byte < 256; ++byte) {
    const char c = static_cast<char>(byte);
    for (const std::string& key :
         {std::string(1, c), std::string("a") + c, std::string("a") + c + "b",
          std::string("a@") + c, std::string(1, c) + "@a", std::string("a@b") + c}) {
      EXPECT_EQ(is_valid_tracestate_key(key), reference_key(key)) << byte << " " << key;
    }
  }
}

TEST(TracestateGrammar, KeyLengthLimits) {
  for (std::size_t size : {1, 2, 240, 241, 242, 255, 256, 257, 300}) {
    const std::string simple(size, 'a');
    EXPECT_EQ(is_valid_tracestate_key(simple), reference_key(simple)) << size;
    const std::string tenant = "0" + std::string(size - 1, 'b') + "@sys";
    EXPECT_EQ(is_valid_tracestate_key(tenant), reference_key(tenant)) << size;
  }
  for (std::size_t size : {0, 1, 13, 14, 15, 20}) {
    const std::string key = "t@" + std::string(size, 'c');
    EXPECT_EQ(is_valid_tracestate_key(key), reference_key(key)) << size;
  }
  EXPECT_FALSE(is_valid_tracestate_key("a@b@c"));
  EXPECT_FALSE(is_valid_tracestate_key("@"));
  EXPECT_TRUE(is_valid_tracestate_key("1a@b2"));
}

TEST(TracestateGrammar, GeneratedKeysAndValues) {
  std::mt19937 random(7);
  const std::string alphabet = "abz09_-*/@A ,=;:~\t\x7f";
  for (int i = 0; i < 20000; ++i) {
    std::string text(random() % 20, 'x');
    for (char& c : text) c = alphabet[random() % alphabet.size()];
    EXPECT_EQ(is_valid_tracestate_key(text), reference_key(text)) << text;
    EXPECT_EQ(is_valid_tracestate_value(text), reference_value(text)) << text;
  }
  for (int byte = 0; byte < 256; ++byte) {
    const std::string value = std::string("v") + static_cast<char>(byte) + "w";
    EXPECT_EQ(is_valid_tracestate_value(value), reference_value(value)) << byte;
  }
  EXPECT_TRUE(is_valid_tracestate_value(std::string(256, 'v')));
  EXPECT_FALSE(is_valid_tracestate_value(std::string(257, 'v')));
}

// Every byte in every position of values of several lengths.
TEST(TracestateGrammar, EveryByteInEveryValuePosition) {
  for (const std::size_t size : {1, 7, 8, 9, 15, 16, 17, 24, 25}) {
    for (std::size_t position = 0; position < size; ++position) {
      for (int byte = 0; byte < 256; ++byte) {
        std::string value(size, 'v');
        value[position] = static_cast<char>(byte);
        ASSERT_EQ(is_valid_tracestate_value(value), reference_value(value))
            << size << " " << position << " " << byte;
      }
    }
  }
}

TEST(TracestateGrammar, LastParentIdOfADatadogMember) {
  EXPECT_EQ(last_parent_id_of(""), "");
  EXPECT_EQ(last_parent_id_of("s:1"), "");
  EXPECT_EQ(last_parent_id_of("s:1;p:00000000000000aa"), "00000000000000aa");
  EXPECT_EQ(last_parent_id_of("p:00000000000000aa;p:00000000000000bb"), "00000000000000bb");
  EXPECT_EQ(last_parent_id_of("p:00000000000000aa;p:bad"), "00000000000000aa");
  EXPECT_EQ(last_parent_id_of("p:00000000000000AA"), "");
  EXPECT_EQ(last_parent_id_of("x.p:00000000000000aa;;:p"), "");
}

// A parse of only the unknown subkeys validates exactly as a full one.
TEST(TracestateGrammar, UnknownOnlyParseValidatesTheSame) {
  for (const char* header : {"dd=s:2;o:rum;p:00000000000000aa;t.dm:-4;x:y,foo=bar", "dd=s:1,dd=s:2",
                             "a=1, b=2 ,,", "bad key=1", "dd=x:1;;y"}) {
    ParsedTracestate full;
    ParsedTracestate unknown_only;
    std::string why_full;
    std::string why_unknown;
    const bool valid = parse_tracestate(header, full, why_full);
    EXPECT_EQ(parse_tracestate(header, unknown_only, why_unknown, DatadogFields::kUnknownOnly),
              valid);
    EXPECT_EQ(why_full, why_unknown);
    EXPECT_EQ(unknown_only.additional_w3c, full.additional_w3c);
    EXPECT_EQ(unknown_only.additional_datadog, full.additional_datadog);
    EXPECT_EQ(unknown_only.datadog_member, full.datadog_member);
    EXPECT_FALSE(unknown_only.sampling_priority);
    EXPECT_FALSE(unknown_only.origin);
    EXPECT_FALSE(unknown_only.last_parent_id);
    EXPECT_TRUE(unknown_only.trace_tags.empty());
  }
}

}  // namespace
}  // namespace propagation
}  // namespace gatetrace
