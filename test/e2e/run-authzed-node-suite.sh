#!/usr/bin/env bash
# Runs @authzed/authzed-node's own integration tests (written for `spicedb serve-testing`) against
# `trellis serve-testing` on 127.0.0.1:50051. Needs `npm run build` first; ports 50051/50052 free.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'kill -TERM "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
cp -r "$root/node_modules/@authzed/authzed-node/src" "$work/src"
ln -s "$root/node_modules" "$work/node_modules"
echo "export default { test: { include: ['src/**/*.test.ts'], testTimeout: 30000, pool: 'forks' } };" > "$work/vitest.config.mjs"
node "$root/bin/trellis.js" serve-testing --log-level warn &
server=$!
for _ in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/50051) 2>/dev/null && break; sleep 0.2; done
cd "$work"
npx vitest run --root "$work" src/v1.test.ts src/v1-promise.test.ts src/full.test.ts src/full-promises.test.ts
