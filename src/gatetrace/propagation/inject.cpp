// inject_context: writes the headers of every configured injection style.
#include "styles.h"

namespace gatetrace {

void inject_context(DictWriter& headers, const InjectionContext& context,
                    const PropagationSettings& settings,
                    std::optional<std::string>* propagation_error) {
  // Without a trace there is nothing valid to write in any style.
  if (context.trace_id.low == 0 && context.trace_id.high == 0) return;
  unsigned done = 0;  // one bit per style: a style listed twice writes once
  for (const PropagationStyle style : settings.inject) {
    const unsigned bit = 1u << static_cast<unsigned>(style);
    if ((done & bit) != 0) continue;
    done |= bit;
    switch (style) {
      case PropagationStyle::kDatadog:
        propagation::inject_datadog(headers, context, settings, propagation_error);
        break;
      case PropagationStyle::kTraceContext:
        propagation::inject_tracecontext(headers, context);
        break;
      case PropagationStyle::kB3Multi:
        propagation::inject_b3multi(headers, context);
        break;
      case PropagationStyle::kB3Single:
        propagation::inject_b3single(headers, context);
        break;
      case PropagationStyle::kBaggage:
        // Most traces carry no baggage: no call for them.
        if (context.baggage != nullptr && !context.baggage->empty()) {
          propagation::inject_baggage(headers, context);
        }
        break;
      case PropagationStyle::kNone:
        break;
    }
  }
}

}  // namespace gatetrace
