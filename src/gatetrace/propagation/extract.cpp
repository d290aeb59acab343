// extract_context: runs the configured extraction styles and merges what they found
// the way Datadog's tracers do (see propagation.h).
#include <fmt/format.h>

#include <new>
#include <optional>

#include "codec.h"
#include "styles.h"
#include "tracestate.h"

namespace gatetrace {
namespace {

using propagation::SecondaryTraceContext;
using propagation::StyleExtraction;

// The styles that can carry a trace context, i.e. all but baggage and none.
constexpr std::size_t kMaxTraceStyles = 4;

// A style found after the first: the context it fills and what it found around it.
// Not movable (`extraction` refers to `context`); built in place when the style runs.
struct SecondarySlot {
  SecondarySlot() : extraction(context) {}
  SecondarySlot(const SecondarySlot&) = delete;
  SecondarySlot& operator=(const SecondarySlot&) = delete;

  ExtractedContext context;
  StyleExtraction extraction;
};

// Room for a T, built only when a style needs it. Unlike std::optional, whose storage
// GCC zeroes whole when the optional is made (three slots: ~1.2 KB on every
// extraction), the storage is left as it is until a T is built in it.
template <typename T>
class LazySlot {
 public:
  LazySlot() {}  // NOLINT: the union member stays unbuilt
  LazySlot(const LazySlot&) = delete;
  LazySlot& operator=(const LazySlot&) = delete;
  ~LazySlot() { reset(); }

  T& emplace() {
    reset();
    new (&value_) T;  // default-initialized: its members say how
    built_ = true;
    return value_;
  }
  void reset() {
    if (!built_) return;
    value_.~T();
    built_ = false;
  }

 private:
  union {
    T value_;
  };
  bool built_ = false;
};

// Room for the slots of the styles found after the first (tracecontext's apart), each
// built only when such a style runs. One word says which are built, so that the usual
// request, which builds none, destroys none with one test rather than one per slot.
class SecondarySlots {
 public:
  static constexpr std::size_t kCount = kMaxTraceStyles - 1;

  SecondarySlots() {}  // NOLINT: the union member stays unbuilt
  SecondarySlots(const SecondarySlots&) = delete;
  SecondarySlots& operator=(const SecondarySlots&) = delete;
  ~SecondarySlots() {
    if (built_ == 0) return;
    for (std::size_t i = 0; i < kCount; ++i) reset(i);
  }

  SecondarySlot& emplace(std::size_t i) {
    reset(i);
    new (&slots_[i]) SecondarySlot;
    built_ |= 1u << i;
    return slots_[i];
  }
  void reset(std::size_t i) {
    if ((built_ & 1u << i) == 0) return;
    slots_[i].~SecondarySlot();
    built_ &= ~(1u << i);
  }

