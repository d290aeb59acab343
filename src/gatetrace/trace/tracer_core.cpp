#include "gatetrace/trace/tracer_core.h"

#include <unistd.h>

#include <fmt/format.h>

#include <random>

#include "gatetrace/export/agent_exporter.h"
#include "gatetrace/export/curl_http_client.h"

namespace gatetrace {

std::string make_runtime_id() {
  std::random_device device;
  std::uint64_t high = (std::uint64_t(device()) << 32) | device();
  std::uint64_t low = (std::uint64_t(device()) << 32) | device();
  high = (high & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  low = (low & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;    // RFC 4122 variant
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", high >> 32, (high >> 16) & 0xffff,
                     high & 0xffff, low >> 48, low & 0xffffffffffffULL);
}

namespace {

PropagationSettings propagation_settings(const FinalizedTracerConfig& config) {
  PropagationSettings settings;
  settings.extract = config.propagation_style_extract;
  settings.inject = config.propagation_style_inject;
  settings.x_datadog_tags_max_length = config.x_datadog_tags_max_length;
  return settings;
}

std::shared_ptr<Collector> make_collector(const FinalizedTracerConfig& config,
                                          const std::shared_ptr<TraceSampler>& sampler) {
  if (!config.enabled) return nullptr;
  if (config.collector) return config.collector;
  ExporterSettings settings;
  settings.buffer_size_bytes = config.writer_buffer_size_bytes;
  settings.max_payload_size_bytes = config.max_payload_size_bytes;
  settings.flush_interval = config.flush_interval;
  settings.shutdown_timeout = config.shutdown_timeout;
  settings.default_service = config.service;
  settings.runtime_id = make_runtime_id();
  settings.process_id = static_cast<double>(::getpid());
  settings.debug = config.debug;
  std::weak_ptr<TraceSampler> weak_sampler = sampler;
  settings.on_agent_rates = [weak_sampler](const std::unordered_map<std::string, double>& rates) {
    if (auto sampler = weak_sampler.lock()) sampler->update_agent_rates(rates);
  };
  // After fork(), a child gets its own runtime id and, with libcurl, its own connection.
  settings.new_runtime_id = [] { return make_runtime_id(); };
  if (!config.http_client) {
    const AgentUrl url = config.agent_url;
    settings.client_factory = [url] { return make_curl_http_client(url); };
  }
  auto client = config.http_client ? config.http_client : make_curl_http_client(config.agent_url);
  return std::make_shared<AgentExporter>(std::move(settings), std::move(client), config.logger);
}

}  // namespace

TracerCore::TracerCore(const FinalizedTracerConfig& finalized)
    : config(finalized),
      propagation(propagation_settings(finalized)),
      logger(finalized.logger ? finalized.logger : default_logger()),
      clock(finalized.clock ? finalized.clock : default_clock()),
      offset_clock(dynamic_cast<const OffsetClock*>(clock.get())),
      ids(finalized.id_generator ? finalized.id_generator : default_id_generator()),
      sampler(std::make_shared<TraceSampler>(finalized, clock)) {
  if (!finalized.span_sampling_rules.empty()) {
    span_sampler = std::make_unique<SpanSampler>(finalized.span_sampling_rules, clock);
  }
  collector = make_collector(finalized, sampler);
  for (const std::string& pattern : finalized.inferred_proxy_allowed_domains) {
    allowed_proxy_domains.emplace_back(pattern);
  }
}

TracerCore::~TracerCore() = default;

std::shared_ptr<TracerCore> make_tracer_core(const FinalizedTracerConfig& config) {
  return std::shared_ptr<TracerCore>(new TracerCore(config), [](TracerCore* core) {
    if (core->segment_refs.close()) delete core;
  });
}

}  // namespace gatetrace
