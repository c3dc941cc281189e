// Keeps memory from JavaScript at a steady pace, for the node memory verdicts: argv[2] is
// "buffers" (one 64 KiB Buffer every 20 ms: external memory grows, the JS heap hardly) or
// "objects" (500 small objects every 20 ms: the JS heap grows, external memory not).
// Prints "ready"; SIGUSR1 starts, and "enough" follows once argv[3] bytes of Buffers (or of
// V8's heap) were kept; SIGUSR2 stops, and prints "done BYTES HEAP_TOTAL": the bytes of
// Buffers kept (0 for objects) and how much V8's heap grew since SIGUSR1, per V8 itself.
'use strict';
const [mode, target] = [process.argv[2], Number(process.argv[3])];
const KB = 1024;
const kept = [];
let bytes = 0, timer = null, heapAtStart = 0, said = false;

function keepBuffer() {
  kept.push(Buffer.alloc(64 * KB));
  bytes += 64 * KB;
  return bytes;
}

function keepObjects() {
  for (let i = 0; i < 500; i++)
    kept.push({ id: kept.length, name: 'item ' + kept.length, tags: [i, i + 1] });
  return process.memoryUsage().heapTotal - heapAtStart;
}

function tick() {
  const grown = mode === 'buffers' ? keepBuffer() : keepObjects();
  if (!said && grown >= target) {
    said = true;
    console.log('enough');
  }
}

if (mode !== 'buffers' && mode !== 'objects')
  throw new Error(`usage: jsratios.js buffers|objects BYTES`);
process.on('SIGUSR1', () => {
  heapAtStart = process.memoryUsage().heapTotal;
  timer = setInterval(tick, 20);
});
process.on('SIGUSR2', () => {
  clearInterval(timer);
  console.log(`done ${bytes} ${process.memoryUsage().heapTotal - heapAtStart}`);
});
setInterval(() => {}, 1000);
console.log('ready');
