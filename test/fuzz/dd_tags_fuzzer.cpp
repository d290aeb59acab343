// Fuzzes DD_TAGS (`key:value` lists separated by commas, or by spaces when there is no
// comma). A value that parses gives unique, non-empty, trimmed keys without ':' and
// items that hold no separator; a value that does not parse says why.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "gatetrace/config/parse_values.h"

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool trimmed(const std::string& text) {
  return text.empty() || (!is_space(text.front()) && !is_space(text.back()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = gatetrace::fuzz::as_text(data, size);
  const auto tags = gatetrace::parse_tags("DD_TAGS", text);
  if (!tags) {
    GATETRACE_FUZZ_CHECK(tags.error().message.rfind("DD_TAGS: ", 0) == 0);
    return 0;
  }
  const char separator = text.find(',') != std::string_view::npos ? ',' : ' ';
  std::size_t value_bytes = 0;
  for (std::size_t i = 0; i < tags->size(); ++i) {
    const auto& [key, value] = (*tags)[i];
    GATETRACE_FUZZ_CHECK(!key.empty());
    GATETRACE_FUZZ_CHECK(trimmed(key) && trimmed(value));
    GATETRACE_FUZZ_CHECK(key.find(':') == std::string::npos);
    GATETRACE_FUZZ_CHECK(key.find(separator) == std::string::npos);
    GATETRACE_FUZZ_CHECK(value.find(separator) == std::string::npos);
    // Every key and value is a piece of the input.
    GATETRACE_FUZZ_CHECK(text.find(key) != std::string_view::npos);
    GATETRACE_FUZZ_CHECK(text.find(value) != std::string_view::npos);
    for (std::size_t j = 0; j < i; ++j) GATETRACE_FUZZ_CHECK((*tags)[j].first != key);
    value_bytes += key.size() + value.size();
  }
  GATETRACE_FUZZ_CHECK(value_bytes <= text.size());
  // Parsing is a function of the text: the same text, the same tags.
  const auto again = gatetrace::parse_tags("DD_TAGS", text);
  GATETRACE_FUZZ_CHECK(again && *again == *tags);
  return 0;
}
