import { writeFileSync } from 'node:fs';
import { ownPeakRssKb } from './own-peak-rss.js';

/**
 * Preloaded into a benchmarked child process (node --import): on exit, writes the process's peak
 * resident set size in KB (all threads) to the file named by VECTORCLINIC_BENCH_PEAK_RSS_FILE.
 */
const target = process.env.VECTORCLINIC_BENCH_PEAK_RSS_FILE;
// Then the CPU seconds it used (user + system, all threads): under load, wall time is mostly waiting for a core.
if (target) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(target, `${ownPeakRssKb()} ${(usage.userCPUTime + usage.systemCPUTime) / 1e6}`);
  });
}
