#include "baggage.h"

#include <fmt/format.h>

#include "codec.h"
#include "styles.h"

namespace gatetrace {
namespace propagation {
namespace {

constexpr char kHexDigits[] = "0123456789ABCDEF";

// RFC 7230 tchar: what a baggage key may hold unencoded.
bool is_token_char(char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

// W3C baggage-octet minus '%', which must stay an escape introducer.
bool is_value_char(char c) noexcept {
  return c >= 0x21 && c <= 0x7e && c != '"' && c != ',' && c != ';' && c != '\\' && c != '%';
}

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool percent_decode(std::string_view text, std::string& out) {
  out.clear();
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '%') {
      out.push_back(c);
      continue;
    }
    if (i + 2 >= text.size()) return false;
    const int high = hex_digit(text[i + 1]);
    const int low = hex_digit(text[i + 2]);
    if (high < 0 || low < 0) return false;
    out.push_back(static_cast<char>((high << 4) | low));
    i += 2;
  }
  return true;
}

template <typename Allowed>
void percent_encode(std::string_view text, Allowed&& allowed, std::string& out) {
  for (const char c : text) {
    if (allowed(c)) {
      out.push_back(c);
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHexDigits[byte >> 4]);
      out.push_back(kHexDigits[byte & 0xf]);
    }
  }
}

}  // namespace

BaggageDecodeResult decode_baggage(std::string_view header, TagList& items) {
  const std::size_t original_size = items.size();
  bool truncated = false;
  std::size_t kept = 0;
  std::size_t begin = 0;
  std::string key;
  std::string value;
  while (begin <= header.size()) {
    std::size_t end = header.find(',', begin);
    if (end == std::string_view::npos) end = header.size();
    std::string_view item = header.substr(begin, end - begin);
    // The bytes this item occupies, its comma included, count toward the cap.
    const std::size_t item_end = end;
    begin = end + 1;
    item = trim_ows(item);
    if (item.empty()) continue;
    const std::size_t semicolon = item.find(';');
    if (semicolon != std::string_view::npos) item = item.substr(0, semicolon);
    const std::size_t equals = item.find('=');
    if (equals == std::string_view::npos) {
      items.resize(original_size);
      return BaggageDecodeResult::kMalformed;
    }
    const std::string_view raw_key = trim_ows(item.substr(0, equals));
    const std::string_view raw_value = trim_ows(item.substr(equals + 1));
    if (raw_key.empty() || !percent_decode(raw_key, key) || !percent_decode(raw_value, value)) {
      items.resize(original_size);
      return BaggageDecodeResult::kMalformed;
    }
    if (truncated) continue;  // keep validating: a malformed tail still voids the header
    if (kept == kBaggageMaxItems || item_end > kBaggageMaxBytes) {
      truncated = true;
      continue;
    }
    items.emplace_back(key, value);
    ++kept;
  }
  return truncated ? BaggageDecodeResult::kTruncated : BaggageDecodeResult::kOk;
}

std::size_t encode_baggage(const TagList& items, std::string& out) {
  const std::size_t start = out.size();
  std::size_t written = 0;
  std::size_t dropped = 0;
  for (const auto& [key, value] : items) {
    if (key.empty()) {
      ++dropped;
      continue;
    }
    if (written == kBaggageMaxItems) {
      ++dropped;
      continue;
    }
    const std::size_t before = out.size();
    if (written > 0) out.push_back(',');
    percent_encode(key, is_token_char, out);
    out.push_back('=');
    percent_encode(value, is_value_char, out);
    if (out.size() - start > kBaggageMaxBytes) {
      out.resize(before);
      ++dropped;
      continue;
    }
    ++written;
  }
  return dropped;
}

void extract_baggage(const StyleHeaders& headers, TagList& out, std::vector<Error>* diagnostics) {
  const auto header = headers.get(IndexedHeader::kBaggage);
  if (!header) return;
  switch (decode_baggage(*header, out)) {
    case BaggageDecodeResult::kOk:
      break;
    case BaggageDecodeResult::kTruncated:
      report(diagnostics, Error::kMalformedBaggage,
             fmt::format("baggage: more than {} items or {} bytes; the excess is dropped",
                         kBaggageMaxItems, kBaggageMaxBytes));
      break;
    case BaggageDecodeResult::kMalformed:
      report(diagnostics, Error::kMalformedBaggage,
             fmt::format("baggage: {} is not a list of key=value; ignored",
                         quote_for_message(*header)));
      break;
  }
}

void inject_baggage(DictWriter& headers, const InjectionContext& context) {
  if (context.baggage == nullptr || context.baggage->empty()) return;
  std::string value;
  encode_baggage(*context.baggage, value);
  if (!value.empty()) headers.set("baggage", value);
}

}  // namespace propagation
}  // namespace gatetrace
