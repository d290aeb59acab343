#include "tracestate.h"

#include <algorithm>
#include <array>

#include "codec.h"
#include "trace_tags.h"

namespace gatetrace {
namespace propagation {
namespace {

bool is_lcalpha(char c) noexcept { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_key_char(char c) noexcept {
  return is_lcalpha(c) || is_digit(c) || c == '_' || c == '-' || c == '*' || c == '/';
}

bool all_key_chars(std::string_view text) noexcept {
  return std::all_of(text.begin(), text.end(), is_key_char);
}

// Visits the list members of a comma-separated list, OWS trimmed, empty ones skipped
// (the W3C grammar allows them). Stops early when `visit` returns false.
template <typename Visit>
bool for_each_member(std::string_view list, Visit&& visit) {
  std::size_t begin = 0;
  while (begin <= list.size()) {
    std::size_t end = list.find(',', begin);
    if (end == std::string_view::npos) end = list.size();
    const std::string_view member = trim_ows(list.substr(begin, end - begin));
    if (!member.empty() && !visit(member)) return false;
    begin = end + 1;
  }
  return true;
}

// Splits "key=value"; false when there is no '=' or either side is invalid.
bool split_member(std::string_view member, std::string_view& key, std::string_view& value) {
  const std::size_t equals = member.find('=');
  if (equals == std::string_view::npos) return false;
  key = member.substr(0, equals);
  value = member.substr(equals + 1);
  return is_valid_tracestate_key(key) && is_valid_tracestate_value(value);
}

std::string decode_tilde(std::string_view text) {
  std::string out(text);
  std::replace(out.begin(), out.end(), '~', '=');
  return out;
}

void parse_datadog_member(std::string_view value, ParsedTracestate& out) {
  std::size_t begin = 0;
  while (begin <= value.size()) {
    std::size_t end = value.find(';', begin);
    if (end == std::string_view::npos) end = value.size();
    const std::string_view field = value.substr(begin, end - begin);
    begin = end + 1;
    const std::size_t colon = field.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    const std::string_view key = field.substr(0, colon);
    const std::string_view field_value = field.substr(colon + 1);
    if (key == "s") {
      if (const auto priority = parse_decimal_int(field_value)) out.sampling_priority = *priority;
    } else if (key == "o") {
      if (!field_value.empty()) out.origin = decode_tilde(field_value);
    } else if (key == "p") {
      if (field_value.size() == 16 && is_hex(field_value, HexCase::kLowerOnly)) {
        out.last_parent_id = std::string(field_value);
      }
    } else if (key.size() > 2 && key.compare(0, 2, "t.") == 0) {
      std::string tag_key(kPropagatingTagPrefix);
      tag_key.append(key.substr(2));
      // traceparent carries the whole trace id; a t.tid could only disagree with it.
      if (tag_key == kTraceIdHighTag) continue;
      std::string tag_value = decode_tilde(field_value);
      if (!is_valid_trace_tag_key(tag_key) || !is_valid_trace_tag_value(tag_value)) continue;
      out.trace_tags.emplace_back(std::move(tag_key), std::move(tag_value));
    } else {
      if (!out.additional_datadog.empty()) out.additional_datadog.push_back(';');
      out.additional_datadog.append(field);
    }
  }
}

// tracestate values must not contain ',' '=' and, inside the dd member, ';' and '~'
// are its own separators and escape: Datadog replaces them with '_' and writes '='
// as '~'. A trailing space is replaced too, since a value must end in a non-blank.
void append_dd_value(std::string& out, std::string_view value) {
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '=') {
      out.push_back('~');
    } else if (c < 0x20 || c > 0x7e || c == ',' || c == ';' || c == '~' ||
               (c == ' ' && i + 1 == value.size())) {
      out.push_back('_');
    } else {
      out.push_back(c);
    }
  }
}

// Keys of the dd member's t.* fields also may not hold spaces or ':'.
void append_dd_key(std::string& out, std::string_view key) {
  for (const char c : key) {
    const bool bad =
        c < 0x21 || c > 0x7e || c == ',' || c == ';' || c == '~' || c == '=' || c == ':';
    out.push_back(bad ? '_' : c);
  }
}

// Appends `;piece` built by `build` when the member stays within its length limit.
template <typename Build>
void append_if_fits(std::string& out, std::size_t member_start, Build&& build) {
  const std::size_t before = out.size();
  out.push_back(';');
  build(out);
  if (out.size() - member_start > kDatadogMemberMaxLength) out.resize(before);
}

}  // namespace

bool is_valid_tracestate_key(std::string_view key) noexcept {
  if (key.empty() || key.size() > 256) return false;
  const std::size_t at = key.find('@');
  if (at == std::string_view::npos) return is_lcalpha(key.front()) && all_key_chars(key);
  const std::string_view tenant = key.substr(0, at);
  const std::string_view system = key.substr(at + 1);
  return !tenant.empty() && tenant.size() <= 241 &&
         (is_lcalpha(tenant[0]) || is_digit(tenant[0])) && all_key_chars(tenant) &&
         !system.empty() && system.size() <= 14 && is_lcalpha(system[0]) && all_key_chars(system);
}

bool is_valid_tracestate_value(std::string_view value) noexcept {
  if (value.empty() || value.size() > kTracestateMaxValueLength) return false;
  for (const char c : value) {
    if (c < 0x20 || c > 0x7e || c == ',' || c == '=') return false;
  }
  return value.back() != ' ';
}

bool parse_tracestate(std::string_view header, ParsedTracestate& out, std::string& why) {
  out = ParsedTracestate{};
  std::array<std::string_view, kTracestateMaxMembers> keys;
  std::size_t count = 0;
  std::string_view datadog_value;
  bool has_datadog = false;
  const bool valid = for_each_member(header, [&](std::string_view member) {
    std::string_view key;
    std::string_view value;
    if (!split_member(member, key, value)) {
      why = "malformed list member " + quote_for_message(member);
      return false;
    }
    if (count == kTracestateMaxMembers) {
      why = "more than 32 list members";
      return false;
    }
    if (std::find(keys.begin(), keys.begin() + count, key) != keys.begin() + count) {
      why = "duplicate key " + quote_for_message(key);
      return false;
    }
    keys[count++] = key;
    if (key == "dd") {
      datadog_value = value;
      has_datadog = true;
    } else {
      if (!out.additional_w3c.empty()) out.additional_w3c.push_back(',');
      out.additional_w3c.append(member);
    }
    return true;
  });
  if (!valid) {
    out = ParsedTracestate{};
    return false;
  }
  if (has_datadog) parse_datadog_member(datadog_value, out);
  return true;
}

void encode_tracestate(const InjectionContext& context, std::string& out) {
  const std::size_t member_start = out.size();
  out += "dd=s:";
  append_int(out, context.sampling_priority);
  out += ";p:";
  append_hex16(out, context.span_id);
  if (context.origin != nullptr && !context.origin->empty()) {
    append_if_fits(out, member_start, [&](std::string& o) {
      o += "o:";
      append_dd_value(o, *context.origin);
    });
  }
  if (context.trace_tags != nullptr) {
    for (const auto& tag : *context.trace_tags) {
      // Named references, not structured bindings: clang 14 cannot capture those.
      const std::string& key = tag.first;
      const std::string& value = tag.second;
      if (key.size() <= kPropagatingTagPrefix.size() ||
          key.compare(0, kPropagatingTagPrefix.size(), kPropagatingTagPrefix) != 0 ||
          key == kTraceIdHighTag || value.empty()) {
        continue;
      }
      append_if_fits(out, member_start, [&](std::string& o) {
        o += "t.";
        append_dd_key(o, std::string_view(key).substr(kPropagatingTagPrefix.size()));
        o.push_back(':');
        append_dd_value(o, value);
      });
    }
  }
  if (context.additional_datadog_w3c_tracestate != nullptr) {
    const std::string_view extra = *context.additional_datadog_w3c_tracestate;
    std::size_t begin = 0;
    while (begin < extra.size()) {
      std::size_t end = extra.find(';', begin);
      if (end == std::string_view::npos) end = extra.size();
      const std::string_view field = extra.substr(begin, end - begin);
      begin = end + 1;
      // Only well-formed `key:value` fields that a tracestate value may hold.
      if (field.find(':') == std::string_view::npos || field.front() == ':' ||
          !is_valid_tracestate_value(field)) {
        continue;
      }
      append_if_fits(out, member_start, [&](std::string& o) { o.append(field); });
    }
  }

  if (context.additional_w3c_tracestate == nullptr) return;
  std::array<std::string_view, kTracestateMaxMembers> keys;
  std::size_t count = 1;
  keys[0] = "dd";
  for_each_member(*context.additional_w3c_tracestate, [&](std::string_view member) {
    std::string_view key;
    std::string_view value;
    if (!split_member(member, key, value)) return true;
    if (std::find(keys.begin(), keys.begin() + count, key) != keys.begin() + count) return true;
    keys[count++] = key;
    out.push_back(',');
    out.append(member);
    return count < kTracestateMaxMembers;
  });
}

}  // namespace propagation
}  // namespace gatetrace
