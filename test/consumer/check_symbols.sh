#!/usr/bin/env bash
# Checks that a shared libgatetrace exports only its public API: every defined dynamic
# symbol demangles into namespace gatetrace (functions, or the typeinfo and vtables of
# its classes), the internals are absent, and the public entry points are present.
#
#   check_symbols.sh path/to/libgatetrace.so
set -euo pipefail

library="${1:?usage: check_symbols.sh path/to/libgatetrace.so}"
symbols="$(nm -D --defined-only --format=posix "$library" | cut -d' ' -f1 | c++filt)"
count="$(printf '%s\n' "$symbols" | grep -c . || true)"
echo "$library exports $count symbols"
failed=0

# What may be exported: the gatetrace namespace and the type information of its classes.
public='^((typeinfo|typeinfo name|vtable|VTT|construction vtable|(non-)?virtual thunk) for )?gatetrace::'
strays="$(printf '%s\n' "$symbols" | grep -Ev "$public" || true)"
if [[ -n "$strays" ]]; then
  echo "FAIL: exported symbols outside namespace gatetrace:" >&2
  printf '%s\n' "$strays" | head -50 >&2
  failed=1
fi

# Internals: gatetrace's machinery behind the public types.
for internal in 'gatetrace::TraceSegment::' 'gatetrace::TracerCore::' 'gatetrace::AgentExporter' \
  'gatetrace::CurlHttpClient' 'gatetrace::MsgpackWriter' 'gatetrace::TraceSampler' \
  'gatetrace::SpanSampler' 'gatetrace::propagation::' 'gatetrace::sampling::' \
  'gatetrace::proxy::' 'gatetrace::export_::' 'gatetrace::detail::' 'gatetrace::internal::'; do
  found="$(printf '%s\n' "$symbols" | grep -F -- "$internal" || true)"
  if [[ -n "$found" ]]; then
    echo "FAIL: internal symbols exported ($internal):" >&2
    printf '%s\n' "$found" | head -10 >&2
    failed=1
  fi
done

# The public API (a sample of each header's entry points) must be there.
for api in 'gatetrace::Tracer::Tracer(gatetrace::FinalizedTracerConfig const&)' \
  'gatetrace::Tracer::create_span(gatetrace::SpanConfig const&)' \
  'gatetrace::Tracer::flush(' 'gatetrace::Span::~Span()' 'gatetrace::Span::set_tag(' \
  'gatetrace::finalize_config(gatetrace::TracerConfig const&)' \
  'gatetrace::finalize_config_with_defaults(' 'gatetrace::startup_log_json' \
  'gatetrace::default_logger()' 'gatetrace::default_clock()' 'gatetrace::default_id_generator()' \
  'gatetrace::Error::to_string' 'gatetrace::TraceId::hex' \
  'gatetrace::HeaderListReader::lookup(' 'gatetrace::HeaderListWriter::set(' \
  'gatetrace::HttpServerSpan::HttpServerSpan(' 'gatetrace::AgentUrl::to_string' \
  'typeinfo for gatetrace::HeaderListReader' 'vtable for gatetrace::HeaderListWriter'; do
  if ! grep -qF -- "$api" <<<"$symbols"; then
    echo "FAIL: public API not exported: $api" >&2
    failed=1
  fi
done

if [[ $failed -ne 0 ]]; then exit 1; fi
echo "PASS: only the public API is exported"
