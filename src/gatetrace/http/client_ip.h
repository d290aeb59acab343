// Client IP resolution for `http.client_ip` (DD_TRACE_CLIENT_IP_ENABLED): the address of
// the client behind proxies and load balancers, read from the usual forwarding headers
// as Datadog's tracers read them. Headers are tried in a fixed order; inside each, the
// addresses are tried left to right (the original client comes first). The first public
// address wins; failing that, the first private one; failing that, the peer address.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "gatetrace/dict_reader.h"

namespace gatetrace {

// The headers consulted, in order.
extern const std::string_view kClientIpHeaders[10];

// A parsed address: the canonical text and whether it is publicly routable.
struct ParsedIp {
  std::string text;
  bool is_public = false;
};

// Parses one address as found in a header: IPv4, IPv6, either with a port
// ("1.2.3.4:80", "[::1]:80"), optionally quoted. nullopt when it is none of these.
std::optional<ParsedIp> parse_ip(std::string_view text);

// The client's address, or nullopt when neither the headers nor the peer name one.
std::optional<std::string> resolve_client_ip(const DictReader& headers,
                                             std::string_view peer_address);

}  // namespace gatetrace
