// Preloaded by the bench:* scripts (`node -r`): a benchmark publishes to topics of its own, named with a per-run
// prefix, so it never feeds the topics of a running `npm start` installation; benchInfra().stop() deletes them.
if (!process.env.WEFT_TOPIC_PREFIX) {
  process.env.WEFT_TOPIC_PREFIX = `bench-${Date.now().toString(36)}.`;
  process.env.WEFT_BENCH_OWNS_TOPIC_PREFIX = '1';
}
