// What HeaderIndex tells the extraction styles besides values: whether a header came
// more than once (names matched in any case, through the entry array and through
// `visit`), "maybe" whenever it cannot know, the ids of the propagation headers, and
// HeaderIndex::of recognizing an index among DictReaders.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gatetrace/dict_reader.h"
#include "gatetrace/proxy/header_index.h"

namespace gatetrace {
namespace {

using Headers = HeaderListReader::Headers;

// Visits like a HeaderListReader but offers no entry array, so the index is built
// through `visit`; or refuses to be indexed at all.
class VisitOnlyReader final : public DictReader {
 public:
  VisitOnlyReader(const Headers& headers, bool indexable) : list_(headers), indexable_(indexable) {}
  std::optional<std::string_view> lookup(std::string_view key) const override {
    return list_.lookup(key);
  }
  void visit(
      const std::function<void(std::string_view, std::string_view)>& visitor) const override {
    list_.visit(visitor);
  }
  bool visit_is_indexable() const override { return indexable_; }

 private:
  HeaderListReader list_;
  bool indexable_;
};

const Headers kHeaders = {{"traceparent", "a"},        {"Tracestate", "b"},         {"accept", "c"},
                          {"TRACESTATE", "d"},         {"x-datadog-trace-id", "e"}, {"host", "f"},
                          {"X-Datadog-Trace-Id", "g"}, {"x-datadog-trace-ie", "h"}, {"b3", "i"},
                          {"x-b3-traceid", "j"}};

void expect_repeats(const HeaderIndex& index) {
  EXPECT_FALSE(index.maybe_repeated(IndexedHeader::kTraceparent));
  EXPECT_TRUE(index.maybe_repeated(IndexedHeader::kTracestate));
  EXPECT_TRUE(index.maybe_repeated(IndexedHeader::kDatadogTraceId));
  EXPECT_FALSE(index.maybe_repeated(IndexedHeader::kHost));
  EXPECT_FALSE(index.maybe_repeated(IndexedHeader::kB3));
  EXPECT_FALSE(index.maybe_repeated(IndexedHeader::kB3TraceId));
  EXPECT_FALSE(index.maybe_repeated(IndexedHeader::kBaggage));  // absent
  EXPECT_EQ(index.get(IndexedHeader::kTracestate), "b");
  EXPECT_EQ(index.get(IndexedHeader::kDatadogTraceId), "e");
  EXPECT_EQ(index.get(IndexedHeader::kB3), "i");
  EXPECT_EQ(index.get(IndexedHeader::kB3TraceId), "j");
  EXPECT_EQ(index.get(IndexedHeader::kDatadogParentId), std::nullopt);
}

TEST(HeaderIndexRepeats, FoundInTheEntryArray) {
  const HeaderListReader reader(kHeaders);
  const HeaderIndex index(reader);
  ASSERT_TRUE(index.indexed());
  expect_repeats(index);
}

TEST(HeaderIndexRepeats, FoundThroughVisit) {
  const VisitOnlyReader reader(kHeaders, true);
  const HeaderIndex index(reader);
  ASSERT_TRUE(index.indexed());
  expect_repeats(index);
}

TEST(HeaderIndexRepeats, AnyHeaderMayRepeatWhenNotIndexed) {
  const VisitOnlyReader reader(kHeaders, false);
  const HeaderIndex index(reader);
  ASSERT_FALSE(index.indexed());
  for (std::size_t i = 0; i <= static_cast<std::size_t>(IndexedHeader::kB3); ++i) {
    EXPECT_TRUE(index.maybe_repeated(static_cast<IndexedHeader>(i))) << kIndexedHeaderNames[i];
  }
  EXPECT_EQ(index.get(IndexedHeader::kTracestate), "b");
}

TEST(HeaderIndexRepeats, ThreeOccurrencesAndTheFirstValue) {
  const Headers headers = {{"baggage", "1"}, {"BAGGAGE", "2"}, {"Baggage", "3"}};
  const HeaderListReader reader(headers);
  const HeaderIndex index(reader);
  EXPECT_TRUE(index.maybe_repeated(IndexedHeader::kBaggage));
  EXPECT_EQ(index.get(IndexedHeader::kBaggage), "1");
}

TEST(HeaderIndexRepeats, NoHeadersNoRepeats) {
  const Headers headers;
  const HeaderListReader reader(headers);
  const HeaderIndex index(reader);
  for (std::size_t i = 0; i <= static_cast<std::size_t>(IndexedHeader::kB3); ++i) {
    EXPECT_FALSE(index.maybe_repeated(static_cast<IndexedHeader>(i)));
  }
}

TEST(HeaderIndexOf, RecognizesAnIndexOnly) {
  const HeaderListReader reader(kHeaders);
  const HeaderIndex index(reader);
  const VisitOnlyReader other(kHeaders, true);
  EXPECT_EQ(HeaderIndex::of(index), &index);
  EXPECT_EQ(HeaderIndex::of(reader), nullptr);
  EXPECT_EQ(HeaderIndex::of(other), nullptr);
  const DictReader& as_reader = index;
  EXPECT_EQ(HeaderIndex::of(as_reader), &index);
}

TEST(HeaderIndexIds, EveryIdGetsItsName) {
  Headers headers;
  std::vector<std::string> values;
  values.reserve(std::size(kIndexedHeaderNames));
  for (std::string_view name : kIndexedHeaderNames) values.push_back("v-" + std::string(name));
  for (std::size_t i = 0; i < values.size(); ++i) {
    headers.emplace_back(kIndexedHeaderNames[i], values[i]);
  }
  const HeaderListReader reader(headers);
  const HeaderIndex index(reader);
  for (std::size_t i = 0; i <= static_cast<std::size_t>(IndexedHeader::kB3); ++i) {
    EXPECT_EQ(index.get(static_cast<IndexedHeader>(i)), values[i]) << kIndexedHeaderNames[i];
  }
}

}  // namespace
}  // namespace gatetrace
