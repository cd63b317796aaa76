// Preloaded with NODE_OPTIONS=--import=<this file> when the audit runs on
// Node 20: the audit's CLI (written for Node 24) calls Promise.withResolvers,
// which Node 20 lacks (added in Node 22). Harmless on newer Node.
if (typeof Promise.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers() {
      let resolve, reject;
      const promise = new this((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}
