// SpanTagWriter: the library's own way to write a run of tags on one open span, as the
// request helper and the inferred span do on every traced request. The span's tag
// storage is found once for the run; keys of span_keys.h are written by id, inline
// (Meta::set_known: no intern lookup, constant key word and filter bit), and other keys
// through Meta::set inline, instead of one out-of-line Span::set_tag call per tag.
//
// It writes exactly what Span::set_tag / set_metric would: those store the tag and do
// nothing else, except for the keys that set the trace's sampling decision
// (manual_sampling_keys.h). A fixed key that were one of those would not compile
// here; a key given as text that is one of them goes through Span::set_tag.
//
// Not public API: a user sets tags through Span. Use a writer for writes with nothing
// in between that could finish or move the span (it reads the span's storage once).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "gatetrace/span.h"
#include "gatetrace/span_data.h"
#include "gatetrace/span_keys.h"
#include "gatetrace/trace/manual_sampling_keys.h"

namespace gatetrace {

class SpanTagWriter {
 public:
  // Writes nothing when `span` is empty or finished, like Span's setters.
  explicit SpanTagWriter(Span& span) noexcept : span_(span), data_(span.data_) {}

  // Span::set_tag(span_keys::kTexts[kKey], value).
  template <std::uint32_t kKey>
  void set_known(std::string_view value) {
    static_assert(kKey >= 1 && kKey <= span_keys::kCount, "a fixed key of span_keys.h");
    static_assert(!is_manual_sampling_key(span_keys::kTexts[kKey]),
                  "Span::set_tag does more for it");
    if (data_ != nullptr) data_->meta.set_known(kKey, value);
  }

  // Span::set_tag(key, value).
  void set(std::string_view key, std::string_view value) {
    if (data_ == nullptr) return;
    if (is_manual_sampling_key(key)) return span_.set_tag(key, value);
    data_->meta.set(key, value);
  }

  // Span::set_metric(span_keys::kTexts[kKey], value).
  template <std::uint32_t kKey>
  void set_known_metric(double value) {
    static_assert(kKey >= 1 && kKey <= span_keys::kCount, "a fixed key of span_keys.h");
    if (data_ != nullptr) data_->metrics.set_known(kKey, value);
  }

  // Span::set_metric(key, value).
  void set_metric(std::string_view key, double value) {
    if (data_ != nullptr) data_->metrics.set(key, value);
  }

  // The bits of fixed keys for meta_for_run(): none may be a key that Span::set_tag does more
  // for.
  template <std::uint32_t... kKeys>
  static constexpr std::uint32_t known_key_bits() {
    static_assert(((kKeys >= 1 && kKeys <= span_keys::kCount) && ...), "fixed keys of span_keys.h");
    static_assert((!is_manual_sampling_key(span_keys::kTexts[kKeys]) && ...),
                  "Span::set_tag does more for them");
    return ((std::uint32_t{1} << kKeys) | ...);
  }
  // The span's tags when a run of new tags of the fixed keys `key_bits` (known_key_bits()),
  // at most `entries` of them with `text` bytes of values in all, can be written at once
  // by a Meta::Appender (see Meta::can_append); else null (the span is empty or finished,
  // holds one of those keys, or lacks the room), and the tags are set one by one.
  Meta* meta_for_run(std::uint32_t key_bits, std::size_t entries, std::size_t text) const noexcept {
    if (data_ == nullptr || !data_->meta.can_append(key_bits, entries, text)) return nullptr;
    return &data_->meta;
  }
  // The span's tags for reading (Meta::find_known by key id), null when the span is empty
  // or finished.
  const Meta* tags() const noexcept { return data_ == nullptr ? nullptr : &data_->meta; }

 private:
  Span& span_;
  SpanData* data_;  // null for an empty or finished span
};

}  // namespace gatetrace
