#!/bin/sh
# The web application's JavaScript, from npm with the lockfile (npm ci), copied where the app serves it
# (src/feuille/web/static/vendor, not committed). Idempotent: does nothing when the lockfile has not changed.
set -eu
cd "$(dirname "$0")/.."
VENDOR=src/feuille/web/static/vendor
STAMP="$VENDOR/.lock-stamp"
if [ -f "$STAMP" ] && cmp -s package-lock.json "$STAMP"; then
    exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "npm manque : installez Node.js (paquet nodejs) pour l'application web." >&2; exit 1; }
npm ci --no-audit --no-fund --loglevel=error >/dev/null
mkdir -p "$VENDOR"
cp node_modules/htmx.org/dist/htmx.min.js "$VENDOR/htmx.min.js"
cp node_modules/chart.js/dist/chart.umd.min.js "$VENDOR/chart.umd.min.js"
# The offline page (/hors-ligne): IndexedDB through idb; the service worker imports Workbox's modules from here
# (workbox-sw with a local modulePathPrefix: never the CDN).
mkdir -p "$VENDOR/idb" "$VENDOR/workbox"
cp node_modules/idb/build/umd.js "$VENDOR/idb/umd.js"
cp node_modules/workbox-sw/build/workbox-sw.js "$VENDOR/workbox/workbox-sw.js"
for module in core precaching routing strategies; do
    cp "node_modules/workbox-$module/build/workbox-$module.prod.js" "$VENDOR/workbox/workbox-$module.prod.js"
done
cp package-lock.json "$STAMP"
