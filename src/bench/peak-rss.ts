import { writeFileSync } from 'node:fs';

/**
 * Preloaded into a benchmarked child process (node --import): on exit, writes the process's peak
 * resident set size in KB (all threads) to the file named by VECTORCLINIC_BENCH_PEAK_RSS_FILE.
 */
const target = process.env.VECTORCLINIC_BENCH_PEAK_RSS_FILE;
if (target) process.on('exit', () => writeFileSync(target, String(process.resourceUsage().maxRSS)));
