#!/usr/bin/env node
// The process entry point; src/cli/main.ts stays importable without side effects.
import { main } from '../dist/src/cli/main.js';

const code = await main(process.argv.slice(2));
if (code !== 0) process.exitCode = code;
