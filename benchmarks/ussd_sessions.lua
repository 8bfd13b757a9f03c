-- wrk script: every connection plays whole USSD sessions in order, as a handset would.
-- One thread per connection (-t N -c N) keeps the hops of a session sequential.
-- The session script comes from the environment: hops separated by "|" (each hop's new input).
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  hops = {}
  for hop in string.gmatch(os.getenv("USSD_HOPS") or "2|1|1", "([^|]+)") do
    table.insert(hops, hop)
  end
  session = 0
  position = 0  -- 0: the first hop (empty text)
  text = ""
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

local function urlencode(s)
  return (string.gsub(s, "[^%w%-_%.]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function request()
  if position == 0 then
    session = session + 1
    text = ""
  elseif position == 1 then
    text = hops[1]
  else
    text = text .. "*" .. hops[position]
  end
  -- A distinct phone per thread: the language is chosen on the thread's first session only.
  local phone = string.format("+2237%07d", id)
  local body = "sessionId=b" .. id .. "-" .. session .. "&serviceCode=%2A384%2A1%23&phoneNumber="
    .. urlencode(phone) .. "&networkCode=61002&text=" .. urlencode(text)
  position = position + 1
  if position > #hops then position = 0 end
  return wrk.format(nil, "/ussd", nil, body)
end

function response(status, headers, body)
  if status ~= 200 then
    errors_non200 = (errors_non200 or 0) + 1
  end
end

function done(summary, latency, requests)
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "rps": %.1f, "p50_ms": %.2f, "p90_ms": %.2f, '
    .. '"p99_ms": %.2f, "max_ms": %.2f, "errors_status": %d, "errors_connect": %d, "errors_timeout": %d}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.errors.status, summary.errors.connect, summary.errors.timeout))
end
