#!/bin/sh
# Make sure SoftHSM2 (the PKCS#11 token the virtual CPS cards live in) is installed. Idempotent.
# Installs it with apt-get when running as root; otherwise says what to do. `apt-get update` is tried only
# when the first install fails (a fresh image with empty package lists).
set -eu

MODULE="${FEUILLE_PKCS11_MODULE:-/usr/lib/softhsm/libsofthsm2.so}"

if [ -e "$MODULE" ] && command -v softhsm2-util >/dev/null 2>&1; then
    exit 0
fi

if [ "$(id -u)" != "0" ]; then
    echo "SoftHSM2 manque ($MODULE) : installez-le avec « sudo apt-get install softhsm2 »." >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "SoftHSM2 manque ($MODULE) et apt-get est absent : installez le paquet softhsm2 de votre système." >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q softhsm2 >/dev/null; then
    apt-get update -q >/dev/null
    apt-get install -y -q softhsm2 >/dev/null
fi

if [ ! -e "$MODULE" ]; then
    echo "softhsm2 installé mais $MODULE introuvable : réglez FEUILLE_PKCS11_MODULE." >&2
    exit 1
fi
