#!/usr/bin/env -S npx tsx
// Writes docs/checks/<code>.md for every registered check from its metadata (npm run docs).
// A test fails when a page is missing or stale, so run this after editing a check's meta.
import { writeCheckDocs } from '../src/reporters/check-docs-folder.js';

const written = writeCheckDocs(new URL('../docs/checks/', import.meta.url));
console.log(`wrote ${written.length} check pages to docs/checks/: ${written.join(', ')}`);
