// Benchmark workload: a node service loop. Each request goes through a chain of handlers (a
// stack of about 25 frames with node's own), parses a JSON body, builds a response object and
// string, and copies them into Buffers; one response in 50 is kept in a bounded cache, as a
// service keeps recent results. Prints "ready", waits for SIGUSR1, serves REQUESTS requests
// (argv[2], default 20000), prints "elapsed_ns N" and "cpu_ns N" (its own CPU since it
// started) and exits at once.
'use strict';

const requests = Number(process.argv[2] || 20000);
const cache = [];
const CACHE_MAX = 2000;

function parseBody(req) {
  return JSON.parse(req.body);
}

function buildResponse(req, body) {
  const items = [];
  for (let i = 0; i < 8; i++) items.push({ id: body.id * 8 + i, name: `item-${body.id}-${i}` });
  return { status: 200, id: body.id, user: body.user, items };
}

function encode(res) {
  const text = JSON.stringify(res);
  const head = Buffer.alloc(1024 + (res.id % 7) * 256); // a header block, zeroed
  const out = Buffer.from(text.repeat(2));
  head.write(`HTTP/1.1 ${res.status} OK\r\ncontent-length: ${out.length}\r\n\r\n`);
  return [head, out];
}

function remember(res, bufs) {
  if (res.id % 50)
    return;
  cache.push(bufs[1]);
  if (cache.length > CACHE_MAX)
    cache.shift();
}

function handler(req) {
  const body = parseBody(req);
  const res = buildResponse(req, body);
  const bufs = encode(res);
  remember(res, bufs);
  return bufs[0].length + bufs[1].length;
}

// Middleware layers, each a frame of its own on the way to the handler.
function layer(n, req) {
  if (n === 0)
    return handler(req);
  req.hops++;
  return layer(n - 1, req) + 0; // not a tail call
}

function route(req) {
  return layer(2, req);
}

function serve(i) {
  const req = { id: i, hops: 0, body: `{"id":${i},"user":"user-${i % 977}","tags":["a","b"]}` };
  return route(req);
}

process.on('SIGUSR1', () => {
  const t0 = process.hrtime.bigint();
  let bytes = 0;
  for (let i = 0; i < requests; i++)
    bytes += serve(i);
  const t1 = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  process.stdout.write(`elapsed_ns ${t1 - t0}\nbytes ${bytes}\n` +
    `cpu_ns ${(cpu.user + cpu.system) * 1000}\n`, () => process.exit(0));
});
console.log('ready');
setInterval(() => {}, 1000);
