// The `tracecontext` style: W3C traceparent (validated as the spec's test suite
// expects) and tracestate with Datadog's `dd=` member.
#include <fmt/format.h>

#include "codec.h"
#include "styles.h"
#include "tracestate.h"

namespace gatetrace {
namespace propagation {
namespace {

constexpr std::string_view kTraceparent = "traceparent";
constexpr std::string_view kTracestate = "tracestate";
constexpr std::size_t kTraceparentLength = 55;  // "00-" 32 "-" 16 "-" 2

struct Traceparent {
  TraceId trace_id;
  std::uint64_t parent_id = 0;
  std::uint32_t flags = 0;
};

// A lowercase hex digit's value, or 16 for any other byte.
unsigned lowercase_hex_digit(char c) {
  if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
  return 16;
}

// The usual traceparent, version 00 with valid nonzero ids, in one go (the ids 16 hex
// digits at once); false for anything else, which parse_traceparent then judges field
// by field, with the reason. `text` is trimmed.
bool parse_usual_traceparent(std::string_view text, Traceparent& out) {
  if (text.size() != kTraceparentLength) return false;
  const char* p = text.data();
  if (p[0] != '0' || p[1] != '0' || p[2] != '-' || p[35] != '-' || p[52] != '-') return false;
  const unsigned flags_high = lowercase_hex_digit(p[53]);
  const unsigned flags_low = lowercase_hex_digit(p[54]);
  if ((flags_high | flags_low) > 15) return false;
  if (!parse_hex16_lowercase(p + 3, out.trace_id.high) ||
      !parse_hex16_lowercase(p + 19, out.trace_id.low) ||
      !parse_hex16_lowercase(p + 36, out.parent_id)) {
    return false;
  }
  if ((out.trace_id.high | out.trace_id.low) == 0 || out.parent_id == 0) return false;
  out.flags = flags_high << 4 | flags_low;
  return true;
}

// Null `why` on success.
std::optional<Traceparent> parse_traceparent(std::string_view text, const char*& why) {
  text = trim_ows(text);
  why = nullptr;
  if (Traceparent usual; parse_usual_traceparent(text, usual)) return usual;
  if (text.size() < kTraceparentLength) {
    why = "is too short";
    return std::nullopt;
  }
  const std::string_view version = text.substr(0, 2);
  if (!is_hex(version, HexCase::kLowerOnly)) {
    why = "has a version that is not two lowercase hex digits";
    return std::nullopt;
  }
  if (version == "ff") {
    why = "has the forbidden version ff";
    return std::nullopt;
  }
  if (text[2] != '-' || text[35] != '-' || text[52] != '-') {
    why = "is not version-traceid-parentid-flags";
    return std::nullopt;
  }
  // Version 00 has exactly four fields; a later version may append fields, of which
  // a version-00 reader takes the first four.
  if (text.size() > kTraceparentLength && (version == "00" || text[kTraceparentLength] != '-')) {
    why = "has trailing data";
    return std::nullopt;
  }
  const std::string_view trace_hex = text.substr(3, 32);
  const std::string_view parent_hex = text.substr(36, 16);
  const std::string_view flags_hex = text.substr(53, 2);
  const auto high = parse_hex_u64(trace_hex.substr(0, 16), HexCase::kLowerOnly);
  const auto low = parse_hex_u64(trace_hex.substr(16), HexCase::kLowerOnly);
  if (!high || !low) {
    why = "has a trace id that is not 32 lowercase hex digits";
    return std::nullopt;
  }
  if (*high == 0 && *low == 0) {
    why = "has an all-zero trace id";
    return std::nullopt;
  }
  const auto parent = parse_hex_u64(parent_hex, HexCase::kLowerOnly);
  if (!parent) {
    why = "has a parent id that is not 16 lowercase hex digits";
    return std::nullopt;
  }
  if (*parent == 0) {
    why = "has an all-zero parent id";
    return std::nullopt;
  }
  const auto flags = parse_hex_u64(flags_hex, HexCase::kLowerOnly);
  if (!flags) {
    why = "has flags that are not two lowercase hex digits";
    return std::nullopt;
  }
  Traceparent result;
  result.trace_id = TraceId{*low, *high};
  result.parent_id = *parent;
  result.flags = static_cast<std::uint32_t>(*flags);
  return result;
}

// What a visit over all headers collects: a repeated traceparent must agree with the
// first, and repeated tracestate headers are one list (RFC 7230 field order).
// A single tracestate header (the usual case) is kept as a view of the header; only
// repeated ones are joined into `joined_tracestate`.
struct W3cHeaders {
  explicit W3cHeaders(std::string& joined) : joined_tracestate(joined) {}

