// Functions of one shape, made and dropped round after round, so that V8's garbage collector
// puts later rounds' functions, and their scripts, where earlier ones were. Round R's function
// rRR_IIIII, alone in its script rRR_IIIII.js, leaks one Buffer of (64 + R) KiB; only the last
// round's functions stay alive. Then leakEval, made by eval (a script with no name), leaks 10
// Buffers of 90 KiB. Prints "ready"; on SIGUSR1 runs it all, prints "done", then waits.
'use strict';
const vm = require('vm');
const K = +process.argv[2] || 250, R = +process.argv[3] || 14;
const KB = 1024;
const kept = [];
let alive = [];

function make(r, i) {
  const name = `r${String(r).padStart(2, '0')}_${String(i).padStart(5, '0')}`;
  return vm.runInThisContext(`(function ${name}(n) { return Buffer.alloc(n); })`,
                             { filename: `${name}.js` });
}

process.on('SIGUSR1', async () => {
  for (let r = 0; r < R; r++) {
    alive = [];
    gc();
    gc();
    for (let i = 0; i < K; i++) {
      alive.push(make(r, i));
      kept.push(alive[i]((64 + r) * KB));
    }
    await new Promise((done) => setTimeout(done, 50));
  }
  const leakEval = (0, eval)('(function leakEval(n) { return Buffer.alloc(n); })');
  for (let i = 0; i < 10; i++)
    kept.push(leakEval(90 * KB));
  alive.push(leakEval);
  console.log('done');
});
setInterval(() => {}, 1000);
console.log('ready');
