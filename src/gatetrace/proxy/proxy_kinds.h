// The one table of API-gateway kinds gatetrace infers spans for. Each row says what the
// gateway's `x-dd-proxy` header value is, what the inferred span is called, whether the
// gateway must send its own timestamp, and whether the AWS tags apply. The header
// parser, the span builder, the startup log and the README follow this table; adding a
// gateway is adding a row.
#pragma once

#include <string_view>

namespace gatetrace {

struct ProxyKind {
  std::string_view header_value;  // x-dd-proxy, lowercase; also the `component` tag
  std::string_view span_name;
  bool timestamp_required;
  bool aws_tags;  // account_id, apiid, aws_user, stage, dd_resource_key
  // `dd_resource_key` = prefix + region + infix + api id; empty: no resource key.
  std::string_view resource_key_infix;
};

inline constexpr ProxyKind kProxyKinds[] = {
    {"azure-apim", "azure.apim", true, false, ""},
    {"aws-apigateway", "aws.apigateway", true, true, "::/restapis/"},
    {"aws-httpapi", "aws.httpapi", true, true, "::/apis/"},
    {"azure-gw", "azure.app-gateway", false, false, ""},
    {"azure-fd", "azure.frontdoor", false, false, ""},
};

// Every header value has 8 to 16 bytes, so that code on the request path reads one as
// two 8-byte words, its first and last 8 (overlapping when shorter than 16), without a
// loop or a size test: find_proxy_kind compares them, the inferred span copies them.
constexpr bool proxy_kind_values_have_8_to_16_bytes() {
  for (const ProxyKind& kind : kProxyKinds) {
    if (kind.header_value.size() < 8 || kind.header_value.size() > 16) return false;
  }
  return true;
}
static_assert(proxy_kind_values_have_8_to_16_bytes(),
              "a kind's header value has 8 to 16 bytes (find_proxy_kind, the component tag)");

// The kind whose header value equals `value` ASCII-case-insensitively, or null.
const ProxyKind* find_proxy_kind(std::string_view value);

}  // namespace gatetrace
