-- wrk script: every request carries the headers Azure API Management adds when it
-- forwards a call (x-dd-proxy*), with a fresh timestamp, plus W3C trace context.
local count = 0
request = function()
  count = count + 1
  local headers = {
    ["x-dd-proxy"] = "azure-apim",
    ["x-dd-proxy-request-time-ms"] = tostring(os.time() * 1000),
    ["x-dd-proxy-httpmethod"] = "GET",
    ["x-dd-proxy-path"] = "/api/widgets/{id}",
    ["x-dd-proxy-domain-name"] = "contoso-shop.azure-api.net",
    ["x-dd-proxy-region"] = "West Europe",
    ["traceparent"] = string.format("00-%032x-%016x-01", count, count + 1),
    ["user-agent"] = "wrk",
    ["accept"] = "application/json",
  }
  return wrk.format("GET", nil, headers)
end
