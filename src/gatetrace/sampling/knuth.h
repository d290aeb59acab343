// Datadog's deterministic keep/drop by rate. Every Datadog tracer and the Agent hash an
// id the same way (Knuth's multiplicative hash) and keep it when the hash falls under
// the rate's share of the 64-bit range, so every service of a distributed trace that
// samples at the same rate makes the same decision without talking to the others. The
// trace sampler hashes the low 64 bits of the trace id; the span sampler the span id.
//
// `_dd.p.ksr` (the "Knuth sampling rate" trace tag) tells the backend which rate was
// applied; `format_knuth_rate` writes it as Datadog's tracers do.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

namespace gatetrace {

inline constexpr std::uint64_t kKnuthFactor = 1111111111111111111ULL;

// The hash: id * 1111111111111111111 mod 2^64 (unsigned arithmetic wraps, no UB).
inline constexpr std::uint64_t knuth_hash(std::uint64_t id) { return id * kKnuthFactor; }

// Keep when knuth_hash(id) <= rate * (2^64 - 1). The product is taken in double
// precision, where 2^64 - 1 rounds to 2^64, exactly as Python's tracer compares; since
// rate < 1 here, rate * 2^64 < 2^64 and its floor fits in uint64 (a double equal to
// 2^64 would not). rate >= 1 always keeps; rate <= 0 (or NaN) never keeps.
inline bool knuth_keep(std::uint64_t id, double rate) {
  if (!(rate > 0.0)) return false;
  if (rate >= 1.0) return true;
  const auto threshold = static_cast<std::uint64_t>(std::ldexp(rate, 64));
  return knuth_hash(id) <= threshold;
}

// knuth_keep(id, rate) for one fixed rate, its threshold computed once (a sampler's
// rules keep their rates, so a decision need not scale the rate again).
class KnuthRate {
 public:
  explicit KnuthRate(double rate)
      : threshold_(rate >= 1.0  ? ~std::uint64_t{0}
                   : rate > 0.0 ? static_cast<std::uint64_t>(std::ldexp(rate, 64))
                                : 0),
        keeps_any_(rate > 0.0) {}

  bool keeps(std::uint64_t id) const { return keeps_any_ && knuth_hash(id) <= threshold_; }

 private:
  std::uint64_t threshold_;
  bool keeps_any_;  // false for rates <= 0 and NaN, which keep nothing (not even hash 0)
};

// `_dd.p.ksr`'s text: fixed-point with at most 6 decimals, rounded, trailing zeros
// and a trailing dot removed, never an exponent ("0.5", "1", "0.333333", "0.000001";
// 1e-7 is "0"). Rates outside [0, 1] are clamped.
std::string format_knuth_rate(double rate);

}  // namespace gatetrace
