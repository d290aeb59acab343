#include "gatetrace/config/parse_values.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "gatetrace/dict_reader.h"

namespace gatetrace {
namespace {

Error make_error(Error::Code code, std::string_view variable, std::string_view text,
                 std::string_view what) {
  return Error{code, fmt::format("{}: '{}' {}", variable, text, what)};
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string_view trim(std::string_view text) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

Expected<bool> parse_bool(std::string_view variable, std::string_view text) {
  const std::string value = lowercase(trim(text));
  if (value == "true" || value == "1" || value == "yes") return true;
  if (value == "false" || value == "0" || value == "no") return false;
  return make_error(Error::kInvalidBoolean, variable, text,
                    "is not a boolean (use true/false, 1/0 or yes/no)");
}

Expected<std::uint64_t> parse_uint(std::string_view variable, std::string_view text) {
  const std::string_view value = trim(text);
  std::uint64_t result = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), result);
  if (value.empty() || ec == std::errc::invalid_argument || end != value.data() + value.size()) {
    return make_error(Error::kInvalidInteger, variable, text, "is not a non-negative integer");
  }
  if (ec == std::errc::result_out_of_range) {
    return make_error(Error::kOutOfRange, variable, text, "is too large");
  }
  return result;
}

Expected<double> parse_double(std::string_view variable, std::string_view text) {
  const std::string value(trim(text));
  char* end = nullptr;
  const double result = value.empty() ? 0 : std::strtod(value.c_str(), &end);
  if (value.empty() || end != value.c_str() + value.size() || !std::isfinite(result)) {
    return make_error(Error::kInvalidDouble, variable, text, "is not a number");
  }
  return result;
}

Expected<double> parse_rate(std::string_view variable, std::string_view text) {
  auto rate = parse_double(variable, text);
  if (!rate) return rate;
  if (*rate < 0 || *rate > 1) {
    return make_error(Error::kOutOfRange, variable, text, "is not a rate between 0 and 1");
  }
  return rate;
}

Expected<StringPairs> parse_tags(std::string_view variable, std::string_view text) {
  StringPairs tags;
  const char separator = text.find(',') != std::string_view::npos ? ',' : ' ';
  std::size_t begin = 0;
  while (begin <= text.size()) {
    std::size_t end = text.find(separator, begin);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view item = trim(text.substr(begin, end - begin));
    begin = end + 1;
    if (item.empty()) continue;
    const std::size_t colon = item.find(':');
    const std::string_view key = trim(item.substr(0, colon));
    const std::string_view value =
        colon == std::string_view::npos ? std::string_view{} : trim(item.substr(colon + 1));
    if (key.empty()) {
      return make_error(Error::kInvalidTags, variable, text,
                        fmt::format("has a tag without a name: '{}'", item));
    }
    bool replaced = false;
    for (auto& [existing_key, existing_value] : tags) {
      if (existing_key == key) {
        existing_value.assign(value);
        replaced = true;
      }
    }
    if (!replaced) tags.emplace_back(std::string(key), std::string(value));
  }
  return tags;
}

std::vector<std::string> parse_list(std::string_view text) {
  std::vector<std::string> items;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    std::size_t end = text.find(',', begin);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view item = trim(text.substr(begin, end - begin));
    if (!item.empty()) items.emplace_back(item);
    begin = end + 1;
  }
  return items;
}

Expected<HttpStatusSet> parse_status_set(std::string_view variable, std::string_view text) {
  HttpStatusSet set;
  const auto parse_code = [](std::string_view digits, int& out) {
    digits = trim(digits);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
    return !digits.empty() && ec == std::errc{} && end == digits.data() + digits.size() &&
           out >= 100 && out <= 599;
  };
  for (const std::string& item : parse_list(text)) {
    const std::size_t dash = item.find('-');
    int first = 0;
    int last = 0;
    const bool ok = dash == std::string::npos
                        ? parse_code(item, first) && parse_code(item, last)
                        : parse_code(std::string_view(item).substr(0, dash), first) &&
                              parse_code(std::string_view(item).substr(dash + 1), last);
    if (!ok || first > last) {
      return make_error(Error::kInvalidStatusCodes, variable, text,
                        fmt::format("has an invalid status or range '{}' (use codes 100-599, "
                                    "e.g. '500-599,429')",
                                    item));
    }
    set.add(first, last);
  }
  return set;
}

Expected<AgentUrl> parse_agent_url(std::string_view variable, std::string_view text) {
  const std::string_view value = trim(text);
  AgentUrl url;
  constexpr std::string_view kUnix = "unix://";
  constexpr std::string_view kHttp = "http://";
  if (value.substr(0, kUnix.size()) == kUnix) {
    url.scheme = AgentUrl::Scheme::kUnix;
    url.socket_path = std::string(value.substr(kUnix.size()));
    if (url.socket_path.empty() || url.socket_path.front() != '/') {
      return make_error(Error::kInvalidUrl, variable, text,
                        "is not a valid Unix socket URL (use unix:///absolute/path)");
    }
    return url;
  }
  if (value.substr(0, kHttp.size()) != kHttp) {
    return make_error(Error::kInvalidUrl, variable, text,
                      "is not a supported agent URL (use http://host:port or unix:///path)");
  }
  std::string_view rest = value.substr(kHttp.size());
  const std::size_t slash = rest.find('/');
  if (slash != std::string_view::npos) {
    if (rest.substr(slash) != "/") {
      return make_error(Error::kInvalidUrl, variable, text, "must not have a path");
    }
    rest = rest.substr(0, slash);
  }
  std::string_view host = rest;
  if (!rest.empty() && rest.front() == '[') {  // [::1]:8126
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) {
      return make_error(Error::kInvalidUrl, variable, text, "has an unterminated IPv6 host");
    }
    host = rest.substr(0, close + 1);
    rest = rest.substr(close + 1);
  } else {
    const std::size_t colon = rest.rfind(':');
    host = rest.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon);
  }
  if (host.empty()) return make_error(Error::kInvalidUrl, variable, text, "has no host");
  url.host = std::string(host);
  if (!rest.empty()) {
    if (rest.front() != ':') return make_error(Error::kInvalidUrl, variable, text, "is malformed");
    auto port = parse_uint(variable, rest.substr(1));
    if (!port || *port == 0 || *port > 65535) {
      return make_error(Error::kInvalidUrl, variable, text, "has an invalid port");
    }
    url.port = static_cast<int>(*port);
  }
  return url;
}

Expected<StringPairs> parse_header_tags(std::string_view variable, std::string_view text) {
  StringPairs result;
  for (const std::string& item : parse_list(text)) {
    // The header is everything up to the last ':' (header names cannot contain ':').
    const std::size_t colon = item.find(':');
    std::string header = lowercase(trim(std::string_view(item).substr(0, colon)));
    std::string tag = colon == std::string::npos
                          ? std::string{}
                          : std::string(trim(std::string_view(item).substr(colon + 1)));
    if (header.empty()) {
      return make_error(Error::kInvalidTags, variable, text,
                        fmt::format("has an entry without a header name: '{}'", item));
    }
    if (tag.empty()) {
      std::string normalized = header;
      for (char& c : normalized) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') c = '_';
      }
      tag = "http.request.headers." + normalized;
    }
    result.emplace_back(std::move(header), std::move(tag));
  }
  return result;
}

}  // namespace gatetrace
