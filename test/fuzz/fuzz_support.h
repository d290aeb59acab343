// Helpers shared by gatetrace's libFuzzer targets: turning a fuzz input into request
// headers the way a server would hand them to gatetrace, a fixed clock, and an
// invariant check that aborts (so libFuzzer records the input) with a readable reason.
//
// Header inputs are text: one header per line, `name: value` split at the first ':'
// (a line without ':' is a header with an empty value). The seed corpora are written
// in that form, so they read like the requests they stand for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <utility>
#include <vector>

#include "gatetrace/clock.h"
#include "gatetrace/dict_reader.h"

namespace gatetrace::fuzz {

// An invariant of the code under test; a violation is a finding, so it must crash.
#define GATETRACE_FUZZ_CHECK(condition)                                                        \
  do {                                                                                         \
    if (!(condition)) {                                                                        \
      std::fprintf(stderr, "%s:%d: invariant violated: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                            \
    }                                                                                          \
  } while (false)

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Splits `text` into header pairs that view into it. A trailing '\r' stays in the value:
// servers differ in what they strip, and gatetrace must cope with either.
inline HeaderListReader::Headers split_headers(std::string_view text) {
  HeaderListReader::Headers headers;
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(begin, end - begin);
    begin = end + 1;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      headers.emplace_back(line, std::string_view{});
      continue;
    }
    std::string_view value = line.substr(colon + 1);
    // One space after the colon is the usual spelling, not part of the value.
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    headers.emplace_back(line.substr(0, colon), value);
  }
  return headers;
}

// Every byte in 0x20..0x7E.
inline bool printable_ascii(std::string_view text) {
  for (const char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// A clock that stands still: fuzzing must be deterministic, so that a crash replays.
class FixedClock : public Clock {
 public:
  explicit FixedClock(TimePoint now) : now_(now) {}
  TimePoint now() const override { return now_; }

 private:
  TimePoint now_;
};

// 2023-11-14T22:13:20Z, a plausible "now" for timestamps sent by a gateway.
inline constexpr std::int64_t kFuzzNowWallNs = 1'700'000'000'000'000'000;

}  // namespace gatetrace::fuzz
