#!/usr/bin/env node
// The process entry point; src/cli/main.ts stays importable without side effects.
import { main } from '../dist/src/cli/main.js';

// `trellis export | head` closes our stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

const code = await main(process.argv.slice(2));
if (code !== 0) process.exitCode = code;
