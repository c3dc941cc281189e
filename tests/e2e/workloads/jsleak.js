// Leaks Buffers from a named function, at a known size and count, for leaktop's JavaScript
// frames. Prints "ready", leaks on SIGUSR1 (N blocks of SIZE bytes), prints "done", then waits.
'use strict';
const N = 200, SIZE = 65536;
const kept = [];

function leakBuffer() {
  kept.push(Buffer.alloc(SIZE)); // LEAK:leakBuffer
}

process.on('SIGUSR1', () => {
  for (let i = 0; i < N; i++) leakBuffer();
  console.log('done');
});
console.log('ready');
setInterval(() => {}, 1000);
