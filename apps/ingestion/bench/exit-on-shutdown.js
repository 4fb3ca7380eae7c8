// Preloaded when profiling (`node --cpu-prof`): NestJS re-raises SIGTERM once its shutdown hooks ran, which would end
// the process without the normal exit in which node writes the profile. With this listener the re-raised signal exits normally.
let signals = 0;
process.on('SIGTERM', () => {
  if (++signals > 1) process.exit(0);
});
