// HeaderIndex must answer every lookup exactly as the reader it wraps would: first value
// of a repeated header, any case of the name, empty values, names it does not index, and
// readers that did not opt in to being indexed.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gatetrace/dict_reader.h"
#include "gatetrace/proxy/header_index.h"

namespace gatetrace {
namespace {

using Headers = HeaderListReader::Headers;

// A HeaderListReader that counts the calls it gets, and may refuse to be indexed.
class CountingReader : public DictReader {
 public:
  CountingReader(const Headers& headers, bool indexable) : list_(headers), indexable_(indexable) {}
  std::optional<std::string_view> lookup(std::string_view key) const override {
    ++lookups;
    return list_.lookup(key);
  }
  void visit(
      const std::function<void(std::string_view, std::string_view)>& visitor) const override {
    ++visits;
    list_.visit(visitor);
  }
  bool visit_is_indexable() const override { return indexable_; }

  mutable int lookups = 0;
  mutable int visits = 0;

 private:
  HeaderListReader list_;
  bool indexable_;
};

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// Every name the index knows and a few it does not, in several cases.
std::vector<std::string> probe_names() {
  std::vector<std::string> names;
  for (std::string_view name : kIndexedHeaderNames) {
    names.emplace_back(name);
    names.push_back(upper(name));
  }
  for (const char* other : {"accept", "content-type", "x-dd-proxz", "x-dd-prox", "b4", "b", "x",
                            "traceparenT", "x-datadog-trace-ids", "cf-connecting-ipv7", ""}) {
    names.emplace_back(other);
  }
  return names;
}

void expect_same_answers(const Headers& headers) {
  const HeaderListReader reader(headers);
  const HeaderIndex index(reader);
  ASSERT_TRUE(index.indexed());
  for (const std::string& name : probe_names()) {
    const auto expected = reader.lookup(name);
    const auto actual = index.lookup(name);
    ASSERT_EQ(actual.has_value(), expected.has_value()) << name;
    if (expected) {
      EXPECT_EQ(*actual, *expected) << name;
      EXPECT_EQ(actual->data(), expected->data()) << name << ": a view of the same bytes";
    }
  }
}

TEST(HeaderIndex, EveryIndexedNameIsFoundWithItsValue) {
  Headers headers;
  std::vector<std::string> values;
  values.reserve(std::size(kIndexedHeaderNames));
  for (std::string_view name : kIndexedHeaderNames)
    values.push_back("value of " + std::string(name));
  for (std::size_t i = 0; i < values.size(); ++i) {
    headers.emplace_back(kIndexedHeaderNames[i], values[i]);
  }
  const HeaderListReader reader(headers);
  const HeaderIndex index(reader);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const auto value = index.lookup(kIndexedHeaderNames[i]);
    ASSERT_TRUE(value.has_value()) << kIndexedHeaderNames[i];
    EXPECT_EQ(*value, values[i]);
  }
  expect_same_answers(headers);
}

TEST(HeaderIndex, IndexedNamesAreDistinctAndLowercase) {
  for (std::size_t i = 0; i < std::size(kIndexedHeaderNames); ++i) {
    const std::string_view name = kIndexedHeaderNames[i];
    EXPECT_FALSE(name.empty());
    for (char c : name) EXPECT_FALSE(c >= 'A' && c <= 'Z') << name;
    for (std::size_t j = 0; j < i; ++j) EXPECT_NE(name, kIndexedHeaderNames[j]);
  }
}

TEST(HeaderIndex, MixedCaseNamesMatch) {
  const Headers headers = {
      {"X-DD-Proxy-HttpMethod", "GET"},
      {"TraceParent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
      {"USER-AGENT", "curl"},
      {"Host", "example.com"}};
  const HeaderListReader reader(headers);
  const HeaderIndex index(reader);
  EXPECT_EQ(index.lookup("x-dd-proxy-httpmethod").value_or("<absent>"), "GET");
  EXPECT_EQ(index.lookup("X-DD-PROXY-HTTPMETHOD").value_or("<absent>"), "GET");
  EXPECT_EQ(index.lookup("user-agent").value_or("<absent>"), "curl");
  EXPECT_EQ(index.lookup("host").value_or("<absent>"), "example.com");
  EXPECT_FALSE(index.lookup("x-dd-proxy").has_value());
  expect_same_answers(headers);
}

TEST(HeaderIndex, RepeatedHeadersTakeTheFirstValue) {
  const Headers headers = {{"x-datadog-trace-id", "1"},
                           {"X-Datadog-Trace-Id", "2"},
                           {"accept", "text/html"},
                           {"ACCEPT", "application/json"},
                           {"x-datadog-trace-id", "3"}};
  const HeaderListReader reader(headers);
  const HeaderIndex index(reader);
  EXPECT_EQ(index.lookup("x-datadog-trace-id").value_or("<absent>"), "1");
  EXPECT_EQ(index.lookup("accept").value_or("<absent>"), "text/html");
  expect_same_answers(headers);
}

TEST(HeaderIndex, EmptyValuesArePresent) {
  const Headers headers = {{"x-dd-proxy", ""}, {"baggage", std::string_view()}, {"x-custom", ""}};
  const HeaderListReader reader(headers);
  const HeaderIndex index(reader);
  ASSERT_TRUE(index.lookup("x-dd-proxy").has_value());
  EXPECT_EQ(*index.lookup("x-dd-proxy"), "");
  ASSERT_TRUE(index.lookup("baggage").has_value());
  EXPECT_EQ(*index.lookup("baggage"), "");
  ASSERT_TRUE(index.lookup("x-custom").has_value());
  EXPECT_FALSE(index.lookup("tracestate").has_value());
  expect_same_answers(headers);
}

TEST(HeaderIndex, EmptyAndOddNamesAreHandled) {
  const Headers headers = {{"", "nameless"}, {"b", "1"}, {"b3", "0"}, {"\x80\xff", "binary"}};
  const HeaderListReader reader(headers);
  const HeaderIndex index(reader);
  EXPECT_EQ(index.lookup("b3").value_or("<absent>"), "0");
  EXPECT_EQ(index.lookup("").value_or("<absent>"), "nameless") << "not indexed: falls back";
  expect_same_answers(headers);
}

TEST(HeaderIndex, NamesNotIndexedFallBackToTheReader) {
  const Headers headers = {{"x-dd-proxy", "azure-apim"}, {"X-Request-Id", "abc"}};
  const CountingReader reader(headers, true);
  const HeaderIndex index(reader);
  EXPECT_EQ(reader.visits, 1);
  EXPECT_EQ(index.lookup("x-dd-proxy").value_or("<absent>"), "azure-apim");
  EXPECT_FALSE(index.lookup("x-dd-proxy-path").has_value());
  EXPECT_EQ(reader.lookups, 0) << "indexed names never reach the reader";
  EXPECT_EQ(index.lookup("x-request-id").value_or("<absent>"), "abc");
  EXPECT_FALSE(index.lookup("x-other").has_value());
  EXPECT_EQ(reader.lookups, 2);
}

TEST(HeaderIndex, ReadersThatDoNotOptInArePassedThrough) {
  const Headers headers = {{"x-dd-proxy", "azure-apim"}, {"host", "example.com"}};
  const CountingReader reader(headers, false);
  const HeaderIndex index(reader);
  EXPECT_FALSE(index.indexed());
  EXPECT_FALSE(index.visit_is_indexable());
  EXPECT_EQ(reader.visits, 0);
  EXPECT_EQ(index.lookup("x-dd-proxy").value_or("<absent>"), "azure-apim");
  EXPECT_EQ(index.lookup("host").value_or("<absent>"), "example.com");
  EXPECT_FALSE(index.lookup("user-agent").has_value());
  EXPECT_EQ(reader.lookups, 3);
}

TEST(HeaderIndex, VisitPassesEveryEntryOfTheReader) {
  const Headers headers = {{"traceparent", "a"}, {"Traceparent", "b"}, {"accept", "c"}};
  const HeaderListReader reader(headers);
  const HeaderIndex index(reader);
  Headers seen;
  index.visit(
      [&](std::string_view name, std::string_view value) { seen.emplace_back(name, value); });
  EXPECT_EQ(seen, headers);
}

TEST(HeaderIndex, ManyHeaders) {
  // More headers than the index has names: every lookup still agrees with the reader.
  std::vector<std::string> storage;
  for (int i = 0; i < 200; ++i) storage.push_back("x-header-" + std::to_string(i));
  Headers headers;
  for (const std::string& name : storage) headers.emplace_back(name, name);
  for (std::string_view name : kIndexedHeaderNames) headers.emplace_back(name, "v");
  headers.emplace_back("X-Forwarded-For", "203.0.113.1");
  expect_same_answers(headers);
}

// The reference: what a lookup by each indexed name would match.
int reference_position(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kIndexedHeaderNames); ++i) {
    if (equals_ignore_case(name, kIndexedHeaderNames[i])) return static_cast<int>(i);
  }
  return -1;
}

