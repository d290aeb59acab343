#include "gatetrace/sampling/knuth.h"

namespace gatetrace {

std::string format_knuth_rate(double rate) {
  // Millionths, rounded half away from zero; NaN counts as 0.
  const double scaled = rate * 1e6;
  if (!(scaled >= 0.5)) return "0";
  if (scaled >= 1e6 - 0.5) return "1";
  auto millionths = static_cast<std::int64_t>(std::llround(scaled));
  std::string text = "0.000000";
  for (std::size_t i = text.size() - 1; i >= 2; --i) {
    text[i] = static_cast<char>('0' + millionths % 10);
    millionths /= 10;
  }
  while (text.back() == '0') text.pop_back();
  return text;
}

}  // namespace gatetrace
