/**
 * The source of one kernel-pool helper thread (kernel-pool.ts), as plain self-contained JavaScript text: it runs as a
 * Node worker_threads `eval` worker and as a browser Blob-URL worker alike (it finds its message port itself), and,
 * being a string, survives bundling and minification untouched.
 *
 * Protocol: the first message is { type: 'start', memory, control, modules }. The helper instantiates every module on
 * the shared `memory`, answers { type: 'ready' } (or { type: 'error', message }), then never returns to its event
 * loop: it sleeps in Atomics.wait on the claim word ((generation << 13) | next lane), and whenever it changes claims
 * lanes of the generation it names by compare-exchange (up to that generation's lane count, (generation << 13) | count,
 * and none if the count already names a later generation), runs their calls in order, and adds 1 to the done counter per
 * lane (notifying the caller after the last one). A STOP flag (or terminate()) ends it. The control layout is
 * kernel-pool.ts's CTL; the numbers below must match it.
 */
export const KERNEL_POOL_HELPER_SOURCE = String.raw`(function () {
  'use strict';
  var NEXT = 0, LANES = 1, DONE = 2, STOP = 3, ERROR = 4, HELPER_LANES = 6, LANE0 = 16, LANE_BITS = 13, MAX_LANES = 4096, CALL_INTS = 12;
  var CALLS0 = LANE0 + MAX_LANES + 1;
  var post, listen;
  if (typeof require === 'function' && typeof process === 'object' && process.versions && process.versions.node) {
    var parentPort = require('worker_threads').parentPort;
    post = function (m) { parentPort.postMessage(m); };
    listen = function (cb) { parentPort.once('message', cb); };
  } else {
    post = function (m) { self.postMessage(m); };
    listen = function (cb) { self.onmessage = function (e) { self.onmessage = null; cb(e.data); }; };
  }
  function fail(e) { return e && e.message ? String(e.message) : String(e); }
  listen(function (msg) {
    var ctl, fns = [];
    try {
      if (!msg || msg.type !== 'start') throw new Error('expected a start message');
      ctl = new Int32Array(msg.control);
      Atomics.wait(ctl, NEXT, -1, 0); // throws where this thread may not block
      for (var m = 0; m < msg.modules.length; m++) {
        var mod = msg.modules[m];
        var inst = new WebAssembly.Instance(new WebAssembly.Module(mod.bytes), { env: { memory: msg.memory } });
        for (var f = 0; f < mod.functions.length; f++) {
          var fn = inst.exports[mod.functions[f]];
          if (typeof fn !== 'function') throw new Error('the module exports no function ' + mod.functions[f]);
          fns.push(fn);
        }
      }
    } catch (e) {
      post({ type: 'error', message: fail(e) });
      return;
    }
    post({ type: 'ready' });
    var calls = ctl.subarray(CALLS0);
    var laneMask = (1 << LANE_BITS) - 1;
    var v = Atomics.load(ctl, NEXT);
    for (;;) {
      if (Atomics.load(ctl, STOP) !== 0) return;
      var gen = v >>> LANE_BITS;
      // The count of a later generation (published before its claim word) means this one is over: claim nothing.
      var lw = Atomics.load(ctl, LANES);
      var lanes = (lw >>> LANE_BITS) === gen ? (lw & laneMask) : 0;
      for (;;) {
        var i = v & laneMask;
        if (i >= lanes) break;
        var w = Atomics.compareExchange(ctl, NEXT, v, v + 1);
        if (w !== v) {
          v = w;
          if (v >>> LANE_BITS !== gen) break;
          continue;
        }
        Atomics.add(ctl, HELPER_LANES, 1);
        try {
          var end = ctl[LANE0 + i + 1];
          for (var c = ctl[LANE0 + i]; c < end; c++) {
            var o = c * CALL_INTS;
            fns[calls[o]](calls[o + 1], calls[o + 2], calls[o + 3], calls[o + 4], calls[o + 5], calls[o + 6],
              calls[o + 7], calls[o + 8], calls[o + 9], calls[o + 10], calls[o + 11]);
          }
        } catch (e) {
          if (Atomics.exchange(ctl, ERROR, 1) === 0) post({ type: 'error', message: fail(e) });
        }
        if (Atomics.add(ctl, DONE, 1) + 1 >= lanes) Atomics.notify(ctl, DONE);
        v = Atomics.load(ctl, NEXT);
        if (v >>> LANE_BITS !== gen) break;
      }
      if (v >>> LANE_BITS === gen && (v & laneMask) >= lanes) {
        Atomics.wait(ctl, NEXT, v);
        v = Atomics.load(ctl, NEXT);
      }
    }
  });
})();
`;
