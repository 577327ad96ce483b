#!/usr/bin/env bash
# Prove the mobile contract compiles into a typed TypeScript client:
# openapi-typescript generates the types, tsc --strict type-checks them.
# Usage: .ci/typescript-check.sh [path/to/openapi.json]   (default: mobile_api_spec/openapi.json)
set -euo pipefail

spec="$(realpath "${1:-mobile_api_spec/openapi.json}")"
[[ -f "$spec" ]] || { echo "typescript-check: $spec not found" >&2; exit 1; }
command -v npm >/dev/null || { echo "typescript-check: npm is not installed" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Majors pinned: openapi-typescript 7 targets TypeScript 5.
npm install --prefix "$work" --no-audit --no-fund --loglevel=error \
  openapi-typescript@7 typescript@5 >/dev/null
cd "$work"
npx --no -- openapi-typescript "$spec" -o "$work/api.d.ts"
npx --no -- tsc --noEmit --strict "$work/api.d.ts"
echo "typescript-check: $(grep -c '' "$work/api.d.ts") lines of types compiled with tsc --strict"
