// Extraction through the request helper's HeaderIndex (headers read by id, and the
// visit for repeated traceparent/tracestate headers skipped when the index saw each at
// most once) must find exactly what extraction through the plain reader finds: the
// same context, links and diagnostics, for repeated headers in any case, headers the
// index does not know, and readers that do not opt in to being indexed. Also: a
// secondary tracecontext's quick check for unknown dd subkeys agrees with the
// field-by-field parse.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "gatetrace/dict_reader.h"
#include "gatetrace/propagation/header_index.h"
#include "gatetrace/propagation/propagation.h"
#include "gatetrace/propagation/tracestate.h"
#include "propagation_test_util.h"

namespace gatetrace {
namespace {

using testing::OwnedHeaders;
using S = PropagationStyle;

// Everything extraction reports, in one comparable string.
std::string describe(const ExtractedContext& context, const std::vector<Error>& diagnostics) {
  std::string out = context.trace_id.hex_padded();
  out += '|' + (context.parent_id ? std::to_string(*context.parent_id) : "-");
  out += '|' + (context.sampling_priority ? std::to_string(*context.sampling_priority) : "-");
  out += '|' + context.origin.value_or("-");
  for (const auto& [key, value] : context.trace_tags) out += '|' + key + '=' + value;
  out += '|' + context.additional_w3c_tracestate.value_or("-");
  out += '|' + context.additional_datadog_w3c_tracestate.value_or("-");
  out += '|' + context.datadog_last_parent_id.value_or("-");
  for (const SpanLink& link : context.span_links) {
    out += "|link " + link.trace_id.hex_padded() + ' ' + std::to_string(link.span_id) + ' ' +
           link.tracestate + ' ' + (link.flags ? std::to_string(*link.flags) : "-");
    for (const auto& [key, value] : link.attributes) out += ' ' + key + '=' + value;
  }
  for (const auto& [key, value] : context.baggage) out += "|bag " + key + '=' + value;
  out += '|' + context.propagation_error.value_or("-");
  out += '|' + (context.style ? std::string(to_string(*context.style)) : "-");
  for (const Error& error : diagnostics) out += "|diag " + error.message;
  return out;
}

std::string extract_plain(const HeaderListReader& reader, const PropagationSettings& settings) {
  std::vector<Error> diagnostics;
  return describe(extract_context(reader, settings, &diagnostics), diagnostics);
}

std::string extract_indexed(const DictReader& reader, const PropagationSettings& settings) {
  const HeaderIndex index(reader);
  std::vector<Error> diagnostics;
  return describe(extract_context(index, settings, &diagnostics), diagnostics);
}

const std::vector<PropagationSettings>& all_orders() {
  static const std::vector<PropagationSettings> orders = {
      testing::styles({S::kDatadog, S::kTraceContext, S::kBaggage}),
      testing::styles({S::kTraceContext, S::kDatadog}),
      testing::styles({S::kB3Multi, S::kTraceContext, S::kDatadog, S::kB3Single}),
      testing::styles({S::kTraceContext}),
  };
  return orders;
}

void expect_same_extraction(const OwnedHeaders& headers) {
  HeaderListReader::Headers views;
  for (const auto& [name, value] : headers) views.emplace_back(name, value);
  const HeaderListReader reader(views);
  for (const PropagationSettings& settings : all_orders()) {
    const std::string plain = extract_plain(reader, settings);
    EXPECT_EQ(extract_indexed(reader, settings), plain);
  }
}

constexpr const char* kTraceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
constexpr const char* kOtherTraceparent = "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01";
constexpr const char* kTracestate = "dd=s:1;p:b7ad6b7169203331;t.dm:-0,congo=t61rcWkgMzE";

OwnedHeaders apim_headers() {
  return {{"x-datadog-trace-id", "9532127138774266268"},
          {"x-datadog-parent-id", "13235353014750950193"},
          {"x-datadog-sampling-priority", "1"},
          {"traceparent", kTraceparent},
          {"tracestate", kTracestate},
          {"baggage", "a=1,b=2"},
          {"accept", "application/json"}};
}

TEST(IndexedExtraction, TheApimRequestAsThroughTheReader) {
  expect_same_extraction(apim_headers());
}

TEST(IndexedExtraction, RepeatedTracestateHeadersAreStillJoined) {
  OwnedHeaders headers = apim_headers();
  headers.emplace_back("TraceState", "rojo=00f067aa0ba902b7");
  expect_same_extraction(headers);
  headers.emplace_back("tracestate", "dd=s:2");  // now a duplicate dd member: invalid
  expect_same_extraction(headers);
}

TEST(IndexedExtraction, RepeatedTraceparentHeadersAreStillCompared) {
  OwnedHeaders headers = apim_headers();
  headers.emplace_back("TRACEPARENT", std::string(" ") + kTraceparent);  // agrees once trimmed
  expect_same_extraction(headers);
  headers.emplace_back("traceparent", kOtherTraceparent);  // disagrees
  expect_same_extraction(headers);
}

TEST(IndexedExtraction, ARepeatOfAnotherHeaderNeedsNoVisit) {
  OwnedHeaders headers = apim_headers();
  headers.emplace_back("X-Datadog-Trace-Id", "1");
  headers.emplace_back("baggage", "c=3");
  expect_same_extraction(headers);
}

TEST(IndexedExtraction, TracestateWithoutTraceparentAndTheOtherWayRound) {
  expect_same_extraction({{"tracestate", kTracestate}});
  expect_same_extraction({{"traceparent", kTraceparent}});
  expect_same_extraction({{"traceparent", kTraceparent}, {"tracestate", ""}});
  expect_same_extraction({});
}

TEST(IndexedExtraction, NamesNearTheW3cOnesAreNotTakenForThem) {
  OwnedHeaders headers = apim_headers();
  headers.emplace_back("tracestatx", "rojo=1");
  headers.emplace_back("traceparentx", kOtherTraceparent);
  headers.emplace_back(std::string("tracestat\x05", 10), "rojo=1");
  expect_same_extraction(headers);
}

TEST(IndexedExtraction, B3HeadersAreReadById) {
  expect_same_extraction({{"X-B3-TraceId", "0af7651916cd43dd8448eb211c80319c"},
                          {"x-b3-spanid", "b7ad6b7169203331"},
                          {"x-b3-sampled", "1"},
                          {"x-b3-flags", "1"},
                          {"B3", "0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1"}});
}

// A reader that refuses to be indexed: the index passes lookups through and knows
// nothing of repeats, so the visit runs as before.
class UnindexableReader final : public DictReader {
 public:
  explicit UnindexableReader(const HeaderListReader& list) : list_(list) {}
  std::optional<std::string_view> lookup(std::string_view key) const override {
    return list_.lookup(key);
  }
  void visit(
      const std::function<void(std::string_view, std::string_view)>& visitor) const override {
    ++visits;
    list_.visit(visitor);
  }
  mutable int visits = 0;

