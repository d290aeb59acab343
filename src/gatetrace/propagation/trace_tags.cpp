#include "trace_tags.h"

#include <cstring>

#include "codec.h"

namespace gatetrace {
namespace propagation {

bool is_valid_trace_tag_key(std::string_view key) noexcept {
  if (key.empty()) return false;
  for (const char c : key) {
    if (c < 0x21 || c > 0x7e || c == ',' || c == '=') return false;
  }
  return true;
}

bool is_valid_trace_tag_value(std::string_view value) noexcept {
  if (value.empty()) return false;
  for (const char c : value) {
    if (c < 0x20 || c > 0x7e || c == ',') return false;
  }
  return true;
}

bool decode_trace_tags(std::string_view header, TagList& tags) {
  tags.clear();
  header = trim_ows(header);
  if (header.empty()) return true;
  std::size_t begin = 0;
  while (begin <= header.size()) {
    std::size_t end = header.find(',', begin);
    if (end == std::string_view::npos) end = header.size();
    const std::string_view member = header.substr(begin, end - begin);
    const std::size_t equals = member.find('=');
    if (equals == std::string_view::npos) return false;
    const std::string_view key = trim_ows(member.substr(0, equals));
    const std::string_view value = trim_ows(member.substr(equals + 1));
    if (!is_valid_trace_tag_key(key) || !is_valid_trace_tag_value(value)) return false;
    tags.emplace_back(std::string(key), std::string(value));
    begin = end + 1;
  }
  return true;
}

EncodeTagsResult encode_trace_tags(std::uint64_t trace_id_high, const TagList* tags,
                                   ValueBuffer& out) {
  if (trace_id_high != 0) {
    // "_dd.p.tid=" and 16 digits through one reservation.
    constexpr std::size_t kSize = kTraceIdHighTag.size() + 1 + 16;
    char* const p = out.reserve_more(kSize);
    std::memcpy(p, kTraceIdHighTag.data(), kTraceIdHighTag.size());
    p[kTraceIdHighTag.size()] = '=';
    format_hex16(p + kTraceIdHighTag.size() + 1, trace_id_high);
    out.commit(kSize);
  }
  if (tags == nullptr) return EncodeTagsResult::kOk;
  for (const auto& [key, value] : *tags) {
    if (key.compare(0, kPropagatingTagPrefix.size(), kPropagatingTagPrefix) != 0) continue;
    if (key == kTraceIdHighTag) continue;
    if (!is_valid_trace_tag_key(key) || !is_valid_trace_tag_value(value)) {
      return EncodeTagsResult::kInvalidTag;
    }
    if (!out.empty()) out.push_back(',');
    out.append(key);
    out.push_back('=');
    out.append(value);
  }
  return EncodeTagsResult::kOk;
}

EncodeTagsResult encode_trace_tags(std::uint64_t trace_id_high, const TagList* tags,
                                   std::string& out) {
  // `out` may hold a list already: the first tag is then comma-separated from it.
  ValueBuffer buffer;
  buffer.append(out);
  const EncodeTagsResult result = encode_trace_tags(trace_id_high, tags, buffer);
  out.assign(buffer.view());
  return result;
}

}  // namespace propagation
}  // namespace gatetrace
