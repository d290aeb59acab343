// Fuzzes the v0.4 chunk encoder and the msgpack writer under it: spans built from the
// fuzz input (strings of arbitrary bytes and lengths around every msgpack size class,
// any ids, metrics including NaN and infinities, links) are encoded, decoded with
// nlohmann::json::from_msgpack and compared field by field. Map sizes are compared too:
// the decoder keeps one of two duplicate keys silently, so a duplicate shows up only as
// a map smaller than the span it came from.
#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzz_support.h"
#include "gatetrace/export/span_encoder.h"

namespace {

using nlohmann::json;

// A string whose length often lands on a msgpack boundary (fixstr 31, str8 255,
// str16 65535 is out of reach of small inputs, so its threshold is forced sometimes).
std::string fuzzed_string(FuzzedDataProvider& input) {
  switch (input.ConsumeIntegralInRange<int>(0, 31)) {
    case 0:
      return std::string(31 + input.ConsumeIntegralInRange<int>(0, 1), 'a');
    case 1:
      return std::string(255 + input.ConsumeIntegralInRange<int>(0, 1), '\xff');
    case 2:
      return std::string(65535 + input.ConsumeIntegralInRange<int>(0, 1), '\0');
    default:
      return input.ConsumeRandomLengthString(300);
  }
}

double fuzzed_double(FuzzedDataProvider& input) {
  switch (input.ConsumeIntegralInRange<int>(0, 5)) {
    case 0:
      return std::numeric_limits<double>::quiet_NaN();
    case 1:
      return std::numeric_limits<double>::infinity();
    case 2:
      return -std::numeric_limits<double>::infinity();
    case 3:
      return static_cast<double>(input.ConsumeIntegral<std::int64_t>());
    default:
      return input.ConsumeFloatingPoint<double>();
  }
}

gatetrace::TraceId fuzzed_trace_id(FuzzedDataProvider& input) {
  gatetrace::TraceId id;
  id.low = input.ConsumeIntegral<std::uint64_t>();
  if (input.ConsumeBool()) id.high = input.ConsumeIntegral<std::uint64_t>();
  return id;
}

gatetrace::SpanData fuzzed_span(FuzzedDataProvider& input) {
  gatetrace::SpanData span;
  span.trace_id = fuzzed_trace_id(input);
  span.span_id = input.ConsumeIntegral<std::uint64_t>();
  span.parent_id = input.ConsumeIntegral<std::uint64_t>();
  span.service = fuzzed_string(input);
  span.name = fuzzed_string(input);
  span.resource = fuzzed_string(input);
  span.type = fuzzed_string(input);
  span.start.wall_ns = input.ConsumeIntegral<std::int64_t>();
  span.duration_ns = input.ConsumeIntegral<std::int64_t>();
  span.error = input.ConsumeBool();
  const int meta = input.ConsumeIntegralInRange<int>(0, 20);
  for (int i = 0; i < meta; ++i) {
    // Now and then a key the encoder adds itself, to test that it does not add twice.
    static const char* const kProcessKeys[] = {"language", "runtime-id", "_dd.base_service"};
    std::string key = input.ConsumeIntegralInRange<int>(0, 5) == 0
                          ? kProcessKeys[input.ConsumeIntegralInRange<int>(0, 2)]
                          : fuzzed_string(input);
    span.meta.set(key, fuzzed_string(input));
    // Erased entries stay behind as spare slots: they must not be encoded.
    if (input.ConsumeIntegralInRange<int>(0, 7) == 0) span.meta.erase(key);
  }
  const int metrics = input.ConsumeIntegralInRange<int>(0, 20);
  for (int i = 0; i < metrics; ++i) {
    std::string key =
        input.ConsumeIntegralInRange<int>(0, 5) == 0 ? "process_id" : fuzzed_string(input);
    span.metrics.set(key, fuzzed_double(input));
    if (input.ConsumeIntegralInRange<int>(0, 7) == 0) span.metrics.erase(key);
  }
  const int links = input.ConsumeIntegralInRange<int>(0, 3);
  for (int i = 0; i < links; ++i) {
    gatetrace::SpanLink link;
    link.trace_id = fuzzed_trace_id(input);
    link.span_id = input.ConsumeIntegral<std::uint64_t>();
    const int attributes = input.ConsumeIntegralInRange<int>(0, 4);
    for (int a = 0; a < attributes; ++a) {
      // Attribute keys are unique where the tracer makes links (extraction).
      std::string key = fuzzed_string(input) + "#" + std::to_string(a);
      link.attributes.emplace_back(std::move(key), fuzzed_string(input));
    }
    if (input.ConsumeBool()) link.tracestate = fuzzed_string(input);
    if (input.ConsumeBool()) link.flags = input.ConsumeIntegral<std::uint32_t>();
    span.links.push_back(std::move(link));
  }
  return span;
}

bool same_double(double expected, const json& actual) {
  if (!actual.is_number_float()) return false;
  const double value = actual.get<double>();
  if (std::isnan(expected)) return std::isnan(value);
  // Bit-exact: float64 is written as is (this also tells 0.0 from -0.0).
  return std::signbit(value) == std::signbit(expected) && value == expected;
}

// Keys may hold NUL bytes: they are compared as std::string, never as C strings.
void check_string(const json& map, const std::string& key, const std::string& expected) {
  const auto it = map.find(key);
  GATETRACE_FUZZ_CHECK(it != map.end() && it->is_string());
  GATETRACE_FUZZ_CHECK(it->get_ref<const std::string&>() == expected);
}

void check_uint(const json& map, const char* key, std::uint64_t expected) {
  const auto it = map.find(key);
  GATETRACE_FUZZ_CHECK(it != map.end() && it->is_number_unsigned());
  GATETRACE_FUZZ_CHECK(it->get<std::uint64_t>() == expected);
}

void check_int(const json& map, const char* key, std::int64_t expected) {
  const auto it = map.find(key);
  GATETRACE_FUZZ_CHECK(it != map.end() && it->is_number_integer());
  if (expected >= 0) {
    GATETRACE_FUZZ_CHECK(it->is_number_unsigned());
    GATETRACE_FUZZ_CHECK(it->get<std::uint64_t>() == static_cast<std::uint64_t>(expected));
  } else {
    GATETRACE_FUZZ_CHECK(it->get<std::int64_t>() == expected);
  }
}

void check_link(const json& encoded, const gatetrace::SpanLink& link) {
  GATETRACE_FUZZ_CHECK(encoded.is_object());
  std::size_t keys = 2;
  check_uint(encoded, "trace_id", link.trace_id.low);
  check_uint(encoded, "span_id", link.span_id);
  if (link.trace_id.high != 0) {
    check_uint(encoded, "trace_id_high", link.trace_id.high);
    ++keys;
  }
  if (!link.attributes.empty()) {
    const json& attributes = encoded.at("attributes");
    GATETRACE_FUZZ_CHECK(attributes.is_object() && attributes.size() == link.attributes.size());
    for (const auto& [key, value] : link.attributes) check_string(attributes, key, value);
    ++keys;
  }
  if (!link.tracestate.empty()) {
    check_string(encoded, "tracestate", link.tracestate);
    ++keys;
  }
  if (link.flags) {
    check_uint(encoded, "flags", *link.flags | 0x80000000u);
    ++keys;
  }
  GATETRACE_FUZZ_CHECK(encoded.size() == keys);
}

void check_span(const json& encoded, const gatetrace::SpanData& span,
                const gatetrace::EncodeContext& context) {
  GATETRACE_FUZZ_CHECK(encoded.is_object());
  GATETRACE_FUZZ_CHECK(encoded.size() == (span.links.empty() ? 12u : 13u));
  check_uint(encoded, "trace_id", span.trace_id.low);
  check_uint(encoded, "span_id", span.span_id);
  check_uint(encoded, "parent_id", span.parent_id);
  check_string(encoded, "name", span.name);
  check_string(encoded, "service", span.service);
  check_string(encoded, "resource", span.resource.empty() ? span.name : span.resource);
  check_string(encoded, "type", span.type);
  check_int(encoded, "start", span.start.wall_ns);
  check_int(encoded, "duration", span.duration_ns < 0 ? 0 : span.duration_ns);
  check_uint(encoded, "error", span.error ? 1 : 0);

  const json& meta = encoded.at("meta");
  GATETRACE_FUZZ_CHECK(meta.is_object());
  std::size_t meta_keys = span.meta.size();
  for (const auto& [key, value] : span.meta) {
    check_string(meta, std::string(key), std::string(value));
  }
  if (!span.meta.contains("language")) {
    check_string(meta, "language", "cpp");
    ++meta_keys;
  }
  if (!span.meta.contains("runtime-id") && !context.runtime_id.empty()) {
    check_string(meta, "runtime-id", std::string(context.runtime_id));
    ++meta_keys;
  }
  if (!span.meta.contains("_dd.base_service") && !context.default_service.empty() &&
      span.service != context.default_service) {
    check_string(meta, "_dd.base_service", std::string(context.default_service));
    ++meta_keys;
  }
  GATETRACE_FUZZ_CHECK(meta.size() == meta_keys);

  const json& metrics = encoded.at("metrics");
  GATETRACE_FUZZ_CHECK(metrics.is_object());
  std::size_t metric_keys = span.metrics.size();
  for (const auto& [key, value] : span.metrics) {
    const auto it = metrics.find(key.str());
    GATETRACE_FUZZ_CHECK(it != metrics.end() && same_double(value, *it));
  }
  if (!span.metrics.contains("process_id")) {
    const auto it = metrics.find("process_id");
    GATETRACE_FUZZ_CHECK(it != metrics.end() && same_double(context.process_id, *it));
    ++metric_keys;
  }
  GATETRACE_FUZZ_CHECK(metrics.size() == metric_keys);

  if (!span.links.empty()) {
    const json& links = encoded.at("span_links");
    GATETRACE_FUZZ_CHECK(links.is_array() && links.size() == span.links.size());
    for (std::size_t i = 0; i < span.links.size(); ++i) check_link(links[i], span.links[i]);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  const std::string default_service = input.ConsumeRandomLengthString(40);
  const std::string runtime_id = input.ConsumeRandomLengthString(40);
  gatetrace::EncodeContext context;
  context.default_service = default_service;
  context.runtime_id = runtime_id;
  context.process_id = fuzzed_double(input);

  std::vector<gatetrace::SpanData> spans;
  const int count = input.ConsumeIntegralInRange<int>(0, 8);
  for (int i = 0; i < count; ++i) spans.push_back(fuzzed_span(input));
  gatetrace::TraceChunk chunk;
  for (auto& span : spans) chunk.spans.push_back(&span);

  // The encoder appends: start from bytes that must stay untouched.
  const std::string prefix = input.ConsumeRandomLengthString(8);
  std::string out = prefix;
  gatetrace::encode_chunk(out, chunk, context);
  GATETRACE_FUZZ_CHECK(out.size() > prefix.size());
  GATETRACE_FUZZ_CHECK(out.compare(0, prefix.size(), prefix) == 0);

  // from_msgpack throws on malformed or trailing bytes: either is an encoder bug.
  json decoded;
  try {
    decoded =
        json::from_msgpack(out.begin() + static_cast<std::ptrdiff_t>(prefix.size()), out.end());
  } catch (const json::exception& error) {
    std::fprintf(stderr, "from_msgpack: %s\n", error.what());
    GATETRACE_FUZZ_CHECK(false);
  }
  GATETRACE_FUZZ_CHECK(decoded.is_array() && decoded.size() == spans.size());
  for (std::size_t i = 0; i < spans.size(); ++i) check_span(decoded[i], spans[i], context);
  return 0;
}