TEST(IndexedHeaderPosition, FindsEveryNameInAnyCase) {
  for (std::size_t i = 0; i < std::size(kIndexedHeaderNames); ++i) {
    const std::string name(kIndexedHeaderNames[i]);
    std::string alternating = name;
    for (std::size_t j = 0; j < alternating.size(); j += 2) {
      if (alternating[j] >= 'a' && alternating[j] <= 'z') alternating[j] -= 'a' - 'A';
    }
    for (const std::string& variant : {name, upper(name), alternating}) {
      EXPECT_EQ(indexed_header_position(variant), static_cast<int>(i)) << variant;
    }
  }
}

// Every single-byte change of every indexed name, with every byte value: the control
// bytes that equal a '-' or a digit but for the case bit, non-ASCII bytes, the other
// case of each letter; each must be classified as a case-insensitive lookup would.
TEST(IndexedHeaderPosition, AgreesWithLookupOnEverySingleByteChange) {
  int found = 0;
  for (std::string_view indexed : kIndexedHeaderNames) {
    for (std::size_t at = 0; at < indexed.size(); ++at) {
      std::string name(indexed);
      for (int byte = 0; byte < 256; ++byte) {
        name[at] = static_cast<char>(byte);
        const int expected = reference_position(name);
        ASSERT_EQ(indexed_header_position(name), expected)
            << indexed << " with byte " << byte << " at " << at;
        found += expected >= 0;
      }
    }
  }
  EXPECT_GT(found, 0);
}

