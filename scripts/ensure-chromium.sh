#!/bin/sh
# Make sure Debian's Chromium is installed for the browser tests (Playwright drives /usr/bin/chromium; no browser
# is ever downloaded by Playwright). Idempotent; installs with apt-get when running as root, else says what to do.
set -eu

BROWSER="${FEUILLE_CHROMIUM:-/usr/bin/chromium}"
[ -x "$BROWSER" ] && exit 0

if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "Chromium manque ($BROWSER) : installez-le avec « sudo apt-get install chromium »." >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q chromium >/dev/null; then
    apt-get update -q >/dev/null
    apt-get install -y -q chromium >/dev/null
fi
[ -x "$BROWSER" ] || { echo "chromium installé mais $BROWSER introuvable : réglez FEUILLE_CHROMIUM." >&2; exit 1; }
