// Loaded into the operator by the benchmark only (node --expose-gc --import
// this file): SIGUSR2 runs a full garbage collection, so memory is read as
// live data rather than as whatever garbage the next collection would free.
process.on('SIGUSR2', () => {
  globalThis.gc?.();
});