TEST(IndexedHeaderPosition, RejectsOtherSizesPrefixesAndExtensions) {
  EXPECT_EQ(indexed_header_position(""), -1);
  EXPECT_EQ(indexed_header_position("b"), -1);
  EXPECT_EQ(indexed_header_position(std::string(33, 'x')), -1);
  EXPECT_EQ(indexed_header_position(std::string(1000, '-')), -1);
  for (std::string_view indexed : kIndexedHeaderNames) {
    const std::string name(indexed);
    EXPECT_EQ(indexed_header_position(name.substr(0, name.size() - 1)),
              reference_position(name.substr(0, name.size() - 1)))
        << name;
    EXPECT_EQ(indexed_header_position(name + "x"), -1) << name;
    EXPECT_EQ(indexed_header_position("x" + name), reference_position("x" + name)) << name;
    // Same size, same first and last 8 bytes, a different middle.
    if (name.size() > 16) {
      std::string middle = name;
      middle[name.size() / 2] = '_';
      EXPECT_EQ(indexed_header_position(middle), -1) << middle;
    }
  }
  EXPECT_EQ(indexed_header_position(std::string("x-b3-traceid\0", 13)), -1);
  EXPECT_EQ(indexed_header_position(std::string("b3\0", 3)), -1);
  EXPECT_EQ(indexed_header_position(std::string_view("b3\0", 2)), reference_position("b3"));
}

TEST(HeaderIndex, ReadsAHeaderListWithoutVisiting) {
  const Headers headers = {{"x-dd-proxy", "aws-apigateway"}, {"Host", "a"}, {"host", "b"}};
  const HeaderListReader reader(headers);
  const DictReader::Entries entries = reader.indexable_entries();
  EXPECT_EQ(entries.data, headers.data());
  EXPECT_EQ(entries.size, headers.size());
  const HeaderIndex index(reader);
  EXPECT_EQ(index.indexable_entries().data, headers.data());
  EXPECT_EQ(index.get(IndexedHeader::kHost).value_or("<absent>"), "a");
  EXPECT_EQ(index.get(IndexedHeader::kProxy).value_or("<absent>"), "aws-apigateway");
  expect_same_answers(headers);
}

// A subclass that hides a header from both `lookup` and `visit`: its inherited opt-in
// still holds, but the raw list would not be what it visits, so none is offered.
class HidingReader : public HeaderListReader {
 public:
  using HeaderListReader::HeaderListReader;
  std::optional<std::string_view> lookup(std::string_view key) const override {
    if (equals_ignore_case(key, "x-dd-proxy")) return std::nullopt;
    return HeaderListReader::lookup(key);
  }
  void visit(
      const std::function<void(std::string_view, std::string_view)>& visitor) const override {
    HeaderListReader::visit([&](std::string_view name, std::string_view value) {
      if (!equals_ignore_case(name, "x-dd-proxy")) visitor(name, value);
    });
  }
};

TEST(HeaderIndex, SubclassesOfHeaderListReaderAreVisited) {
  const Headers headers = {{"x-dd-proxy", "aws-apigateway"}, {"host", "a"}};
  const HidingReader reader(headers);
  EXPECT_EQ(reader.indexable_entries().data, nullptr);
  const HeaderIndex index(reader);
  ASSERT_TRUE(index.indexed());
  EXPECT_FALSE(index.get(IndexedHeader::kProxy).has_value());
  EXPECT_EQ(index.get(IndexedHeader::kHost).value_or("<absent>"), "a");
}

TEST(HeaderIndex, OffersNoEntriesWhenNotIndexed) {
  const Headers headers = {{"host", "a"}};
  const CountingReader reader(headers, false);
  const HeaderIndex index(reader);
  EXPECT_EQ(index.indexable_entries().data, nullptr);
  EXPECT_EQ(reader.indexable_entries().data, nullptr);
}

TEST(HeaderListReader, OptsInToIndexing) {
  const Headers headers;
  const HeaderListReader reader(headers);
  EXPECT_TRUE(reader.visit_is_indexable());
}

}  // namespace
}  // namespace gatetrace
