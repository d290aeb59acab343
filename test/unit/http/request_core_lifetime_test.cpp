// The request helper does not own the tracer's core: the trace segment of its spans keeps
// the core alive. These cases take both spans away from it (moved out through span(), or
// the helper moved from) and then end the tracer, so that the helper must not touch the
// core any more; run under ASan they show any use after free.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

#include "gatetrace/http_server_span.h"
#include "support/test_doubles.h"

namespace gatetrace {
namespace {

HeaderListReader::Headers apim_headers() {
  return {{"x-dd-proxy", "azure-apim"},
          {"x-dd-proxy-request-time-ms", "1736973768000"},
          {"x-dd-proxy-httpmethod", "GET"},
          {"x-dd-proxy-path", "/w/{id}"},
          {"x-dd-proxy-domain-name", "my-api.azure-api.net"}};
}

std::unique_ptr<Tracer> make_tracer(testing::TestTracerSetup& setup) {
  auto config = setup.config();
  config.startup_logs = false;
  config.inferred_proxy_services_enabled = true;
  config.header_tags = std::vector<std::pair<std::string, std::string>>{{"content-type", "ctype"}};
  return std::make_unique<Tracer>(config);
}

TEST(RequestCoreLifetime, ServerSpanMovedOutAndTracerGone) {
  testing::TestTracerSetup setup;
  auto tracer = make_tracer(setup);
  const HeaderListReader::Headers none;
  HeaderListReader reader(none);
  HttpServerSpan request(*tracer, {"GET", "/w/7", "/w/{id}", &reader});
  {
    Span taken = std::move(request.span());
    taken.set_tag("mine", "1");
  }  // the trace is delivered here; its segment and the last use of the core go
  tracer.reset();
  request.set_status(500);
  const HeaderListReader::Headers response = {{"content-type", "text/plain"}};
  HeaderListReader response_reader(response);
  request.tag_response_headers(response_reader);
  request.set_error("T", "M");
  request.finish();
  auto spans = setup.collector->spans_by_name();
  ASSERT_EQ(spans.count("web.request"), 1u);
  EXPECT_EQ(spans["web.request"].meta.find("mine").value_or(""), "1");
  EXPECT_EQ(spans["web.request"].meta.find("http.status_code"), nullptr);
}

// With an inferred span the helper still holds a handle on the segment: the core lives,
// and the inferred span takes the status as before.
TEST(RequestCoreLifetime, ServerSpanMovedOutInferredSpanKept) {
  testing::TestTracerSetup setup;
  auto tracer = make_tracer(setup);
  const auto headers = apim_headers();
  HeaderListReader reader(headers);
  {
    HttpServerSpan request(*tracer, {"GET", "/w/7", "/w/{id}", &reader});
    ASSERT_NE(request.inferred_span(), nullptr);
    { Span taken = std::move(request.span()); }
    tracer.reset();
    request.set_status(503);
  }
  auto spans = setup.collector->spans_by_name();
  ASSERT_EQ(spans.count("azure.apim"), 1u);
  EXPECT_EQ(spans["azure.apim"].meta.find("http.status_code").value_or(""), "503");
  EXPECT_TRUE(spans["azure.apim"].error);
}

TEST(RequestCoreLifetime, MovedFromHelperAfterTheTracerIsGone) {
  testing::TestTracerSetup setup;
  auto tracer = make_tracer(setup);
  const auto headers = apim_headers();
  HeaderListReader reader(headers);
  HttpServerSpan first(*tracer, {"GET", "/w/7", "/w/{id}", &reader});
  {
    HttpServerSpan second(std::move(first));
    tracer.reset();  // the spans held by `second` keep the core
    second.set_status(200);
  }
  first.set_status(500);
  first.finish();
  auto spans = setup.collector->spans_by_name();
  EXPECT_EQ(spans["web.request"].meta.find("http.status_code").value_or(""), "200");
  EXPECT_EQ(spans["azure.apim"].meta.find("http.status_code").value_or(""), "200");
}

}  // namespace
}  // namespace gatetrace