 private:
  const HeaderListReader& list_;
};

TEST(IndexedExtraction, ReadersThatDoNotOptInStillHaveTheirRepeatsFound) {
  OwnedHeaders headers = apim_headers();
  headers.emplace_back("tracestate", "rojo=00f067aa0ba902b7");
  HeaderListReader::Headers views;
  for (const auto& [name, value] : headers) views.emplace_back(name, value);
  const HeaderListReader list(views);
  const UnindexableReader reader(list);
  for (const PropagationSettings& settings : all_orders()) {
    EXPECT_EQ(extract_indexed(reader, settings), extract_plain(list, settings));
  }
  EXPECT_GT(reader.visits, 0);
}

// Random header sets built from the W3C and Datadog headers, in random case, repeated
// with equal or other values, among headers the index does not know.
TEST(IndexedExtraction, AgreesWithThePlainReaderOnGeneratedHeaderSets) {
  std::mt19937 random(7);
  const auto pick = [&](const std::vector<std::string>& choices) {
    return choices[random() % choices.size()];
  };
  const std::vector<std::string> names = {
      "traceparent",    "tracestate",          "x-datadog-trace-id",
      "x-datadog-tags", "x-datadog-parent-id", "x-datadog-sampling-priority",
      "baggage",        "x-datadog-origin",    "accept"};
  const std::vector<std::string> values = {kTraceparent,
                                           kOtherTraceparent,
                                           kTracestate,
                                           "dd=s:2;o:rum;x:1,rojo=1",
                                           "rojo=1,,congo=2 ",
                                           "9532127138774266268",
                                           "13235353014750950193",
                                           "1",
                                           "_dd.p.dm=-4",
                                           "a=1",
                                           "synthetics",
                                           "",
                                           "bad value"};
  for (int round = 0; round < 3000; ++round) {
    OwnedHeaders headers;
    const int count = static_cast<int>(random() % 9);
    for (int i = 0; i < count; ++i) {
      std::string name = pick(names);
      for (char& c : name) {
        if (random() % 4 == 0 && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      }
      headers.emplace_back(name, pick(values));
    }
    expect_same_extraction(headers);
    if (HasFailure()) break;
  }
}

// The quick scan a secondary tracecontext makes of the dd member for unknown subkeys
// against the field-by-field parse (kAll keeps the same unknown subkeys): every field
// shape, at every length around the scan's 16-byte blocks and its 64-byte limit.
TEST(SecondaryTracestate, UnknownDatadogSubkeysAgreeWithTheFullParse) {
  const std::vector<std::string> fields = {"s:1",     "o:rum", "p:b7ad6b7169203331",
                                           "t.dm:-0", "t.:x",  "t.",
                                           "t:1",     "x:1",   ":x",
                                           "none",    "",      "ss:1",
                                           "s",       "t.a:",  "pp:1",
                                           "o:a:b"};
  std::mt19937 random(11);
  for (int round = 0; round < 20000; ++round) {
    std::string member;
    const int count = 1 + static_cast<int>(random() % 8);
    for (int i = 0; i < count; ++i) {
      if (i > 0) member += ';';
      member += fields[random() % fields.size()];
    }
    if (random() % 3 == 0) member += std::string(random() % 40, 'v');
    const std::string header = "dd=" + member + ",rojo=1";
    propagation::ParsedTracestate all;
    propagation::ParsedTracestate unknown_only;
    std::string why_all;
    std::string why_unknown;
    const bool valid_all = propagation::parse_tracestate(header, all, why_all);
    const bool valid_unknown = propagation::parse_tracestate(
        header, unknown_only, why_unknown, propagation::DatadogFields::kUnknownOnly);
    ASSERT_EQ(valid_all, valid_unknown) << header;
    EXPECT_EQ(why_all, why_unknown) << header;
    EXPECT_EQ(all.additional_datadog, unknown_only.additional_datadog) << header;
    EXPECT_EQ(all.additional_w3c, unknown_only.additional_w3c) << header;
    EXPECT_EQ(all.datadog_member, unknown_only.datadog_member) << header;
    if (HasFailure()) break;
  }
}

TEST(SecondaryTracestate, MembersAroundTheScanLimit) {
  for (std::size_t size = 60; size <= 70; ++size) {
    for (const std::string& tail : {std::string(";x:1"), std::string(";s:1"), std::string()}) {
      const std::string filler = "t.a:" + std::string(size - 4 - tail.size(), 'v');
      const std::string header = "dd=" + filler + tail;
      propagation::ParsedTracestate all;
      propagation::ParsedTracestate unknown_only;
      std::string why;
      ASSERT_TRUE(propagation::parse_tracestate(header, all, why)) << header;
      ASSERT_TRUE(propagation::parse_tracestate(header, unknown_only, why,
                                                propagation::DatadogFields::kUnknownOnly));
      EXPECT_EQ(all.additional_datadog, unknown_only.additional_datadog) << header;
      EXPECT_EQ(unknown_only.additional_datadog, tail == ";x:1" ? "x:1" : "") << header;
    }
  }
}

}  // namespace
}  // namespace gatetrace
