#!/usr/bin/env node
// npm leaves platform-specific optional packages out of package-lock.json when the registry it
// talks to does not serve them (a partial mirror), and `npm ci` then refuses the lock as "out of
// sync". This adds the missing entries of napi-style platform packages (name-<os>-<cpu>[-<libc>])
// with their os/cpu/libc fields, so npm skips them on other platforms without fetching them.
// Run after any `npm install` that rewrites the lock: `node scripts/complete-lockfile.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const PLATFORM = /-(darwin|linux|win32|freebsd|android)-(x64|arm64|ia32|arm)(?:-(gnu|musl|msvc|gnueabihf))?$/;
let added = 0;

for (const [key, entry] of Object.entries(lock.packages)) {
  for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    const target = `node_modules/${name}`;
    const nested = `${key}/node_modules/${name}`;
    if (lock.packages[target] || lock.packages[nested]) continue;
    const platform = PLATFORM.exec(name);
    if (!platform || !/^\d+\.\d+\.\d+/.test(spec)) continue;
    const [, os, cpu, abi] = platform;
    const base = name.split('/').pop();
    lock.packages[target] = {
      version: spec,
      resolved: `https://registry.npmjs.org/${name}/-/${base}-${spec}.tgz`,
      cpu: [cpu],
      ...(abi === 'gnu' || abi === 'musl' ? { libc: [abi === 'gnu' ? 'glibc' : 'musl'] } : {}),
      optional: true,
      os: [os],
    };
    added++;
  }
}
const sorted = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
lock.packages = sorted;
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} platform package entr${added === 1 ? 'y' : 'ies'}`);
