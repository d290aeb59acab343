// Fuzzes x-datadog-tags: the decoder on its own (a header that decodes holds only
// valid keys and values; encoding the propagating ones and decoding again gives them
// back), then as part of a datadog-style extraction with a fixed trace and parent.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "gatetrace/propagation/propagation.h"
#include "gatetrace/propagation/trace_tags.h"

namespace {

namespace propagation = gatetrace::propagation;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view header = gatetrace::fuzz::as_text(data, size);

  gatetrace::TagList tags;
  if (propagation::decode_trace_tags(header, tags)) {
    gatetrace::TagList propagating;
    for (const auto& [key, value] : tags) {
      GATETRACE_FUZZ_CHECK(propagation::is_valid_trace_tag_key(key));
      GATETRACE_FUZZ_CHECK(propagation::is_valid_trace_tag_value(value));
      GATETRACE_FUZZ_CHECK(key.find(',') == std::string::npos);
      GATETRACE_FUZZ_CHECK(key.find('=') == std::string::npos);
      GATETRACE_FUZZ_CHECK(value.find(',') == std::string::npos);
      if (key.rfind(propagation::kPropagatingTagPrefix, 0) == 0 &&
          key != propagation::kTraceIdHighTag) {
        propagating.push_back({key, value});
      }
    }
    std::string encoded;
    GATETRACE_FUZZ_CHECK(propagation::encode_trace_tags(0xabcdef, &tags, encoded) ==
                         propagation::EncodeTagsResult::kOk);
    GATETRACE_FUZZ_CHECK(gatetrace::fuzz::printable_ascii(encoded));
    gatetrace::TagList decoded;
    GATETRACE_FUZZ_CHECK(propagation::decode_trace_tags(encoded, decoded));
    GATETRACE_FUZZ_CHECK(!decoded.empty());
    GATETRACE_FUZZ_CHECK(decoded.front().first == propagation::kTraceIdHighTag &&
                         decoded.front().second == "0000000000abcdef");
    decoded.erase(decoded.begin());
    GATETRACE_FUZZ_CHECK(decoded == propagating);
  }

  // Through extraction: the trace is extracted whatever the tags hold, and the tags are
  // either all kept (the propagating ones) or dropped with a propagation error.
  const gatetrace::HeaderListReader::Headers headers = {
      {"x-datadog-trace-id", "1234"},
      {"x-datadog-parent-id", "5678"},
      {"x-datadog-sampling-priority", "1"},
      {"x-datadog-tags", header},
  };
  const gatetrace::HeaderListReader reader(headers);
  gatetrace::PropagationSettings settings;
  settings.extract = {gatetrace::PropagationStyle::kDatadog};
  const auto context = gatetrace::extract_context(reader, settings);
  GATETRACE_FUZZ_CHECK(context.has_trace() && context.trace_id.low == 1234);
  GATETRACE_FUZZ_CHECK(context.parent_id == std::uint64_t{5678});
  if (!context.propagation_error) {
    GATETRACE_FUZZ_CHECK(header.size() <= settings.x_datadog_tags_max_length);
    for (const auto& [key, value] : context.trace_tags) {
      GATETRACE_FUZZ_CHECK(key.rfind(propagation::kPropagatingTagPrefix, 0) == 0);
      GATETRACE_FUZZ_CHECK(key != propagation::kTraceIdHighTag);
    }
  } else {
    GATETRACE_FUZZ_CHECK(gatetrace::fuzz::printable_ascii(*context.propagation_error) ||
                         context.propagation_error->rfind("malformed_tid ", 0) == 0);
  }
  return 0;
}
