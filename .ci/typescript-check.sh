#!/usr/bin/env bash
# Prove the mobile contract compiles into a typed TypeScript client:
# openapi-typescript (its default options) generates the types, then tsc --strict type-checks them
# together with mobile_api_spec/example-client.ts, a short field-app session written with
# openapi-fetch (sign in, pull the registry, upload a batch, read an error's code). A spec that
# lies about what the server takes or answers makes that program fail to compile.
# Usage: .ci/typescript-check.sh [path/to/openapi.json]   (default: mobile_api_spec/openapi.json)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
spec="$(realpath "${1:-mobile_api_spec/openapi.json}")"
client="$root/mobile_api_spec/example-client.ts"
[[ -f "$spec" ]] || { echo "typescript-check: $spec not found" >&2; exit 1; }
[[ -f "$client" ]] || { echo "typescript-check: $client not found" >&2; exit 1; }
command -v npm >/dev/null || { echo "typescript-check: npm is not installed" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Majors pinned: openapi-typescript 7 targets TypeScript 5; openapi-fetch is 0.x (minor = major).
npm install --prefix "$work" --no-audit --no-fund --loglevel=error \
  openapi-typescript@7 typescript@5 openapi-fetch@0.17 >/dev/null
cd "$work"
npx --no -- openapi-typescript "$spec" -o "$work/api.d.ts"
cp "$client" "$work/example-client.ts"
npx --no -- tsc --noEmit --strict --target es2022 --module esnext --moduleResolution bundler \
  --lib es2022,dom "$work/api.d.ts" "$work/example-client.ts"
echo "typescript-check: $(grep -c '' "$work/api.d.ts") lines of types and the example client" \
  "compiled with tsc --strict"
