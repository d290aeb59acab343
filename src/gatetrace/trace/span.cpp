#include "gatetrace/span.h"

#include "gatetrace/span_data.h"
#include "gatetrace/span_keys.h"
#include "gatetrace/trace/manual_sampling_keys.h"
#include "gatetrace/trace/span_creation.h"
#include "gatetrace/trace/span_pool.h"
#include "gatetrace/trace/trace_segment.h"
#include "gatetrace/trace/tracer_core.h"

namespace gatetrace {

Span::Span(Span&& other) noexcept { *this = std::move(other); }

Span& Span::operator=(Span&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    segment_ = std::exchange(other.segment_, nullptr);
    end_time_ = other.end_time_;
    identity_ = other.identity_;
    other.end_time_.reset();
    other.identity_ = Identity{};
  }
  return *this;
}

Span::~Span() { release(); }

void Span::release() noexcept {
  if (segment_ == nullptr) return;
  TraceSegment* segment = std::exchange(segment_, nullptr);
  if (data_ == nullptr) {
    segment->release_handle();
    return;
  }
  // Finished by its handle going away, the usual case: one trip through the segment's
  // lock for both.
  const TimePoint end = end_time_ ? *end_time_ : segment->core().now();
  SpanData* data = std::exchange(data_, nullptr);
  data->duration_ns = end.steady_ns - data->start.steady_ns;
  segment->span_finished(data, /*release_handle=*/true);
}

void Span::finish() {
  if (data_ == nullptr) return;
  const TimePoint end = end_time_ ? *end_time_ : segment_->core().now();
  data_->duration_ns = end.steady_ns - data_->start.steady_ns;
  SpanData* data = std::exchange(data_, nullptr);
  segment_->span_finished(data, /*release_handle=*/false);
}

bool Span::finished() const { return data_ == nullptr; }

Span Span::create_child(const SpanConfig& config) const {
  if (!segment_) return Span();
  const TracerCore& core = segment_->core();
  std::string_view name;
  if (config.name) {
    name = *config.name;
  } else if (data_) {
    name = data_->name;
  } else {
    name = "span";
  }
  std::string_view service;
  if (config.service) {
    service = *config.service;
  } else if (data_) {
    service = data_->service;
  } else {
    service = core.config.service;
  }
  SpanData* span = acquire_span_data(
      name, service, config.resource ? std::string_view(*config.resource) : std::string_view(),
      config.type ? std::string_view(*config.type) : std::string_view());
  span->trace_id = identity_.trace_id;
  span->span_id = core.ids->span_id();
  span->parent_id = identity_.span_id;
  span->start = config.start ? *config.start : core.now();
  set_initial_tags(*span, core.config, &config.tags);
  segment_->add_span(span);
  return Span(span, segment_);
}

// create_child() with the texts as given. Its own copy of the few lines above rather
// than a helper both share: sharing one changed how GCC inlined create_child() (about 20
// instructions more per child span).
Span create_child_from_texts(const Span& parent, const SpanCreationTexts& texts) {
  if (!parent.segment_) return Span();
  const TracerCore& core = parent.segment_->core();
  SpanData* span = acquire_span_data(texts.name, texts.service, texts.resource, texts.type);
  span->trace_id = parent.identity_.trace_id;
  span->span_id = core.ids->span_id();
  span->parent_id = parent.identity_.span_id;
  span->start = texts.start ? *texts.start : core.now();
  set_initial_tags(*span, core.config, nullptr);
  parent.segment_->add_span(span);
  return Span(span, parent.segment_);
}

std::uint64_t Span::id() const { return identity_.span_id; }
TraceId Span::trace_id() const { return identity_.trace_id; }
std::uint64_t Span::parent_id() const { return identity_.parent_id; }
TimePoint Span::start_time() const { return identity_.start; }
std::string_view Span::service() const { return data_ ? std::string_view(data_->service) : ""; }
std::string_view Span::name() const { return data_ ? std::string_view(data_->name) : ""; }
std::string_view Span::resource() const { return data_ ? std::string_view(data_->resource) : ""; }
bool Span::error() const { return data_ && data_->error; }

void Span::set_service(std::string_view service) {
  if (data_) data_->service.assign_guarded(service);
}
void Span::set_name(std::string_view name) {
  if (data_) data_->name.assign_guarded(name);
}
void Span::set_resource(std::string_view resource) {
  if (data_) data_->resource.assign_guarded(resource);
}
void Span::set_type(std::string_view type) {
  if (data_) data_->type.assign_guarded(type);
}

namespace {

// Keys of the manual sampling keys' size (manual_sampling_keys.h): out of line, so that
// set_tag()'s usual path makes no call but tail calls, and saves no registers.
[[gnu::noinline]] void set_tag_of_11_bytes(TraceSegment* segment, SpanData* data,
                                           std::string_view key, std::string_view value) {
  if (key == kManualKeepKey) {
    segment->set_manual_priority(2);
  } else if (key == kManualDropKey) {
    segment->set_manual_priority(-1);
  } else {
    data->meta.set(key, value);
  }
}

}  // namespace

void Span::set_tag(std::string_view key, std::string_view value) {
  if (!data_) return;
  if (key.size() == kManualKeepKey.size()) return set_tag_of_11_bytes(segment_, data_, key, value);
  data_->meta.set(key, value);
}

void Span::remove_tag(std::string_view key) {
  if (data_) data_->meta.erase(key);
}

std::optional<std::string_view> Span::lookup_tag(std::string_view key) const {
  if (!data_) return std::nullopt;
  if (const auto value = data_->meta.find(key)) return *value;
  return std::nullopt;
}

void Span::set_metric(std::string_view key, double value) {
  if (data_) data_->metrics.set(key, value);
}
void Span::remove_metric(std::string_view key) {
  if (data_) data_->metrics.erase(key);
}
std::optional<double> Span::lookup_metric(std::string_view key) const {
  if (!data_) return std::nullopt;
  if (const double* value = data_->metrics.find(key)) return *value;
  return std::nullopt;
}

void Span::set_error(bool error) {
  if (!data_) return;
  data_->error = error;
  if (!error) {
    data_->meta.erase("error.message");
    data_->meta.erase("error.type");
    data_->meta.erase("error.stack");
  }
}

void Span::set_error_message(std::string_view message) {
  if (!data_) return;
  data_->error = true;
  data_->meta.set_known(span_keys::kErrorMessage, message);
}
void Span::set_error_type(std::string_view type) {
  if (!data_) return;
  data_->error = true;
  data_->meta.set_known(span_keys::kErrorType, type);
}
void Span::set_error_stack(std::string_view stack) {
  if (!data_) return;
  data_->error = true;
  data_->meta.set_known(span_keys::kErrorStack, stack);
}

void Span::keep_trace() {
  if (segment_) segment_->set_manual_priority(2);
}
void Span::drop_trace() {
  if (segment_) segment_->set_manual_priority(-1);
}

void Span::inject(DictWriter& writer) const {
  if (segment_) segment_->inject(writer, identity_.span_id);
}

std::optional<std::string> Span::baggage(std::string_view key) const {
  if (!segment_) return std::nullopt;
  return segment_->baggage(key);
}

void Span::set_baggage(std::string_view key, std::string_view value) {
  if (segment_) segment_->set_baggage(key, value);
}

}  // namespace gatetrace
