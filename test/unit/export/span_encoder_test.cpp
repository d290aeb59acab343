#include "gatetrace/export/span_encoder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "gatetrace/export/byte_buffer.h"
#include "gatetrace/export/msgpack_writer.h"
#include "gatetrace/span_keys.h"
#include "support/msgpack_inspect.h"
#include "support/span_factory.h"

namespace gatetrace {
namespace {

using nlohmann::json;
using testing::make_span;
using testing::OwnedChunk;

constexpr EncodeContext kContext{"web-backend", "4bd9c2a6-0d0e-4a54-9d8a-6b8f3e4c2a11", 4242};

// Encodes into both outputs (the exporter's ByteBuffer and a std::string), checks that
// they agree byte for byte, and decodes.
json encode(const TraceChunk& chunk, const EncodeContext& context = kContext) {
  std::string out;
  encode_chunk(out, chunk, context);
  ByteBuffer buffer;
  encode_chunk(buffer, chunk, context);
  EXPECT_EQ(buffer.view(), out);
  return testing::decode_checked(out);
}

json encode_one(const SpanData& span, const EncodeContext& context = kContext) {
  OwnedChunk owned;
  owned.add(span);
  const json chunk = encode(owned.chunk, context);
  EXPECT_TRUE(chunk.is_array());
  EXPECT_EQ(chunk.size(), 1u);
  return chunk.at(0);
}

TEST(SpanEncoder, EveryFieldOfASpan) {
  SpanData span = make_span(0x1122334455667788u, 0x0102030405060708u, 77);
  span.error = true;
  span.meta.set("http.method", "GET");
  span.meta.set("env", "prod");
  span.metrics.set("_sampling_priority_v1", 2);
  span.metrics.set("http.status_code.ratio", 0.25);

  const json encoded = encode_one(span);
  EXPECT_EQ(encoded.size(), 12u);  // no span_links
  EXPECT_EQ(encoded.at("trace_id").get<std::uint64_t>(), 0x1122334455667788u);
  EXPECT_EQ(encoded.at("span_id").get<std::uint64_t>(), 0x0102030405060708u);
  EXPECT_EQ(encoded.at("parent_id").get<std::uint64_t>(), 77u);
  EXPECT_EQ(encoded.at("name"), "http.request");
  EXPECT_EQ(encoded.at("service"), "web-backend");
  EXPECT_EQ(encoded.at("resource"), "GET /users/{id}");
  EXPECT_EQ(encoded.at("type"), "web");
  EXPECT_EQ(encoded.at("start").get<std::int64_t>(), 1'700'000'000'123'456'789);
  EXPECT_EQ(encoded.at("duration").get<std::int64_t>(), 12'345'678);
  EXPECT_EQ(encoded.at("error").get<int>(), 1);
  EXPECT_FALSE(encoded.contains("span_links"));

  const json& meta = encoded.at("meta");
  EXPECT_EQ(meta.size(), 4u);  // 2 own + language + runtime-id
  EXPECT_EQ(meta.at("http.method"), "GET");
  EXPECT_EQ(meta.at("env"), "prod");
  EXPECT_EQ(meta.at("language"), "cpp");
  EXPECT_EQ(meta.at("runtime-id"), "4bd9c2a6-0d0e-4a54-9d8a-6b8f3e4c2a11");
  EXPECT_FALSE(meta.contains("_dd.base_service"));  // the default service

  const json& metrics = encoded.at("metrics");
  EXPECT_EQ(metrics.size(), 3u);
  EXPECT_EQ(metrics.at("_sampling_priority_v1").get<double>(), 2.0);
  EXPECT_EQ(metrics.at("http.status_code.ratio").get<double>(), 0.25);
  EXPECT_EQ(metrics.at("process_id").get<double>(), 4242.0);
  for (const auto& value : metrics) EXPECT_TRUE(value.is_number_float());
  for (const auto& value : meta) EXPECT_TRUE(value.is_string());
}

TEST(SpanEncoder, IdsAtAndAbove2To63StayUnsigned) {
  SpanData span = make_span(std::uint64_t{1} << 63, 0xffffffffffffffffu, 0x8000000000000001u);
  const json encoded = encode_one(span);
  EXPECT_EQ(encoded.at("trace_id").get<std::uint64_t>(), std::uint64_t{1} << 63);
  EXPECT_EQ(encoded.at("span_id").get<std::uint64_t>(), 0xffffffffffffffffu);
  EXPECT_EQ(encoded.at("parent_id").get<std::uint64_t>(), 0x8000000000000001u);
  EXPECT_TRUE(encoded.at("trace_id").is_number_unsigned());
}

TEST(SpanEncoder, OnlyTheLowHalfOfA128BitTraceIdIsTheTraceId) {
  SpanData span = make_span(0xaaaabbbbccccddddu, 1);
  span.trace_id.high = 0x6553f1a200000000u;
  span.meta.set("_dd.p.tid", "6553f1a200000000");
  const json encoded = encode_one(span);
  EXPECT_EQ(encoded.at("trace_id").get<std::uint64_t>(), 0xaaaabbbbccccddddu);
  EXPECT_EQ(encoded.at("meta").at("_dd.p.tid"), "6553f1a200000000");
}

TEST(SpanEncoder, NegativeDurationBecomesZeroAndEmptyResourceBecomesName) {
  SpanData span = make_span(1, 2);
  span.duration_ns = -5;
  span.resource = "";
  span.name = "azure.apim";
  const json encoded = encode_one(span);
  EXPECT_EQ(encoded.at("duration").get<std::int64_t>(), 0);
  EXPECT_EQ(encoded.at("resource"), "azure.apim");
  EXPECT_EQ(encoded.at("error").get<int>(), 0);
}

TEST(SpanEncoder, ProcessTagsTheSpanAlreadyHasAreNotAddedTwice) {
  SpanData span = make_span(1, 2, 0, "other-service");
  span.meta.set("language", "cpp-custom");
  span.meta.set("runtime-id", "mine");
  span.meta.set("_dd.base_service", "explicit-base");
  span.metrics.set("process_id", 7);
  const json encoded = encode_one(span);
  // decode_checked has verified that declared map sizes equal the distinct keys.
  EXPECT_EQ(encoded.at("meta").size(), 3u);
  EXPECT_EQ(encoded.at("meta").at("language"), "cpp-custom");
  EXPECT_EQ(encoded.at("meta").at("runtime-id"), "mine");
  EXPECT_EQ(encoded.at("meta").at("_dd.base_service"), "explicit-base");
  EXPECT_EQ(encoded.at("metrics").size(), 1u);
  EXPECT_EQ(encoded.at("metrics").at("process_id").get<double>(), 7.0);
}

TEST(SpanEncoder, BaseServiceOnlyForSpansOfAnotherService) {
  const json same = encode_one(make_span(1, 2, 0, "web-backend"));
  EXPECT_FALSE(same.at("meta").contains("_dd.base_service"));

  const json other = encode_one(make_span(1, 3, 0, "azure-apim-gateway"));
  EXPECT_EQ(other.at("meta").at("_dd.base_service"), "web-backend");
  EXPECT_EQ(other.at("meta").size(), 3u);

  EncodeContext no_default = kContext;
  no_default.default_service = "";
  const json none = encode_one(make_span(1, 4, 0, "x"), no_default);
  EXPECT_FALSE(none.at("meta").contains("_dd.base_service"));
}

TEST(SpanEncoder, EmptyRuntimeIdIsOmitted) {
  EncodeContext context = kContext;
  context.runtime_id = "";
  const json encoded = encode_one(make_span(1, 2), context);
  EXPECT_FALSE(encoded.at("meta").contains("runtime-id"));
  EXPECT_EQ(encoded.at("meta").size(), 1u);  // language only
}

TEST(SpanEncoder, SpanLinksCarryOnlyTheFieldsThatAreSet) {
  SpanData span = make_span(1, 2);
  SpanLink full;
  full.trace_id = {0x9000000000000001u, 0x6553f1a200000000u};
  full.span_id = 0xfedcba9876543210u;
  full.attributes = {{"reason", "terminated_context"}, {"context_headers", "tracecontext"}};
  full.tracestate = "dd=s:1;o:rum,foo=bar";
  full.flags = 1;
  SpanLink bare;
  bare.trace_id.low = 55;
  bare.span_id = 66;
  SpanLink zero_flags;
  zero_flags.trace_id.low = 77;
  zero_flags.span_id = 88;
  zero_flags.flags = 0;
  span.links = {full, bare, zero_flags};

  const json encoded = encode_one(span);
  EXPECT_EQ(encoded.size(), 13u);
  const json& links = encoded.at("span_links");
  ASSERT_EQ(links.size(), 3u);

  EXPECT_EQ(links[0].size(), 6u);
  EXPECT_EQ(links[0].at("trace_id").get<std::uint64_t>(), 0x9000000000000001u);
  EXPECT_EQ(links[0].at("trace_id_high").get<std::uint64_t>(), 0x6553f1a200000000u);
  EXPECT_EQ(links[0].at("span_id").get<std::uint64_t>(), 0xfedcba9876543210u);
  EXPECT_EQ(links[0].at("attributes"),
            json({{"reason", "terminated_context"}, {"context_headers", "tracecontext"}}));
  EXPECT_EQ(links[0].at("tracestate"), "dd=s:1;o:rum,foo=bar");
  EXPECT_EQ(links[0].at("flags").get<std::uint32_t>(), 0x80000001u);

  EXPECT_EQ(links[1], json({{"trace_id", 55}, {"span_id", 66}}));
  EXPECT_EQ(links[2], json({{"trace_id", 77}, {"span_id", 88}, {"flags", 0x80000000u}}));
}

TEST(SpanEncoder, ChunkKeepsSpanOrderAndHandlesManySpansAndTags) {
  OwnedChunk owned = testing::make_chunk(99, 40);
  for (std::size_t i = 0; i < owned.storage.size(); ++i) {
    for (int t = 0; t < 20; ++t) {
      owned.storage[i]->meta.set("tag." + std::to_string(t), std::string(40 + t, 'v'));
    }
  }
  const json chunk = encode(owned.chunk);
  ASSERT_EQ(chunk.size(), 40u);
  for (std::size_t i = 0; i < 40; ++i) {
    EXPECT_EQ(chunk[i].at("span_id").get<std::uint64_t>(), 99 * 1000 + i + 1);
    EXPECT_EQ(chunk[i].at("meta").size(), 22u);
    EXPECT_EQ(chunk[i].at("meta").at("tag.19"), std::string(59, 'v'));
  }
  EXPECT_EQ(chunk[0].at("parent_id").get<std::uint64_t>(), 0u);
  EXPECT_EQ(chunk[1].at("parent_id").get<std::uint64_t>(), 99001u);
}

TEST(SpanEncoder, EncodeChunkAppendsToExistingBytes) {
  OwnedChunk owned = testing::make_chunk(5, 2);
  std::string out;
  encode_chunk(out, owned.chunk, kContext);
  const std::size_t first = out.size();
  encode_chunk(out, owned.chunk, kContext);
  ASSERT_EQ(out.size(), 2 * first);
  EXPECT_EQ(out.substr(0, first), out.substr(first));
}

// A string of `length` bytes that differ from their neighbours, so that a misplaced
// copy shows.
std::string pattern(std::size_t length, char first) {
  std::string value(length, ' ');
  for (std::size_t i = 0; i < length; ++i) value[i] = static_cast<char>(first + i % 23);
  return value;
}

TEST(SpanEncoder, StringsAtEveryMsgpackSizeBoundaryInEveryField) {
  // Each span is bounded before it is written; strings of every size class, in every
  // field, must fit that bound and come back intact.
  for (const std::size_t length : {0, 1, 31, 32, 255, 256, 65535, 65536}) {
    SCOPED_TRACE(length);
    SpanData span = make_span(0x1234, 0x5678, 0, pattern(length, 'a'));
    span.name = pattern(length, 'b');
    span.resource = pattern(length, 'c');
    span.type = pattern(length, 'd');
    const std::string key = "k" + pattern(length, 'e');
    span.meta.set(key, pattern(length, 'f'));
    span.meta.set("short", pattern(length, 'g'));
    span.metrics.set("m" + pattern(length, 'h'), 1.5);
    EncodeContext context = kContext;
    const std::string runtime_id = pattern(length, 'i');
    const std::string default_service = pattern(length, 'j') + "-default";
    context.runtime_id = runtime_id;
    context.default_service = default_service;

    const json encoded = encode_one(span, context);
    EXPECT_EQ(encoded.at("service"), pattern(length, 'a'));
    EXPECT_EQ(encoded.at("name"), pattern(length, 'b'));
    EXPECT_EQ(encoded.at("resource"), pattern(length, 'c'));
    EXPECT_EQ(encoded.at("type"), pattern(length, 'd'));
    const json& meta = encoded.at("meta");
    EXPECT_EQ(meta.at(key), pattern(length, 'f'));
    EXPECT_EQ(meta.at("short"), pattern(length, 'g'));
    EXPECT_EQ(meta.at("language"), "cpp");
    if (length == 0) {
      EXPECT_FALSE(meta.contains("runtime-id"));
      EXPECT_EQ(meta.size(), 4u);
    } else {
      EXPECT_EQ(meta.at("runtime-id"), runtime_id);
      EXPECT_EQ(meta.size(), 5u);
    }
    EXPECT_EQ(meta.at("_dd.base_service"), default_service);
    EXPECT_EQ(encoded.at("metrics").at("m" + pattern(length, 'h')).get<double>(), 1.5);
    EXPECT_EQ(encoded.at("metrics").size(), 2u);
  }
}

TEST(SpanEncoder, IntegersAtEveryMsgpackBoundary) {
  const std::uint64_t values[] = {0,
                                  1,
                                  127,
                                  128,
                                  255,
                                  256,
                                  65535,
                                  65536,
                                  0xffffffffu,
                                  0x100000000u,
                                  0x7fffffffffffffffu,
                                  0xffffffffffffffffu};
  for (const std::uint64_t value : values) {
    SCOPED_TRACE(value);
    SpanData span = make_span(value, value, value);
    span.trace_id.high = value;  // 128-bit: only the low half is the trace id
    span.start.wall_ns = static_cast<std::int64_t>(value >> 1);
    span.duration_ns = static_cast<std::int64_t>(value >> 1);
    const json encoded = encode_one(span);
    EXPECT_EQ(encoded.at("trace_id").get<std::uint64_t>(), value);
    EXPECT_EQ(encoded.at("span_id").get<std::uint64_t>(), value);
    EXPECT_EQ(encoded.at("parent_id").get<std::uint64_t>(), value);
    EXPECT_EQ(encoded.at("start").get<std::int64_t>(), static_cast<std::int64_t>(value >> 1));
    EXPECT_EQ(encoded.at("duration").get<std::int64_t>(), static_cast<std::int64_t>(value >> 1));
  }
  for (const std::int64_t start :
       {std::int64_t{-1}, std::int64_t{-32}, std::int64_t{-33}, std::int64_t{-128},
        std::int64_t{-129}, std::int64_t{-32769}, std::int64_t{INT32_MIN} - 1, INT64_MIN}) {
    SCOPED_TRACE(start);
    SpanData span = make_span(1, 2);
    span.start.wall_ns = start;
    EXPECT_EQ(encode_one(span).at("start").get<std::int64_t>(), start);
  }
}

TEST(SpanEncoder, KeysOfAProcessTagsLengthAreOnlyThatTagWhenEqual) {
  // The process-tag lookup compares keys of the same length only: near misses of the
  // same length must not suppress the process tags.
  SpanData span = make_span(1, 2, 0, "other-service");
  span.meta.set("languagE", "x");
  span.meta.set("runtime-iD", "x");
  span.meta.set("_dd.base_servicE", "x");
  span.metrics.set("process_iD", 1);
  const json encoded = encode_one(span);
  EXPECT_EQ(encoded.at("meta").size(), 6u);
  EXPECT_EQ(encoded.at("meta").at("language"), "cpp");
  EXPECT_EQ(encoded.at("meta").at("runtime-id"), kContext.runtime_id);
  EXPECT_EQ(encoded.at("meta").at("_dd.base_service"), "web-backend");
  EXPECT_EQ(encoded.at("metrics").size(), 2u);
  EXPECT_EQ(encoded.at("metrics").at("process_id").get<double>(), 4242.0);
}

TEST(SpanEncoder, ShortTextsOfEveryLengthInternedOwnedAndKeptInTheArea) {
  // Texts under 32 bytes are written as fixed-size runs from their records, which
  // write scratch past their end: every length, interned or owned (fields) and interned
  // or kept in the area (keys), comes back intact next to its neighbours.
  static int round = 0;
  ++round;
  for (std::size_t length = 0; length <= 40; ++length) {
    SCOPED_TRACE(length);
    const std::string text = pattern(length, 'a');
    // Unique per round and length: first sight on this thread, so kept in the area.
    std::string fresh = "z" + std::to_string(round * 100 + length) + "-" + pattern(40, 'A');
    fresh.resize(std::max<std::size_t>(length, 6));
    SpanData span = make_span(0x1234, 0x5678, 0, text);  // interned service
    span.name.assign_guarded(fresh);                     // owned (first sight)
    span.resource = pattern(length, 'c');
    span.type.assign_guarded(fresh + "t");
    const std::string interned_key = "i" + pattern(length, 'k');
    SpanString::intern(interned_key);
    span.meta.set(interned_key, pattern(length, 'v'));
    const std::string fresh_key = "k" + fresh;  // another first sight
    span.meta.set(fresh_key, pattern(length, 'w'));
    span.meta.set_known(span_keys::kEnv, pattern(length, 'e'));
    const json encoded = encode_one(span);
    EXPECT_EQ(encoded.at("service"), text);
    EXPECT_EQ(encoded.at("name"), fresh);
    EXPECT_EQ(encoded.at("resource"), length == 0 ? fresh : pattern(length, 'c'));  // or name
    EXPECT_EQ(encoded.at("type"), fresh + "t");
    const json& meta = encoded.at("meta");
    EXPECT_EQ(meta.at(interned_key), pattern(length, 'v'));
    EXPECT_EQ(meta.at(fresh_key), pattern(length, 'w'));
    EXPECT_EQ(meta.at("env"), pattern(length, 'e'));
    EXPECT_EQ(meta.size(), 6u);  // and language, runtime-id, _dd.base_service
  }
}

TEST(SpanEncoder, ProcessTagsSetOnAFreshThreadByTextOrIdAreNotAddedTwice) {
  // A process tag's key always carries its fixed id, however it was set: the encoder
  // recognizes it by its key word.
  json encoded;
  std::thread([&] {
    SpanData span = make_span(1, 2, 0, "other-service");
    span.meta.set(std::string("language"), "rust");
    span.meta.set_known(span_keys::kRuntimeId, "own-runtime");
    span.meta.set(std::string("_dd.base_service"), "own-base");
    span.metrics.set(std::string("process_id"), 7);
    encoded = encode_one(span);
  }).join();
  EXPECT_EQ(encoded.at("meta").size(), 3u);
  EXPECT_EQ(encoded.at("meta").at("language"), "rust");
  EXPECT_EQ(encoded.at("meta").at("runtime-id"), "own-runtime");
  EXPECT_EQ(encoded.at("meta").at("_dd.base_service"), "own-base");
  EXPECT_EQ(encoded.at("metrics").size(), 1u);
  EXPECT_EQ(encoded.at("metrics").at("process_id").get<double>(), 7.0);
}

TEST(SpanEncoder, EmptyKeyInAFreshAndARecycledArea) {
  // A zeroed or recycled entry place reads as id 0, whose record is the empty text: the
  // empty key must still be kept in the area (it has no id) and written as itself.
  SpanData span = make_span(1, 2);
  for (int round = 0; round < 2; ++round) {
    span.meta.clear();
    span.meta.set("", "empty-key");
    span.meta.set("k", "v");
    EXPECT_EQ(*span.meta.find(""), "empty-key");
    const json encoded = encode_one(span);
    EXPECT_EQ(encoded.at("meta").at(""), "empty-key");
    EXPECT_EQ(encoded.at("meta").at("k"), "v");
    EXPECT_EQ(encoded.at("meta").size(), 4u);  // and language, runtime-id
  }
}

TEST(SpanEncoder, ManySpansIntoAReusedByteBufferMatchAFreshEncoding) {
  // The exporter's buffer is reused from one trace to the next; what it held before
  // must not leak into the next chunk.
  OwnedChunk big = testing::make_chunk(7, 30);
  for (auto& span : big.storage) span->meta.set("payload", std::string(500, 'p'));
  OwnedChunk small = testing::make_chunk(8, 2);
  ByteBuffer buffer;
  for (const OwnedChunk* owned : {&big, &small, &big}) {
    buffer.clear();
    encode_chunk(buffer, owned->chunk, kContext);
    std::string fresh;
    encode_chunk(fresh, owned->chunk, kContext);
    EXPECT_EQ(buffer.view(), fresh);
  }
}

}  // namespace
}  // namespace gatetrace