 private:
  union {
    SecondarySlot slots_[kCount];
  };
  unsigned built_ = 0;
};

// The found style `style`, or null; the secondary tracecontext (a null entry, kept
// apart as a SecondaryTraceContext) is not looked at.
StyleExtraction* find_style(StyleExtraction** begin, StyleExtraction** end,
                            PropagationStyle style) {
  for (StyleExtraction** it = begin; it != end; ++it) {
    if (*it != nullptr && (*it)->context.style == style) return *it;
  }
  return nullptr;
}

SpanLink terminated_context_link(TraceId trace_id, std::uint64_t span_id, PropagationStyle style,
                                 std::string_view tracestate) {
  SpanLink link;
  link.trace_id = trace_id;
  link.span_id = span_id;
  link.attributes.emplace_back("reason", "terminated_context");
  link.attributes.emplace_back("context_headers", std::string(to_string(style)));
  link.tracestate.assign(tracestate);
  return link;
}

SpanLink terminated_context_link(const StyleExtraction& other) {
  SpanLink link =
      terminated_context_link(other.context.trace_id, other.context.parent_id.value_or(0),
                              *other.context.style, other.tracestate);
  if (other.trace_flags) {
    link.flags = *other.trace_flags;
  } else if (other.context.sampling_priority) {
    link.flags = *other.context.sampling_priority > 0 ? 1 : 0;
  }
  return link;
}

SpanLink terminated_context_link(const SecondaryTraceContext& other) {
  SpanLink link = terminated_context_link(other.trace_id, other.parent_id,
                                          PropagationStyle::kTraceContext, other.tracestate);
  link.flags = other.trace_flags;
  return link;
}

// A later tracecontext naming the chosen trace lends it its tracestate and, when it
// names another parent, becomes the parent: the W3C parent is the span that called us,
// while the chosen style's parent may be a Datadog span further upstream, remembered
// as the last Datadog parent (`p:`, else the Datadog header's parent id).
void merge_tracecontext(ExtractedContext& result, SecondaryTraceContext& w3c,
                        std::optional<std::uint64_t> datadog_parent_id,
                        std::vector<Error>* diagnostics) {
  if (w3c.trace_id.high != result.trace_id.high) {
    if (result.trace_id.high != 0) {
      propagation::report(
          diagnostics, Error::kMalformedTraceTags,
          fmt::format("_dd.p.tid {} disagrees with traceparent's trace id {}; using traceparent's",
                      propagation::hex16(result.trace_id.high), w3c.trace_id.hex_padded()));
    }
    result.trace_id.high = w3c.trace_id.high;
  }
  if (w3c.others.empty()) {
    result.additional_w3c_tracestate.reset();
  } else {
    result.additional_w3c_tracestate.emplace(w3c.others);
  }
  if (w3c.additional_datadog.empty()) {
    result.additional_datadog_w3c_tracestate.reset();
  } else {
    result.additional_datadog_w3c_tracestate.emplace(std::move(w3c.additional_datadog));
  }
  if (result.parent_id == w3c.parent_id) return;
  // A secondary extraction leaves `p:` in the tracestate until it is needed, here.
  const std::string_view last_parent_id = propagation::last_parent_id_of(w3c.datadog_member);
  if (!last_parent_id.empty() && last_parent_id != "0000000000000000") {
    result.datadog_last_parent_id = std::string(last_parent_id);
  } else if (datadog_parent_id) {
    result.datadog_last_parent_id = propagation::hex16(*datadog_parent_id);
  }
  result.parent_id = w3c.parent_id;
}

}  // namespace

ExtractedContext extract_context(const DictReader& reader, const PropagationSettings& settings,
                                 std::vector<Error>* diagnostics) {
  const propagation::StyleHeaders headers(reader);
  // The first style to find a trace fills `result` in place (returned without a move);
  // a later one gets a slot of its own, built only when that style runs, since
  // building and destroying a context costs more than most styles' parsing. A later
  // tracecontext (the usual second style) keeps only what a merge or a link reads.
  ExtractedContext result;
  StyleExtraction primary(result);
  SecondarySlots secondary;
  LazySlot<SecondaryTraceContext> w3c_slot;
  SecondaryTraceContext* w3c = nullptr;     // when it named a trace
  StyleExtraction* found[kMaxTraceStyles];  // null: `w3c`
  std::size_t count = 0;
  TagList baggage;
  unsigned attempted = 0;  // one bit per style: a style listed twice runs once

  for (const PropagationStyle style : settings.extract) {
    const unsigned bit = 1u << static_cast<unsigned>(style);
    if (style == PropagationStyle::kNone || (attempted & bit) != 0) continue;
    attempted |= bit;
    if (style == PropagationStyle::kBaggage) {
      // Most requests carry no baggage: no call when the index says so.
      if (!headers.surely_absent(IndexedHeader::kBaggage)) {
        propagation::extract_baggage(headers, baggage, diagnostics);
      }
      continue;
    }
    if (count == kMaxTraceStyles) continue;
    if (count > 0 && style == PropagationStyle::kTraceContext) {
      SecondaryTraceContext& slot = w3c_slot.emplace();
      propagation::extract_secondary_tracecontext(headers, slot, diagnostics);
      if (slot.has_trace()) {
        w3c = &slot;
        found[count++] = nullptr;
      } else {
        w3c_slot.reset();
      }
      continue;
    }
    StyleExtraction* slot = &primary;
    if (count > 0) slot = &secondary.emplace(count - 1).extraction;
    switch (style) {
      case PropagationStyle::kDatadog:
        propagation::extract_datadog(headers, settings, *slot, diagnostics);
        break;
      case PropagationStyle::kTraceContext:
        propagation::extract_tracecontext(headers, propagation::ExtractionRole::kChosen, *slot,
                                          diagnostics);
        break;
      case PropagationStyle::kB3Multi:
        propagation::extract_b3multi(headers, *slot, diagnostics);
        break;
      case PropagationStyle::kB3Single:
        propagation::extract_b3single(headers, *slot, diagnostics);
        break;
      default:
        break;
    }
    if (slot->context.has_trace()) {
      found[count++] = slot;
    } else if (count > 0) {
      secondary.reset(count - 1);
    } else {
      // What a style that found nothing left behind must not reach the next one.
      result = ExtractedContext{};
      primary.tracestate = {};
      primary.joined_tracestate.clear();
      primary.trace_flags.reset();
      primary.datadog_member = {};
    }
  }

  if (count == 0) {
    result.baggage = std::move(baggage);
    return result;
  }

  StyleExtraction** begin = found;
  StyleExtraction** end = begin + count;
  const TraceId chosen = result.trace_id;
  std::optional<std::uint64_t> datadog_parent_id;
  if (const StyleExtraction* datadog = find_style(begin, end, PropagationStyle::kDatadog)) {
    if (datadog->context.trace_id.low == chosen.low) datadog_parent_id = datadog->context.parent_id;
  }
  if (w3c != nullptr && w3c->trace_id.low == chosen.low) {
    merge_tracecontext(result, *w3c, datadog_parent_id, diagnostics);
  }
  // Contexts of other traces are not mixed in; they are linked. The same low half
  // counts as the same trace: only the high half's source can disagree (see above).
  for (StyleExtraction** other = begin + 1; other != end; ++other) {
    if (*other == nullptr) {
      if (w3c->trace_id.low != chosen.low)
        result.span_links.push_back(terminated_context_link(*w3c));
    } else if ((*other)->context.trace_id.low != chosen.low) {
      result.span_links.push_back(terminated_context_link(**other));
    }
  }
  result.baggage = std::move(baggage);
  return result;
}

}  // namespace gatetrace
