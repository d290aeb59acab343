#include <atomic>
#include <exception>
#include <optional>
#include <string>
#include <utility>

#include "gatetrace/dict_reader.h"
#include "gatetrace/integrations/beast.h"

namespace gatetrace::beast_tracing {
namespace {

std::string_view view(boost::beast::string_view text) { return {text.data(), text.size()}; }

// Beast's fields as a DictReader; their own find() is already case-insensitive.
class FieldsReader : public DictReader {
 public:
  explicit FieldsReader(const boost::beast::http::fields& fields) : fields_(fields) {}
  std::optional<std::string_view> lookup(std::string_view key) const override {
    auto found = fields_.find(boost::beast::string_view(key.data(), key.size()));
    if (found == fields_.end()) return std::nullopt;
    return view(found->value());
  }
  void visit(
      const std::function<void(std::string_view, std::string_view)>& visitor) const override {
    for (const auto& field : fields_) visitor(view(field.name_string()), view(field.value()));
  }
  // Beast inserts a repeated name after the ones already there, both in its set and in
  // its list (where equal names stay together), and `find` is the set's lower bound: the
  // first one inserted, which is also the first that iteration reaches. The views point
  // into the fields' elements, unchanged while the request is handled.
  bool visit_is_indexable() const override { return true; }

 private:
  const boost::beast::http::fields& fields_;
};

}  // namespace

struct RequestContext::State {
  State(Tracer& tracer, const HttpServerRequest& request) : http(tracer, request) {}
  HttpServerSpan http;
  std::atomic<bool> responded{false};
};

Span& RequestContext::span() { return state_->http.span(); }
HttpServerSpan& RequestContext::http() { return state_->http; }
void RequestContext::set_route(std::string_view route) { state_->http.set_route(route); }

TracedHandler::TracedHandler(Tracer& tracer, Handler handler)
    : tracer_(&tracer), handler_(std::move(handler)) {}

void TracedHandler::operator()(Request request, std::string_view peer_address, Send send) const {
  FieldsReader headers(request.base());
  HttpServerRequest traced;
  const std::string method(view(request.method_string()));
  traced.method = method;
  traced.target = view(request.target());
  traced.headers = &headers;
  traced.component = "boost.beast";
  traced.peer_address = peer_address;
  auto state = std::make_shared<RequestContext::State>(*tracer_, traced);

  // Records the response on the spans and finishes them, then writes it.
  auto respond = [state, send = std::move(send)](Response response) {
    if (state->responded.exchange(true)) return;
    state->http.set_status(static_cast<int>(response.result_int()));
    state->http.tag_response_headers(FieldsReader(response.base()));
    state->http.finish();
    send(std::move(response));
  };
  const unsigned version = request.version();
  const bool keep_alive = request.keep_alive();
  bool threw = true;
  try {
    handler_(std::move(request), RequestContext(state), respond);
    threw = false;
  } catch (const std::exception& exception) {
    state->http.set_exception(exception);
  } catch (...) {
    state->http.set_error("unknown", "the request handler threw a non-standard exception");
  }
  if (threw && !state->responded.load()) {
    Response response{boost::beast::http::status::internal_server_error, version};
    response.set(boost::beast::http::field::content_type, "text/plain");
    response.keep_alive(keep_alive);
    response.body() = "Internal Server Error";
    response.prepare_payload();
    respond(std::move(response));
  }
}

}  // namespace gatetrace::beast_tracing
