// busy.js - a CPU-bound node script for tests/bench/live.sh
// usage: node --perf-basic-prof busy.js [SECONDS]   (default 3)
// Many small functions, compiled and recompiled by V8 as they warm up,
// so the run starts node's threads and grows its perf map the way an
// application does.
'use strict';
const secs = Number(process.argv[2] || 3);
const end = Date.now() + secs * 1000;

function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
function words(n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push((i * 2654435761 % 1000003).toString(36));
  return out;
}
function sortWords(n) { return words(n).sort().length; }
function jsonRound(n) {
  const o = { a: words(n), b: { c: n, d: [1, 2, 3] } };
  return JSON.parse(JSON.stringify(o)).a.length;
}
function regexCount(n) {
  const s = words(n).join(' ');
  return (s.match(/[a-f]+\d/g) || []).length;
}
function mapWork(n) {
  const m = new Map();
  for (let i = 0; i < n; i++) m.set('k' + (i % 997), i);
  let t = 0;
  for (const v of m.values()) t += v;
  return t;
}
const kinds = [() => fib(20), () => sortWords(2000), () => jsonRound(1000),
  () => regexCount(1000), () => mapWork(5000)];
let total = 0, rounds = 0;
while (Date.now() < end) {
  // a new closure now and then: more code for V8 to compile
  const f = new Function('x', 'return x * ' + (rounds % 50) + ' + 1;');
  total += kinds[rounds % kinds.length]() + f(rounds);
  rounds++;
}
console.log('rounds ' + rounds + ' total ' + total + ' pid ' + process.pid);
