#!/bin/sh
# Make sure wrk (Debian's package) is installed for the web load benchmark (make bench-web). Idempotent; installs
# with apt-get when running as root, else says what to do.
set -eu

command -v wrk >/dev/null 2>&1 && exit 0

if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "wrk manque : installez-le avec « sudo apt-get install wrk »." >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q wrk >/dev/null; then
    apt-get update -q >/dev/null
    apt-get install -y -q wrk >/dev/null
fi
command -v wrk >/dev/null 2>&1 || { echo "wrk installé mais introuvable dans le PATH." >&2; exit 1; }