  std::string_view traceparent;
  std::string_view trimmed_traceparent;
  bool conflicting_traceparents = false;
  std::size_t tracestate_count = 0;
  std::string_view first_tracestate;
  std::string& joined_tracestate;  // the caller's, so that views into it stay valid
};

// Records a traceparent or tracestate header met by the visit. Out of line, so that the
// visitor's test for the other headers stays a leaf function that saves no registers.
__attribute__((noinline)) void note_w3c_header(W3cHeaders& state, std::string_view key,
                                               std::string_view value) {
  if (key.size() == kTraceparent.size() && equals_ignore_case(key, kTraceparent)) {
    if (trim_ows(value) != state.trimmed_traceparent) state.conflicting_traceparents = true;
  } else if (key.size() == kTracestate.size() && equals_ignore_case(key, kTracestate)) {
    if (state.tracestate_count == 1) state.joined_tracestate.assign(state.first_tracestate);
    if (state.tracestate_count == 0) {
      state.first_tracestate = value;
    } else {
      state.joined_tracestate.push_back(',');
      state.joined_tracestate.append(value);
    }
    ++state.tracestate_count;
  }
}

// A keep that only the traceparent's sampled flag vouches for was decided by a tracer
// that is not Datadog's: Datadog's tracers record it as decision maker "-0". With
// `overwrite`, a `_dd.p.dm` that described the opposite (drop) decision is replaced.
void set_decision_maker_default(TagList& tags, bool overwrite) {
  for (auto& [key, value] : tags) {
    if (key == "_dd.p.dm") {
      if (overwrite) value = "-0";
      return;
    }
  }
  tags.emplace_back("_dd.p.dm", "-0");
}

// Collects every traceparent and tracestate header of `headers` into `found`, whose
// traceparent is set already.
void visit_w3c_headers(const DictReader& headers, W3cHeaders& found) {
  // Both names are 10 or 11 bytes and start with 't': the size and first-byte tests
  // reject nearly every other header before any register is saved.
  const auto may_be_w3c = [](std::string_view key) {
    return key.size() >= kTracestate.size() && key.size() <= kTraceparent.size() &&
           (key[0] | 0x20) == 't';
  };
  const DictReader::Entries entries =
      headers.visit_is_indexable() ? headers.indexable_entries() : DictReader::Entries{};
  if (entries.data != nullptr) {
    // The reader's own array, in visit order: no call per header.
    for (std::size_t i = 0; i < entries.size; ++i) {
      const auto& [key, value] = entries.data[i];
      if (may_be_w3c(key)) note_w3c_header(found, key, value);
    }
  } else {
    W3cHeaders* state = &found;
    headers.visit([state, &may_be_w3c](std::string_view key, std::string_view value) {
      if (may_be_w3c(key)) note_w3c_header(*state, key, value);
    });
  }
}

}  // namespace

namespace {

// read_w3c_headers for any request: out of line, so that the usual request's reading
// (below) saves no registers and builds no W3cHeaders. `first` is the traceparent.
__attribute__((noinline)) bool read_any_w3c_headers(const StyleHeaders& headers,
                                                    std::string_view first,
                                                    Traceparent& traceparent,
                                                    std::optional<std::string_view>& tracestate,
                                                    std::string& joined,
                                                    std::vector<Error>* diagnostics) {
  W3cHeaders found(joined);
  found.traceparent = first;
  if (headers.maybe_repeated(IndexedHeader::kTraceparent) ||
      headers.maybe_repeated(IndexedHeader::kTracestate)) {
    found.trimmed_traceparent = trim_ows(first);
    visit_w3c_headers(headers.reader(), found);
  } else if (const auto single = headers.get(IndexedHeader::kTracestate)) {
    // Each header at most once (the request helper's index says so): the visit would
    // find this traceparent alone, and this tracestate.
    found.first_tracestate = *single;
    found.tracestate_count = 1;
  }
  if (found.conflicting_traceparents) {
    report(diagnostics, Error::kMalformedTraceparent,
           "traceparent: the header is repeated with different values; ignored");
    joined.clear();
    return false;
  }
  const char* why = nullptr;
  auto parsed = parse_traceparent(found.traceparent, why);
  if (!parsed) {
    report(diagnostics, Error::kMalformedTraceparent,
           fmt::format("traceparent: {} {}", quote_for_message(found.traceparent), why));
    joined.clear();
    return false;
  }
  traceparent = *parsed;
  if (found.tracestate_count == 1) tracestate = found.first_tracestate;
  if (found.tracestate_count > 1) tracestate = std::string_view(joined);
  return true;
}

// The W3C headers of a request, read: false (and diagnosed) when they hold no valid
// traceparent. Else `traceparent` is parsed, and `tracestate` is the tracestate header
// (repeated ones joined into `joined`, which it then views), or null when there is none.
// The usual request, whose index says each header came at most once and whose
// traceparent is the usual one, is read inline; any other by read_any_w3c_headers.
inline bool read_w3c_headers(const StyleHeaders& headers, Traceparent& traceparent,
                             std::optional<std::string_view>& tracestate, std::string& joined,
                             std::vector<Error>* diagnostics) {
  const auto first = headers.get(IndexedHeader::kTraceparent);
  if (!first) return false;
  if (!headers.maybe_repeated(IndexedHeader::kTraceparent) &&
      !headers.maybe_repeated(IndexedHeader::kTracestate) &&
      parse_usual_traceparent(trim_ows(*first), traceparent)) {
    if (const auto single = headers.get(IndexedHeader::kTracestate)) tracestate = *single;
    return true;
  }
  return read_any_w3c_headers(headers, *first, traceparent, tracestate, joined, diagnostics);
}

void report_invalid_tracestate(std::string_view tracestate, const std::string& reason,
                               std::vector<Error>* diagnostics) {
  report(diagnostics, Error::kMalformedTracestate,
         fmt::format("tracestate: {} is invalid ({}); ignored", quote_for_message(tracestate),
                     reason));
}

// What extract_secondary_tracecontext keeps of a tracestate that scan_tidy_tracestate
// did not take. Out of line, so that the usual request's extraction saves no registers
// and reserves no stack for a parse.
__attribute__((noinline)) void keep_any_secondary_tracestate(std::string_view tracestate,
                                                             SecondaryTraceContext& out,
                                                             std::vector<Error>* diagnostics) {
  ParsedTracestate parsed;
  std::string reason;
  if (parse_tracestate(tracestate, parsed, reason, DatadogFields::kUnknownOnly)) {
    out.others_joined = std::move(parsed.additional_w3c);
    out.others = out.others_joined;
    out.additional_datadog = std::move(parsed.additional_datadog);
    out.datadog_member = parsed.datadog_member;
    out.tracestate = trim_ows(tracestate);
  } else {
    report_invalid_tracestate(tracestate, reason, diagnostics);
    out.joined_tracestate.clear();
  }
}

}  // namespace

void extract_tracecontext(const StyleHeaders& headers, ExtractionRole role, StyleExtraction& out,
                          std::vector<Error>* diagnostics) {
  Traceparent traceparent;
  std::optional<std::string_view> found_tracestate;
  // Joined where it will stay, so that views into it remain valid.
  if (!read_w3c_headers(headers, traceparent, found_tracestate, out.joined_tracestate,
                        diagnostics)) {
    return;
  }

  ExtractedContext& context = out.context;
  const bool sampled = (traceparent.flags & 1) != 0;
  int priority = sampled ? 1 : 0;
  bool flag_decided = true;
  bool flag_overrode = false;
  if (found_tracestate) {
    const std::string_view tracestate = *found_tracestate;
    ParsedTracestate parsed;
    std::string reason;
    const DatadogFields fields =
        role == ExtractionRole::kChosen ? DatadogFields::kAll : DatadogFields::kUnknownOnly;
    if (parse_tracestate(tracestate, parsed, reason, fields)) {
      // The traceparent's sampled flag is authoritative; s: refines it only when the
      // two agree on keep versus drop (s:2 sampled, s:-1 not).
      if (parsed.sampling_priority) {
        const int s = *parsed.sampling_priority;
        if ((sampled && s > 0) || (!sampled && s <= 0)) {
          priority = s;
          flag_decided = false;
        } else {
          flag_overrode = true;
        }
      }
      context.origin = std::move(parsed.origin);
      context.datadog_last_parent_id = std::move(parsed.last_parent_id);
      context.trace_tags = std::move(parsed.trace_tags);
      if (!parsed.additional_w3c.empty()) {
        context.additional_w3c_tracestate.take(std::move(parsed.additional_w3c));
      }
      if (!parsed.additional_datadog.empty()) {
        context.additional_datadog_w3c_tracestate = std::move(parsed.additional_datadog);
      }
      out.tracestate = trim_ows(tracestate);
      out.datadog_member = parsed.datadog_member;
    } else {
      report_invalid_tracestate(tracestate, reason, diagnostics);
      out.joined_tracestate.clear();
    }
  }
  if (sampled && flag_decided && role == ExtractionRole::kChosen) {
    set_decision_maker_default(context.trace_tags, flag_overrode);
  }
  context.trace_id = traceparent.trace_id;
  context.parent_id = traceparent.parent_id;
  context.sampling_priority = priority;
  context.style = PropagationStyle::kTraceContext;
  out.trace_flags = traceparent.flags;
}

void extract_secondary_tracecontext(const StyleHeaders& headers, SecondaryTraceContext& out,
                                    std::vector<Error>* diagnostics) {
  Traceparent traceparent;
  std::optional<std::string_view> found_tracestate;
  if (!read_w3c_headers(headers, traceparent, found_tracestate, out.joined_tracestate,
                        diagnostics)) {
    return;
  }
  if (found_tracestate) {
    // What extract_tracecontext keeps as a secondary (a kUnknownOnly parse), as views
    // of the header when the list is the usual one.
    const std::string_view tracestate = *found_tracestate;
    if (scan_tidy_tracestate(tracestate, out.datadog_member, out.others)) {
      out.tracestate = trim_ows(tracestate);
    } else {
      keep_any_secondary_tracestate(tracestate, out, diagnostics);
    }
  }
  out.trace_id = traceparent.trace_id;
  out.parent_id = traceparent.parent_id;
  out.trace_flags = traceparent.flags;
}

void inject_tracecontext(DictWriter& headers, const InjectionContext& context) {
  if (context.span_id == 0) return;  // an all-zero parent id is invalid in W3C
  // "00-" high low "-" span "-" flags, assembled on the stack.
  char traceparent[kTraceparentLength];
  char* p = traceparent;
  *p++ = '0';
  *p++ = '0';
  *p++ = '-';
  format_hex16(p, context.trace_id.high);
  format_hex16(p + 16, context.trace_id.low);
  p += 32;
  *p++ = '-';
  const char* const span_hex = p;
  format_hex16(p, context.span_id);
  p += 16;
  *p++ = '-';
  *p++ = '0';
  *p++ = context.sampling_priority > 0 ? '1' : '0';
  headers.set(kTraceparent, std::string_view(traceparent, kTraceparentLength));

  ValueBuffer value;
  encode_tracestate(context, span_hex, value);
  headers.set(kTracestate, value.view());
}

}  // namespace propagation
}  // namespace gatetrace
