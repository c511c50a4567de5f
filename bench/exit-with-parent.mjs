/**
 * Preloaded (`--import`) into the benchmark's child processes only: the benchmark keeps the child's stdin open,
 * so when it goes away, even killed with SIGKILL, stdin ends and the child stops itself with its usual SIGTERM
 * shutdown instead of running on as an orphan.
 */
process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM'));
process.stdin.on('error', () => process.kill(process.pid, 'SIGTERM'));
process.stdin.resume();
