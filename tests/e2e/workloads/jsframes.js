// Leaks Buffers from six kinds of JavaScript function, each at its own size, and keeps Unix
// sockets open from a named function, for leaktop's JavaScript frames. Prints "ready"; on
// SIGUSR1 leaks N blocks of each kind and opens SOCKS sockets, prints "done", then waits.
// "FN:kind" marks each function's first line and "LEAK:kind" its leaking line: the test
// reads both.
'use strict';
const net = require('net');
const path = require('path');
const N = 40, SOCKS = 25;
const KB = 1024;
const kept = [];

function leakNamed() { // FN:named
  kept.push(Buffer.alloc(64 * KB)); // LEAK:named
}

class Cache { // FN:method
  store() {
    kept.push(Buffer.alloc(68 * KB)); // LEAK:method
  }
}
const cache = new Cache();

const leakArrow = () => { // FN:arrow
  kept.push(Buffer.alloc(72 * KB)); // LEAK:arrow
};

// A stack trace needs the function's source positions, so V8 builds them: the frame's line is
// then the line that allocates, from its bytecode offset, rather than the function's first.
// Called once, so its one frame is the interpreter's.
function leakAtLine(n) { // FN:line
  const depth = new Error().stack.length;
  for (let i = 0; i < n; i++) {
    kept.push(depth > 0 &&
      Buffer.alloc(84 * KB)); // LEAK:line
  }
}

async function leakAsync() { // FN:async
  await null;
  kept.push(Buffer.alloc(76 * KB)); // LEAK:async
}

function openSockets(where) { // FN:socket
  for (let i = 0; i < SOCKS; i++)
    kept.push(net.connect(where)); // LEAK:socket
}

const where = path.join(process.argv[2] || '/tmp', 'jsframes.sock');
const server = net.createServer(() => {}).listen(where, () => console.log('ready'));

process.on('SIGUSR1', async () => {
  for (let i = 0; i < N; i++) {
    leakNamed();
    cache.store();
    leakArrow();
    await leakAsync();
  }
  leakAtLine(N);
  await new Promise((done) => {
    let left = N;
    for (let i = 0; i < N; i++) {
      setTimeout(() => { // FN:timer
        kept.push(Buffer.alloc(80 * KB)); // LEAK:timer
        if (--left === 0) done();
      }, 1);
    }
  });
  openSockets(where);
  // Every connection accepted: the server's own sockets are counted apart from these.
  let accepted = 0;
  server.on('connection', () => { if (++accepted === SOCKS) console.log('done'); });
});
setInterval(() => {}, 1000);
