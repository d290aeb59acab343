#include "gatetrace/http/client_ip.h"

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <cstring>

namespace gatetrace {

const std::string_view kClientIpHeaders[10] = {
    "x-forwarded-for",  "x-real-ip",          "true-client-ip",      "x-client-ip",
    "forwarded",        "forwarded-for",      "x-cluster-client-ip", "fastly-client-ip",
    "cf-connecting-ip", "cf-connecting-ipv6",
};

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool is_private_v4(const std::uint8_t* a) {
  return a[0] == 0 || a[0] == 10 || a[0] == 127 ||
         (a[0] == 100 && (a[1] & 0xc0) == 64) ||  // 100.64.0.0/10, carrier-grade NAT
         (a[0] == 169 && a[1] == 254) ||          // link-local
         (a[0] == 172 && (a[1] & 0xf0) == 16) ||  // 172.16.0.0/12
         (a[0] == 192 && a[1] == 168);
}

bool is_private_v6(const std::uint8_t* a) {
  static const std::uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(a, kMappedPrefix, 12) == 0) return is_private_v4(a + 12);
  bool zero_prefix = true;
  for (int i = 0; i < 15; ++i) zero_prefix = zero_prefix && a[i] == 0;
  if (zero_prefix && (a[15] == 0 || a[15] == 1)) return true;  // :: and ::1
  if ((a[0] & 0xfe) == 0xfc) return true;                      // fc00::/7, unique local
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return true;      // fe80::/10, link-local
  return false;
}

}  // namespace

std::optional<ParsedIp> parse_ip(std::string_view text) {
  text = trim(text);
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    text = trim(text.substr(1, text.size() - 2));
  }
  if (text.empty() || text.size() > 64) return std::nullopt;
  if (text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    text = text.substr(1, close - 1);
  } else if (text.find(':') == text.rfind(':') && text.find('.') != std::string_view::npos) {
    text = text.substr(0, text.find(':'));  // IPv4 with an optional port
  }
  char buffer[65];
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  std::uint8_t bytes[16];
  char canonical[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, buffer, bytes) == 1) {
    inet_ntop(AF_INET, bytes, canonical, sizeof(canonical));
    return ParsedIp{canonical, !is_private_v4(bytes)};
  }
  if (inet_pton(AF_INET6, buffer, bytes) == 1) {
    inet_ntop(AF_INET6, bytes, canonical, sizeof(canonical));
    return ParsedIp{canonical, !is_private_v6(bytes)};
  }
  return std::nullopt;
}

std::optional<std::string> resolve_client_ip(const DictReader& headers,
                                             std::string_view peer_address) {
  std::optional<std::string> first_private;
  auto consider = [&](std::string_view candidate) -> std::optional<std::string> {
    auto ip = parse_ip(candidate);
    if (!ip) return std::nullopt;
    if (ip->is_public) return std::move(ip->text);
    if (!first_private) first_private = std::move(ip->text);
    return std::nullopt;
  };
  auto each_element = [](std::string_view list, auto&& visit) -> std::optional<std::string> {
    while (!list.empty()) {
      const std::size_t comma = list.find(',');
      auto found = visit(list.substr(0, comma));
      if (found) return found;
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
    return std::nullopt;
  };

  // RFC 7239: `Forwarded: for=192.0.2.60;proto=http, for="[2001:db8::1]:4711"`.
  auto forwarded_element = [&](std::string_view element) {
    std::optional<std::string> result;
    while (!element.empty() && !result) {
      const std::size_t semicolon = element.find(';');
      std::string_view pair = trim(element.substr(0, semicolon));
      if (pair.size() > 4 && equals_ignore_case(pair.substr(0, 4), "for=")) {
        result = consider(pair.substr(4));
      }
      if (semicolon == std::string_view::npos) break;
      element.remove_prefix(semicolon + 1);
    }
    return result;
  };

  for (std::string_view name : kClientIpHeaders) {
    auto value = headers.lookup(name);
    if (!value) continue;
    auto found = name == "forwarded" ? each_element(*value, forwarded_element)
                                     : each_element(*value, consider);
    if (found) return found;
  }
  if (first_private) return first_private;
  if (auto peer = parse_ip(peer_address)) return std::move(peer->text);
  return std::nullopt;
}

}  // namespace gatetrace
